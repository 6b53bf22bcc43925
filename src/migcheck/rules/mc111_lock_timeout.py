"""Strong lock taken without lock_timeout.

## What it does
Flags the first statement in a file or revision that takes a lock blocking writes (SHARE or
stronger: most ALTER TABLE forms, plain CREATE INDEX, DROP, TRUNCATE, LOCK …) on an existing table
while no `lock_timeout` is set in the session or transaction.

## Why is this bad
Even an instant ALTER TABLE must wait for its lock behind every running query on the table. While
it waits, every later query on the table queues behind it: one slow report query turns a
millisecond ALTER into an outage. `lock_timeout` makes the migration give up (and retry) instead.

## Example
```sql
ALTER TABLE users ADD COLUMN nickname text;
```

## Use instead
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
```
Alembic (per revision, inside its transaction):
```python
op.execute("SET LOCAL lock_timeout = '2s'")
op.add_column("users", sa.Column("nickname", sa.Text()))
```
or once for every migration in env.py: `connection.execute(text("SET lock_timeout = '2s'"))`.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import LOCKING_KINDS, lock_place
from migcheck.sql.facts import Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag the first strong lock on an existing table without lock_timeout."""
    if ctx.lock_timeout or not (s.locks or s.index_locks):
        return
    memory = ctx.remember("MC111")
    if memory:
        return
    strong = [(t, lock) for t, lock in ctx.existing(s) if lock.strong]
    if not strong:
        return
    memory["seen"] = True
    lock = max(lock for _, lock in strong)
    tables = list(dict.fromkeys(lock_place(ctx, t) for t, held in strong if held is lock))
    on = " and ".join(tables) if len(tables) < 3 else ", ".join(tables[:-1]) + f" and {tables[-1]}"
    yield Hit(
        f"Takes {lock.label} on {on} with no lock_timeout: while it waits behind running "
        f"queries it blocks {lock.blocks} queued after it",
        "Run SET lock_timeout = '2s' first (SET LOCAL inside a transaction; in Alembic "
        "op.execute(\"SET LOCAL lock_timeout = '2s'\")) and retry on timeout.",
    )


RULE = Rule("MC111", "missing-lock-timeout", Severity.WARNING, __doc__ or "", LOCKING_KINDS, check)
