"""ADD COLUMN … GENERATED ALWAYS AS (…) STORED on an existing table.

## What it does
Flags adding a stored generated column to a table that existed before this migration.

## Why is this bad
PostgreSQL computes the value for every existing row by rewriting the whole table and its indexes
under ACCESS EXCLUSIVE: all reads and writes are blocked for the duration.

## Example
```sql
ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED;
```

## Use instead
Add a plain nullable column, keep it up to date with a trigger (or application code), backfill in
batches, then add the NOT NULL / CHECK constraints with the safe recipe:
```sql
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN total numeric;
CREATE FUNCTION orders_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.total := NEW.price * NEW.quantity; RETURN NEW; END $$;
CREATE TRIGGER orders_total BEFORE INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_total();
UPDATE orders SET total = price * quantity WHERE id BETWEEN 1 AND 10000;  -- per batch
```
Alembic:
```python
op.add_column("orders", sa.Column("total", sa.Numeric()))
op.execute(TRIGGER_SQL)  # the function and trigger above
# backfill in batches outside the revision's transaction
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
    """Flag a stored generated column added to an existing table."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        if a.kind == "add_column" and a.column_def is not None and a.column_def.generated_stored:
            yield Hit(
                f"Adding stored generated column {qi(s.table)}.{qi(a.column)} rewrites the whole "
                "table under an ACCESS EXCLUSIVE lock, blocking all reads and writes",
                "Add a plain nullable column, fill it with a trigger and a batched backfill.",
            )


RULE = Rule(
    "MC107",
    "add-column-stored-generated",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column",),
)
