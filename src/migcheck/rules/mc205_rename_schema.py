"""Renaming a schema.

## What it does
Flags `ALTER SCHEMA … RENAME TO …`.

## Why is this bad
Every query, view definition in application code, `search_path` setting and grant script that
names the old schema fails as soon as the rename commits, while the previous release is still
running. Unlike a table, a schema cannot be kept reachable under its old name with a view.

## Example
```sql
ALTER SCHEMA billing RENAME TO invoicing;
```

## Use instead
Expand and contract: create the new schema, move or mirror the objects (views in the new schema
over the old tables, or the reverse), switch the code to the new name, and drop the old schema in
a later release.
```sql
CREATE SCHEMA IF NOT EXISTS invoicing;
CREATE VIEW invoicing.invoices AS SELECT * FROM billing.invoices;
-- later, once no code uses "billing": move the tables and drop the views
```
Alembic:
```python
op.execute("CREATE SCHEMA IF NOT EXISTS invoicing")
op.execute("CREATE VIEW invoicing.invoices AS SELECT * FROM billing.invoices")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Rename, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag schema renames."""
    assert isinstance(s, Rename)
    if s.object_type != "OBJECT_SCHEMA" or ctx.is_new(f"schema:{s.old_name}"):
        return
    yield Hit(
        f"Renaming schema {qi(s.old_name)} to {qi(s.new_name)} breaks every running query "
        "that names the old schema",
        f"Create schema {qi(s.new_name)} next to it, expose the objects there (views), switch "
        f"the code, and drop {qi(s.old_name)} in a later release.",
    )


RULE = Rule("MC205", "rename-schema", Severity.WARNING, __doc__ or "", (Kind.RENAME,), check)
