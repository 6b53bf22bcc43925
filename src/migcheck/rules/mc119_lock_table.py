"""Explicit LOCK TABLE.

## What it does
Flags `LOCK TABLE` on a table that existed before this migration.

## Why is this bad
`LOCK TABLE` defaults to ACCESS EXCLUSIVE (all reads and writes blocked) and holds the lock until
the transaction ends, so everything else the migration does runs while the application waits.

## Example
```sql
BEGIN;
LOCK TABLE users;
UPDATE users SET plan = 'free' WHERE plan IS NULL;
COMMIT;
```

## Use instead
Rely on the locks each statement takes by itself, keep transactions short and set lock_timeout.
If a lock is really needed, take the weakest mode that works, with a timeout:
```sql
BEGIN;
SET LOCAL lock_timeout = '2s';
LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;
-- short work only
COMMIT;
```
Alembic: `op.execute("SET LOCAL lock_timeout = '2s'")` before any explicit lock.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Maintenance, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag LOCK TABLE on existing tables."""
    assert isinstance(s, Maintenance)
    for table in s.tables:
        if ctx.is_new(table):
            continue
        yield Hit(
            f"LOCK TABLE {qi(table)} takes {s.mode.label}, blocking {s.mode.blocks} "
            "until the transaction ends",
            "Avoid explicit locks in migrations; if needed, use the weakest mode, SET LOCAL "
            "lock_timeout first and keep the transaction short.",
        )


RULE = Rule("MC119", "lock-table", Severity.WARNING, __doc__ or "", (Kind.LOCK,), check)
