"""ADD COLUMN … NOT NULL without a DEFAULT.

## What it does
Flags adding a `NOT NULL` column without a `DEFAULT` (and that is not generated, identity or
serial) to a table that existed before this migration.

## Why is this bad
On a table with rows PostgreSQL rejects it (`column … contains null values`) and the deploy
fails. On an empty table it succeeds, and then every INSERT from application code that does not
know the column yet fails with a NOT NULL violation.

## Example
```sql
ALTER TABLE users ADD COLUMN plan text NOT NULL;
```

## Use instead
Add it with a constant default (metadata-only since PostgreSQL 11), or nullable and tighten later
with the CHECK-then-SET-NOT-NULL recipe:
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
```
Alembic:
```python
op.add_column("users", sa.Column("plan", sa.Text(), nullable=False, server_default="free"))
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
    """Flag NOT NULL columns added without a default."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        col = a.column_def
        if a.kind != "add_column" or col is None or not col.not_null:
            continue
        if col.default is not None or col.generated_stored or col.identity or col.serial:
            continue
        yield Hit(
            f"Adding NOT NULL column {qi(s.table)}.{qi(col.name)} without a DEFAULT fails on a "
            "table with rows, and breaks INSERTs from code that does not set the column",
            "Add a constant DEFAULT (free since PostgreSQL 11), or add the column nullable, "
            "backfill, and then SET NOT NULL via a validated CHECK constraint.",
        )


RULE = Rule(
    "MC201",
    "add-column-not-null-without-default",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column",),
)
