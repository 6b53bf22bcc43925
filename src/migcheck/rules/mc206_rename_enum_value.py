"""Renaming an enum value.

## What it does
Flags `ALTER TYPE … RENAME VALUE 'old' TO 'new'` on an enum type that existed before this
migration.

## Why is this bad
The rename is instant, but the previous release of the application is still running and still
writes and compares the old label: its inserts fail with `invalid input value for enum`, and its
filters on the old label silently match nothing.

## Example
```sql
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
```

## Use instead
Add the new value in its own transaction, deploy code that writes it (and reads both), backfill
the rows in batches, and stop using the old value; enum values cannot be dropped, so leave it
unused or recreate the type in a later maintenance window.
```sql
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled' AFTER 'canceled';
-- later, in batches and in separate transactions:
UPDATE orders SET status = 'cancelled' WHERE status = 'canceled' AND id BETWEEN 1 AND 10000;
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled' AFTER 'canceled'")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import EnumChange, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag renaming a value of an existing enum."""
    assert isinstance(s, EnumChange)
    if ctx.is_new(s.enum):
        return
    yield Hit(
        f"Renaming value '{s.old_value}' of enum {qi(s.enum)} to '{s.new_value}' breaks "
        "running code that still writes or compares the old label",
        f"ADD VALUE '{s.new_value}' in its own transaction, move code and rows to it, and leave "
        f"'{s.old_value}' unused.",
    )


RULE = Rule(
    "MC206", "rename-enum-value", Severity.WARNING, __doc__ or "", (Kind.RENAME_ENUM_VALUE,), check
)
