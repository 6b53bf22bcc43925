"""Dropping a column.

## What it does
Flags `ALTER TABLE … DROP COLUMN` on a table that existed before this migration.

## Why is this bad
The column's data is lost, and running code that still selects or inserts it fails (SQLAlchemy
models list every column in their INSERTs and SELECTs). It also takes ACCESS EXCLUSIVE, blocking
reads and writes while it waits for running queries.

## Example
```sql
ALTER TABLE users DROP COLUMN legacy_flag;
```

## Use instead
First release code that no longer uses the column (in SQLAlchemy, remove it from the model or
mark it `deferred`), then drop it in a later migration:
```sql
SET lock_timeout = '2s';
ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;
```
Alembic:
```python
op.drop_column("users", "legacy_flag")  # migcheck: ignore[MC302] (code stopped using it in v42)
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
    """Flag dropped columns of existing tables."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        if a.kind == "drop_column":
            yield Hit(
                f"Dropping column {qi(s.table)}.{qi(a.column)} loses its data and breaks running "
                "code that still reads or writes it",
                "Stop using the column in code in an earlier release, then drop it.",
            )


RULE = Rule(
    "MC302",
    "drop-column",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("drop_column",),
)
