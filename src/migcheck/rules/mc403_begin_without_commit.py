"""BEGIN without a matching COMMIT.

## What it does
Flags a `BEGIN` / `START TRANSACTION` in a SQL file (or in SQL run by an Alembic revision) that is
still open at the end of the file or revision, and a nesting PostgreSQL does not have: a `BEGIN`
issued while a transaction is already open is ignored (PostgreSQL only warns), so the first
`COMMIT` ends the one transaction; when statements follow it and a later `COMMIT` finds no
transaction to end, those statements ran without one.

Transaction state is modeled as PostgreSQL keeps it: `BEGIN; BEGIN; COMMIT;` is one transaction,
committed (not flagged). With `--assume-in-transaction` (or a file that starts with `SET LOCAL`)
the runner COMMITs at the end of the file, so a file that ends inside a `BEGIN` it opened after
its own `COMMIT` is closed by the runner (not flagged).

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
Nested groups are not nested in PostgreSQL: one `BEGIN … COMMIT` per group, one after the other.
Alembic manages transactions itself: an `op.execute("BEGIN")` inside its transaction is ignored
and an `op.execute("COMMIT")` ends it early; use `op.get_context().autocommit_block()` when a
statement must run outside the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import Kind


def finish(ctx: Context) -> Iterator[Hit]:
    """Flag a transaction the file opened and never closed, and a nesting that broke."""
    while ctx.broken_nesting:
        ignored, ended, autocommitted, orphan = ctx.broken_nesting.pop(0)
        if ignored.internal:
            continue
        closed = f"the {ended.kind.sql} at line {ended.line}" if ended else "the first COMMIT"
        yield Hit(
            f"BEGIN at line {ignored.line} is ignored (a transaction is already open), so {closed} "
            f"ends the only transaction: the statements from line {autocommitted.line} run "
            f"without one, and the {orphan.kind.sql} at line {orphan.line} has nothing to end",
            "Remove the inner BEGIN and the extra COMMIT, or COMMIT the first transaction and "
            "BEGIN the next one where you meant the statements to be grouped.",
            statement=ignored,
        )
    begin = ctx.explicit_begin
    if not ctx.in_transaction or begin is None or begin.internal or ctx.runner_commits:
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
    "MC403", "begin-without-commit", Severity.ERROR, __doc__ or "", (Kind.BEGIN,), None, finish
)
