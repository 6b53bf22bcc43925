"""Column of type json instead of jsonb.

## What it does
Flags columns declared (CREATE TABLE, ADD COLUMN, ALTER COLUMN … TYPE) with type `json`.

## Why is this bad
`json` stores the raw text: it has no equality operator, so `SELECT DISTINCT`, `GROUP BY`,
`UNION` and unique indexes on it fail, it cannot be indexed with GIN, and every access re-parses
it. Changing it to `jsonb` later is a full table rewrite under ACCESS EXCLUSIVE.

## Example
```sql
CREATE TABLE events (id bigint PRIMARY KEY, payload json);
```

## Use instead
```sql
CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);
```
Alembic:
```python
from sqlalchemy.dialects.postgresql import JSONB
op.add_column("events", sa.Column("payload", JSONB()))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import column_types, qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag json columns."""
    assert isinstance(s, TableChange)
    for column, type_ in column_types(s):
        if type_.name == "json":
            yield Hit(
                f"Column {qi(s.table)}.{qi(column)} uses json: no equality operator, no GIN "
                "index, re-parsed on every access; converting later rewrites the table",
                "Use jsonb.",
            )


RULE = Rule(
    "MC204",
    "prefer-jsonb",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
)
