"""ATTACH PARTITION without a validated CHECK constraint matching the bound.

## What it does
Flags `ALTER TABLE … ATTACH PARTITION p …` when `p` existed before this migration and no
validated CHECK constraint is known on it (added and validated earlier in the file or revisions).

## Why is this bad
ATTACH scans the whole partition to prove every row fits the partition bound, holding ACCESS
EXCLUSIVE on the partition (all reads and writes blocked) and SHARE UPDATE EXCLUSIVE on the parent.
A validated CHECK constraint that implies the bound lets PostgreSQL skip the scan.

## Example
```sql
ALTER TABLE measurements ATTACH PARTITION measurements_2024
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
```

## Use instead
```sql
SET lock_timeout = '2s';
ALTER TABLE measurements_2024 ADD CONSTRAINT measurements_2024_bound
    CHECK (ts >= '2024-01-01' AND ts < '2025-01-01') NOT VALID;
ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bound;
ALTER TABLE measurements ATTACH PARTITION measurements_2024
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE measurements_2024 DROP CONSTRAINT measurements_2024_bound;
```
Alembic:
```python
op.create_check_constraint("measurements_2024_bound", "measurements_2024",
    "ts >= '2024-01-01' AND ts < '2025-01-01'", postgresql_not_valid=True)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bound")
op.execute("ALTER TABLE measurements ATTACH PARTITION measurements_2024 "
           "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag ATTACH PARTITION that must scan the partition."""
    assert isinstance(s, TableChange)
    if not s.table:
        return
    for a in s.actions:
        if a.kind != "attach_partition" or not a.partition or ctx.is_new(a.partition):
            continue
        part = ctx.schema.tables.get(a.partition)
        if part is not None and any(
            c.kind == "check" and c.validated for c in part.constraints.values()
        ):
            continue
        part_name = qi(a.partition)
        yield Hit(
            f"ATTACH PARTITION {part_name} scans the whole partition to check its bound while "
            f"holding ACCESS EXCLUSIVE on {part_name} (all reads and writes blocked)",
            f"First add a CHECK constraint on {part_name} matching the bound NOT VALID and "
            "VALIDATE it; ATTACH then skips the scan.",
        )


RULE = Rule(
    "MC116",
    "attach-partition-scans",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("attach_partition",),
)
