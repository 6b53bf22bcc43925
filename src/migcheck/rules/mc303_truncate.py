"""TRUNCATE in a migration.

## What it does
Flags `TRUNCATE` of a table that existed before this migration.

## Why is this bad
All rows are deleted at once, with no WHERE clause to limit the damage, and the statement takes
ACCESS EXCLUSIVE on every listed table (and with CASCADE, on referencing tables): all reads and
writes are blocked while it waits and runs.

## Example
```sql
TRUNCATE audit_log;
```

## Use instead
Delete what you mean to delete, in batches, or swap in a new table:
```sql
DELETE FROM audit_log WHERE id >= 1 AND id < 10001;  -- per batch
```
Alembic:
```python
op.execute("DELETE FROM audit_log WHERE id >= 1 AND id < 10001")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Maintenance, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag TRUNCATE of existing tables."""
    assert isinstance(s, Maintenance)
    for table in s.tables:
        if ctx.is_new(table):
            continue
        yield Hit(
            f"TRUNCATE {qi(table)} deletes every row and takes ACCESS EXCLUSIVE, blocking all "
            "reads and writes",
            "Delete the intended rows in batches instead, or do this outside migrations.",
        )


RULE = Rule("MC303", "truncate", Severity.WARNING, __doc__ or "", (Kind.TRUNCATE,), check)
