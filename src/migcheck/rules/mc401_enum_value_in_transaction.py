"""New enum value used in the transaction that added it.

## What it does
Flags a statement that uses a value added with `ALTER TYPE … ADD VALUE` earlier in the same
transaction (as a string literal: in an UPDATE, INSERT, DEFAULT, CHECK, …).

## Why is this bad
PostgreSQL refuses it: `ERROR: unsafe use of new value "…" of enum type …` — a new enum value
cannot be used until the transaction that added it commits. The migration fails at deploy time.

## Example
```sql
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 1;
COMMIT;
```

## Use instead
Commit the new value first:
```sql
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
COMMIT;
UPDATE orders SET status = 'refunded' WHERE id = 1;
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
op.execute("UPDATE orders SET status = 'refunded' WHERE id = 1")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.extract import string_constants
from migcheck.sql.facts import EnumChange, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag uses of enum values added in this transaction."""
    if not ctx.enum_values_in_tx or not ctx.in_transaction or s.kind is Kind.ALTER_ENUM:
        return
    used = string_constants(s.text) & set(ctx.enum_values_in_tx)
    for value in sorted(used):
        added = ctx.enum_values_in_tx[value]
        assert isinstance(added, EnumChange)
        yield Hit(
            f"Uses enum value '{value}' added to {qi(added.enum)} in the same transaction "
            f"(line {added.line}): PostgreSQL rejects it with 'unsafe use of new value'",
            "COMMIT after ALTER TYPE … ADD VALUE (Alembic: run it in "
            "op.get_context().autocommit_block()) before using the value.",
        )


RULE = Rule("MC401", "enum-value-used-in-transaction", Severity.ERROR, __doc__ or "", (), check)
