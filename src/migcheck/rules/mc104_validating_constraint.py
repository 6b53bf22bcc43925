"""FOREIGN KEY or CHECK constraint added and validated in one step.

## What it does
Flags `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` or `… CHECK` without `NOT VALID` on an existing
table, a `CHECK` on a column added to an existing table, and a `REFERENCES` on an added column
that has a DEFAULT. (An added column without a default is all NULL: measured on PostgreSQL 15
and 18, its foreign key is not checked with a scan, so `ADD COLUMN … REFERENCES` alone is only
the brief locks of any ADD COLUMN.)

## Why is this bad
Adding the constraint scans the whole table to check every row while holding the lock:
SHARE ROW EXCLUSIVE on both tables for a foreign key (blocks all writes to both), ACCESS EXCLUSIVE
for a CHECK (blocks all reads and writes). On a large table that is minutes of downtime.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
```

## Use instead
Add it `NOT VALID` (instant), then validate in a separate transaction: `VALIDATE CONSTRAINT` takes
only SHARE UPDATE EXCLUSIVE, so reads and writes continue during the scan.
```sql
SET lock_timeout = '2s';
ALTER TABLE orders ADD CONSTRAINT orders_user_fk
    FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
COMMIT;  -- or a new migration
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
```
Alembic:
```python
op.create_foreign_key(
    "orders_user_fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True
)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.postgres.locks import Lock
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import constraint_label, qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag validating FK/CHECK constraints added to an existing table."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    # the statement holds its strongest sub-command's lock for the whole validation
    held = max(a.lock for a in s.actions) if s.actions else Lock.ACCESS_EXCLUSIVE
    for a in s.actions:
        if a.kind == "add_constraint" and a.constraint is not None:
            con = a.constraint
            if con.kind not in ("foreign_key", "check") or con.not_valid:
                continue
            label, name = constraint_label(s.table, con)
            if con.kind == "foreign_key" and held is Lock.ACCESS_EXCLUSIVE:
                lock = (
                    f"ACCESS EXCLUSIVE on {qi(s.table)} (another sub-command of this statement "
                    "takes it), blocking all reads and writes, and SHARE ROW EXCLUSIVE on "
                    f"{qi(con.ref_table)}, blocking writes to it"
                )
            elif con.kind == "foreign_key":
                lock = (
                    f"SHARE ROW EXCLUSIVE on {qi(s.table)} and {qi(con.ref_table)}, "
                    "blocking all writes to both"
                )
            else:
                lock = f"ACCESS EXCLUSIVE on {qi(s.table)}, blocking all reads and writes"
            kind = "FOREIGN KEY" if con.kind == "foreign_key" else "CHECK"
            named = "" if con.name else f" (give it a name: ADD CONSTRAINT {name} {kind} …)"
            yield Hit(
                f"Adding {kind} constraint {label} validates every row of {qi(s.table)} while "
                f"holding {lock} for the whole scan",
                f"Add it with NOT VALID{named}, then run ALTER TABLE {qi(s.table)} VALIDATE "
                f"CONSTRAINT {name} in a separate transaction (Alembic: postgresql_not_valid=True, "
                "then VALIDATE in its own transaction).",
            )
        elif a.kind == "add_column" and a.column_def is not None:
            col = a.column_def
            for con in col.constraints:
                if con.kind == "foreign_key" and col.default is not None:
                    yield Hit(
                        f"Column {qi(a.column)} is added to {qi(s.table)} with a DEFAULT and "
                        f"REFERENCES {qi(con.ref_table)}: every row gets the default, so the "
                        "foreign key is validated with a scan under ACCESS EXCLUSIVE (all reads "
                        f"and writes blocked) and SHARE ROW EXCLUSIVE on {qi(con.ref_table)}",
                        "Add the column without the DEFAULT (an all-NULL column is not scanned) "
                        "or without REFERENCES, then ADD CONSTRAINT … FOREIGN KEY … NOT VALID "
                        "and VALIDATE CONSTRAINT in a separate transaction.",
                    )
                elif con.kind == "check" and not con.not_valid:
                    yield Hit(
                        f"Column {qi(a.column)} is added to {qi(s.table)} with a CHECK "
                        "constraint: PostgreSQL scans every row to verify it while holding "
                        "ACCESS EXCLUSIVE, blocking all reads and writes",
                        "Add the column without the CHECK, then ADD CONSTRAINT … CHECK (…) NOT "
                        "VALID and VALIDATE CONSTRAINT in a separate transaction.",
                    )


RULE = Rule(
    "MC104",
    "constraint-validated-on-add",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_constraint", "add_column"),
)
