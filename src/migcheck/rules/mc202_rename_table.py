"""Renaming a table.

## What it does
Flags `ALTER TABLE … RENAME TO …` and `ALTER TABLE … SET SCHEMA …` (a move to another schema
changes the name queries use) on a table that existed before this migration.

## Why is this bad
Application code that is still running (the previous release, during and after the deploy) keeps
using the old name and fails immediately. The rename itself takes ACCESS EXCLUSIVE (all reads and
writes blocked while it waits for running queries).

## Example
```sql
ALTER TABLE users RENAME TO accounts;
```

## Use instead
Expand and contract: create the new name as an updatable view (or the reverse), deploy code that
uses the new name, then rename and drop the view in a later migration:
```sql
SET lock_timeout = '2s';
ALTER TABLE users RENAME TO accounts;
CREATE VIEW users AS SELECT * FROM accounts;  -- same transaction: old code keeps working
-- later migration, after all code uses "accounts":
DROP VIEW users;
```
Alembic:
```python
op.rename_table("users", "accounts")
op.execute("CREATE VIEW users AS SELECT * FROM accounts")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Move, Rename, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag renames and schema moves of existing tables."""
    assert isinstance(s, (Rename, Move))
    if s.object_type != "OBJECT_TABLE" or not s.table or ctx.is_new(s.table):
        return
    if isinstance(s, Move):
        name = s.table.rpartition(".")[2]
        yield Hit(
            f"Moving table {qi(s.table)} to schema {qi(s.schema)} breaks running code that "
            "still uses the old qualified name (and takes ACCESS EXCLUSIVE, blocking all reads "
            "and writes while it waits)",
            f"Keep the old name working: CREATE VIEW {qi(s.table)} AS SELECT * FROM "
            f"{qi(f'{s.schema}.{name}')} in the same transaction, drop it once no code uses "
            "the old name.",
        )
        return
    yield Hit(
        f"Renaming table {qi(s.table)} to {qi(s.new_name)} breaks running code that still uses "
        "the old name (and takes ACCESS EXCLUSIVE, blocking all reads and writes while it waits)",
        f"Keep the old name working: CREATE VIEW {qi(s.table)} AS SELECT * FROM "
        f"{qi(s.new_name)} in the same transaction, drop it once no code uses the old name.",
    )


RULE = Rule(
    "MC202", "rename-table", Severity.WARNING, __doc__ or "", (Kind.RENAME, Kind.SET_SCHEMA), check
)
