"""DETACH PARTITION without CONCURRENTLY.

## What it does
Flags `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` when the target server is
PostgreSQL 14 or newer (`pg-version`), and on older targets when no `lock_timeout` is set.

## Why is this bad
A plain DETACH takes ACCESS EXCLUSIVE on the parent table: all reads and writes on every partition
are blocked while it waits and runs. Since PostgreSQL 14, `DETACH PARTITION … CONCURRENTLY` takes
only SHARE UPDATE EXCLUSIVE on the parent.

## Example
```sql
ALTER TABLE measurements DETACH PARTITION measurements_2020;
```

## Use instead
```sql
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;
```
(outside a transaction block). Alembic:
```python
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY")
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
    """Flag a blocking DETACH PARTITION."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        if a.kind != "detach_partition" or a.concurrently:
            continue
        if ctx.pg_version < 14 and ctx.lock_timeout:
            continue
        fix = (
            "Use DETACH PARTITION … CONCURRENTLY outside a transaction block."
            if ctx.pg_version >= 14
            else "On PostgreSQL 14+ use DETACH PARTITION … CONCURRENTLY; before 14, set "
            "lock_timeout and detach in a quiet period."
        )
        yield Hit(
            f"DETACH PARTITION {qi(a.partition)} takes ACCESS EXCLUSIVE on {qi(s.table)}, blocking "
            "all reads and writes on the partitioned table",
            fix,
        )


RULE = Rule(
    "MC115",
    "detach-partition-non-concurrently",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("detach_partition",),
)
