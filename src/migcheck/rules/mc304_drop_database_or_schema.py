"""Dropping a database, or a schema with CASCADE.

## What it does
Flags `DROP DATABASE` and `DROP SCHEMA … CASCADE` of a schema not created in this migration.

## Why is this bad
Both delete every table in them and their data, with no undo short of restoring a backup, and
break every running query that uses them. `CASCADE` drops whatever happens to live in the schema,
including objects the migration's author did not know about. (`DROP SCHEMA` without CASCADE
fails unless the schema is empty, so it is not reported.)

## Example
```sql
DROP SCHEMA reporting CASCADE;
```

## Use instead
Drop the objects you mean to drop, one by one, after no code uses them (and after a backup), then
drop the empty schema without CASCADE:
```sql
-- once no code uses them: DROP TABLE reporting.daily_totals; … (see MC301), then
DROP SCHEMA IF EXISTS reporting;
```
Alembic:
```python
op.drop_table("daily_totals", schema="reporting")
op.execute("DROP SCHEMA IF EXISTS reporting")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Drop, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag DROP DATABASE and DROP SCHEMA … CASCADE."""
    assert isinstance(s, Drop)
    if s.kind is Kind.DROP_DATABASE:
        database = s.names[0] if s.names else None
        yield Hit(
            f"DROP DATABASE {qi(database)} deletes the whole database and breaks every client "
            "connected to it",
            "Do not drop databases from a migration; do it by hand after a backup.",
        )
        return
    if s.object_type != "OBJECT_SCHEMA" or not s.cascade:
        return
    for schema in s.names:
        if ctx.is_new(f"schema:{schema}"):
            continue
        yield Hit(
            f"DROP SCHEMA {qi(schema)} CASCADE deletes every table, view and function in it with "
            "their data, and breaks running code that uses them",
            "Drop the objects you mean to drop one by one, then the empty schema without CASCADE.",
        )


RULE = Rule(
    "MC304",
    "drop-database-or-schema",
    Severity.ERROR,
    __doc__ or "",
    (Kind.DROP, Kind.DROP_DATABASE),
    check,
)
