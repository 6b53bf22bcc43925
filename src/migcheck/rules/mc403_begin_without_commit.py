"""BEGIN without a matching COMMIT.

## What it does
Flags a `BEGIN` / `START TRANSACTION` in a SQL file (or in SQL run by an Alembic revision) that is
still open at the end of the file or revision, and a `BEGIN` issued while a transaction is already
open (PostgreSQL ignores it with a warning, so the first COMMIT ends both "transactions" and what
follows runs in autocommit mode).

## Why is this bad
The open transaction keeps every lock it took until the session ends. Run by psql, the changes are
rolled back silently when the session closes; run by a tool that keeps the connection, the locks
(often ACCESS EXCLUSIVE) stay held and the application stalls.

## Example
```sql
BEGIN;
ALTER TABLE users ADD COLUMN nickname text;
```

## Use instead
```sql
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
COMMIT;
```
Alembic manages transactions itself: do not `op.execute("BEGIN")` (it would be a BEGIN inside
Alembic's transaction); use
`op.get_context().autocommit_block()` when a statement must run outside the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag BEGIN inside an open transaction (the SQL's own, or Alembic's)."""
    outer = ctx.explicit_begin
    if not ctx.in_transaction or outer is None or s.internal:
        return
    where = (
        "Alembic's transaction"
        if outer.internal
        else f"the transaction opened at line {outer.line}"
    )
    yield Hit(
        f"BEGIN inside {where}: PostgreSQL ignores it, so the first COMMIT ends the outer "
        "transaction and the rest runs without one",
        "Remove the inner BEGIN, or COMMIT the first transaction before starting the next.",
    )


def finish(ctx: Context) -> Iterator[Hit]:
    """Flag a transaction the file opened and never closed."""
    begin = ctx.explicit_begin
    if not ctx.in_transaction or begin is None or begin.internal:
        return
    if ctx.path and begin.path != ctx.path:
        return
    yield Hit(
        f"BEGIN at line {begin.line} is never committed: the transaction and every lock it "
        "takes stay open until the session ends",
        "Add COMMIT at the end of the transaction.",
        statement=begin,
    )


RULE = Rule(
    "MC403", "begin-without-commit", Severity.ERROR, __doc__ or "", (Kind.BEGIN,), check, finish
)
