"""NOT VALID constraint validated in the same transaction.

## What it does
Flags `VALIDATE CONSTRAINT` for a constraint that was added `NOT VALID` earlier in the same
transaction (an explicit BEGIN block, or one Alembic revision's transaction).

## Why is this bad
The point of NOT VALID is to hold the strong lock only for an instant. The ADD took SHARE ROW
EXCLUSIVE (foreign key; blocks writes to both tables) or ACCESS EXCLUSIVE (CHECK; blocks reads and
writes), and that lock is held until COMMIT — so the validating scan runs under it anyway.

## Example
```sql
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk
    FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
COMMIT;
```

## Use instead
```sql
SET lock_timeout = '2s';
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk
    FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
COMMIT;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
```
Alembic:
```python
op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"],
                      postgresql_not_valid=True)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk")
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
    """Flag validation in the transaction that added the constraint NOT VALID."""
    assert isinstance(s, TableChange)
    if not s.table or not ctx.in_transaction:
        return
    for a in s.actions:
        if a.kind != "validate_constraint" or not a.constraint_name:
            continue
        added = ctx.not_valid_in_tx.get((s.table, a.constraint_name))
        if added is None or ctx.is_new(s.table):
            continue
        name = qi(a.constraint_name)
        yield Hit(
            f"VALIDATE CONSTRAINT {name} runs in the same transaction that added it NOT "
            f"VALID (line {added.line}), so the scan of {qi(s.table)} happens while the ADD's "
            "lock still blocks writes",
            "COMMIT after adding the constraint NOT VALID and validate it in a separate "
            "transaction (Alembic: inside op.get_context().autocommit_block()).",
        )


RULE = Rule(
    "MC113",
    "validate-in-same-transaction",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("validate_constraint",),
)
