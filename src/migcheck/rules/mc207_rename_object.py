"""Renaming a view, sequence, function or type.

## What it does
Flags `ALTER VIEW | MATERIALIZED VIEW | SEQUENCE | FUNCTION | PROCEDURE | TYPE | DOMAIN …
RENAME TO …` of an object not created earlier in the same file or revision. (Tables, columns,
schemas and enum values have their own rules; indexes, constraints and triggers are not named by
application queries and are not reported.)

## Why is this bad
Application code names these objects: it selects from the view, calls `nextval('the_seq')` or
the function, casts to the type. The previous release keeps running during and after the deploy
and fails on its next such query. The rename itself takes ACCESS EXCLUSIVE on a view or sequence.

## Example
```sql
ALTER VIEW active_users RENAME TO active_accounts;
```

## Use instead
Expand and contract: create the object under the new name next to the old one, switch the code,
and drop the old name in a later release.
```sql
CREATE VIEW active_accounts AS SELECT * FROM active_users;
-- later, once no code uses "active_users": recreate active_accounts from the base query
```
Alembic:
```python
op.execute("CREATE VIEW active_accounts AS SELECT * FROM active_users")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Rename, Statement

_KINDS = {
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "type",
}


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag renames of objects that running code refers to by name."""
    assert isinstance(s, Rename)
    label = _KINDS.get(s.object_type)
    if label is None or ctx.is_new(s.old_name):
        return
    yield Hit(
        f"Renaming {label} {qi(s.old_name)} to {qi(s.new_name)} breaks running code that still "
        "uses the old name",
        f"Create {qi(s.new_name)} next to {qi(s.old_name)}, switch the code, and drop the old "
        "name in a later release.",
    )


RULE = Rule("MC207", "rename-object", Severity.WARNING, __doc__ or "", (Kind.RENAME,), check)
