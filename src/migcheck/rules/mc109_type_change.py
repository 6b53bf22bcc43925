"""ALTER COLUMN … TYPE that rewrites or scans the table.

## What it does
Flags a column type change on an existing table unless it is known to be metadata-only. The safe
list follows PostgreSQL's binary-coercible casts: `varchar(n)` widened or made unbounded,
`varchar` ↔ `text`, `numeric(p,s)` → `numeric(p2,s)` with p2 ≥ p or unconstrained `numeric`,
`varbit` widened, `cidr` → `inet`. The current type comes from earlier statements, earlier
revisions, Alembic's `existing_type`, or (in `migcheck verify`) the live catalog. When it is
unknown, a change to a type that *could* be safe (`ALTER COLUMN body TYPE text USING
body::text`) is a warning that says which current types make it metadata-only; a change to any
other type is an error ("may rewrite": it does unless the current type is binary-compatible).

## Why is this bad
A rewriting type change copies the whole table and rebuilds every index under ACCESS EXCLUSIVE:
all reads and writes are blocked for the duration. Narrowing a `varchar` (or `text` →
`varchar(n)`) rewrites too: measured on PostgreSQL 15, the table gets a new relfilenode. A
`USING` expression rewrites, unless it is only the column itself or the column cast to the new
type (`USING title::varchar(300)`, as Django writes it): that is the same as no `USING`.

## Example
```sql
ALTER TABLE events ALTER COLUMN id TYPE bigint;
```

## Use instead
Expand and contract: add a new column, write to both (trigger), backfill in batches, switch
reads, then drop the old column in a later release.
```sql
SET lock_timeout = '2s';
ALTER TABLE events ADD COLUMN id_new bigint;
-- trigger copying id → id_new on INSERT/UPDATE, batched backfill, then swap names
```
Alembic:
```python
op.add_column("events", sa.Column("id_new", sa.BigInteger()))
op.execute(DUAL_WRITE_TRIGGER_SQL)
# backfill in batches; a later revision renames and drops the old column
```
Safe changes need no recipe, e.g. `op.alter_column("users", "name", type_=sa.Text(),
existing_type=sa.String(50))`.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.postgres.types import Change, could_be_free, free_from, type_change
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag type changes that are not known to be metadata-only."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    table = ctx.schema.tables.get(s.table)
    for a in s.actions:
        if a.kind != "alter_type" or a.type is None or not a.column:
            continue
        column = table.columns.get(a.column) if table is not None else None
        old = column.type if column is not None else None
        change = type_change(old, a.type, a.using)
        if change is Change.FREE:
            continue
        target = f"{qi(s.table)}.{qi(a.column)}"
        if change is Change.UNKNOWN and could_be_free(a.type):
            yield Hit(
                f"Changing {target} to {a.type.display} may rewrite the table under an ACCESS "
                f"EXCLUSIVE lock: it is metadata-only if the current type is "
                f"{free_from(a.type)}, and the current type of {target} is not known here",
                "Make the current type known (create or alter the column earlier in the run; "
                "Alembic: existing_type=…; migcheck verify reads it from the catalog). If it is "
                "another type, add a new column, backfill in batches and swap instead.",
                severity=Severity.WARNING,
            )
            continue
        if change is Change.UNKNOWN:
            what = f"may rewrite the table (it does unless the current type of {target} is "
            what += f"binary-compatible with {a.type.display})"
        else:
            source = f" from {old.display}" if old else ""
            what = "rewrites the whole table and its indexes" + (
                " (USING expression)" if a.using else f"{source}"
            )
        yield Hit(
            f"Changing {target} to {a.type.display} {what} under an ACCESS EXCLUSIVE lock, "
            "blocking all reads and writes until it finishes",
            "Add a new column, dual-write with a trigger, backfill in batches and swap in a later "
            "migration (only widening varchar/numeric or varchar→text is free).",
        )


RULE = Rule(
    "MC109",
    "column-type-change-rewrites",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("alter_type",),
)
