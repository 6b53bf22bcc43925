"""Slow work after an ACCESS EXCLUSIVE lock in the same transaction.

## What it does
Flags a statement that does slow work (a backfill UPDATE/DELETE/INSERT … SELECT, a query reading
tables, a DO block, an index build, a constraint validation, a table scan or rewrite) or waits for
a lock on another existing table without lock_timeout, when an earlier statement of the same
transaction already holds ACCESS EXCLUSIVE on an existing table. Reported once per transaction.

One statement is judged by its strongest lock held for its longest work: an ALTER TABLE whose
sub-commands take different locks holds the strongest for the whole statement, so
`ALTER TABLE t VALIDATE CONSTRAINT c, DROP COLUMN x` validates (a full scan) under ACCESS
EXCLUSIVE, blocking all reads and writes (an error, where `VALIDATE CONSTRAINT` alone takes SHARE
UPDATE EXCLUSIVE and lets them run).

## Why is this bad
Locks are held until COMMIT. The ACCESS EXCLUSIVE lock taken by the earlier (perhaps instant)
statement keeps blocking all reads and writes on that table for as long as the slow statement
runs, and locking more tables while holding it invites deadlocks.

## Example
```sql
BEGIN;
ALTER TABLE users ADD COLUMN status text;
UPDATE users SET status = 'active';
COMMIT;
```

## Use instead
Commit the schema change first, then do the slow work in its own (batched) transactions:
```sql
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN status text;
COMMIT;
UPDATE users SET status = 'active' WHERE id BETWEEN 1 AND 10000;  -- per batch
```
Alembic: put the slow part in a later revision, or inside
`with op.get_context().autocommit_block():` after the DDL.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.postgres.locks import Lock
from migcheck.postgres.types import Change, could_be_free, type_change
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import LOCKING_KINDS, lock_place, qi
from migcheck.sql.facts import (
    Action,
    DataChange,
    IndexBuild,
    Kind,
    Maintenance,
    Query,
    Reindex,
    Statement,
    TableChange,
)

_SLOW_ACTIONS = frozenset({"validate_constraint", "set_tablespace", "set_logged", "set_unlogged"})


def _slow_action(s: TableChange, a: Action, ctx: Context) -> bool:
    """True when the ALTER TABLE action scans or rewrites the table."""
    if a.kind in _SLOW_ACTIONS:
        return True
    table = ctx.schema.tables.get(s.table or "")
    column = table.columns.get(a.column or "") if table is not None else None
    if a.kind == "alter_type" and a.type is not None:
        old = column.type if column is not None else None
        change = type_change(old, a.type, a.using)
        return change is not Change.FREE and not (
            change is Change.UNKNOWN and could_be_free(a.type)
        )
    if a.kind == "set_not_null" and a.column:
        if column is not None and column.not_null:
            return False
        proven = ctx.schema.validated_not_null_check(s.table or "", a.column)
        return not (proven and ctx.pg_version >= 12)
    return False


def _slow(s: Statement, ctx: Context) -> str | None:
    if isinstance(s, DataChange):
        if s.kind is not Kind.INSERT and not ctx.is_new(s.table) and not s.by_key:
            return "a backfill " + s.kind.sql
        return "INSERT … SELECT" if s.kind is Kind.INSERT and s.has_from_select else None
    if isinstance(s, Query):
        return "a query reading tables" if s.reads_tables else None
    if s.kind is Kind.DO:
        return "a DO block"
    if s.kind is Kind.CREATE_INDEX and isinstance(s, IndexBuild) and not ctx.is_new(s.table):
        return "an index build"
    if isinstance(s, Maintenance):
        view = s.tables[0] if s.tables else None
        if s.kind is Kind.REFRESH and not s.concurrently and not ctx.is_new(view):
            return "REFRESH MATERIALIZED VIEW"
        if s.kind in (Kind.VACUUM, Kind.CLUSTER) and view and not ctx.is_new(view):
            return s.kind.sql
        return None
    if isinstance(s, Reindex) and s.target and not ctx.is_new(s.target):
        return "REINDEX"
    if s.kind is Kind.ALTER_TABLE and isinstance(s, TableChange) and not ctx.is_new(s.table):
        for a in s.actions:
            if _slow_action(s, a, ctx):
                return "ALTER TABLE … " + a.kind.replace("_", " ").upper()
            con = a.constraint
            if con is not None and not con.not_valid and con.using_index is None:
                return "a constraint that scans the table"
    return None


_VERBS = {"validate_constraint": "VALIDATE CONSTRAINT"}


def _in_one_statement(s: TableChange, ctx: Context) -> Iterator[Hit]:
    """Slow work of one sub-command held under a stronger lock another sub-command takes."""
    if not s.table or ctx.is_new(s.table) or len(s.actions) < 2:
        return
    strongest = max(s.actions, key=lambda a: a.lock)
    if strongest.lock is not Lock.ACCESS_EXCLUSIVE:
        return
    for a in s.actions:
        if a.lock >= strongest.lock or not _slow_action(s, a, ctx):
            continue
        what = _VERBS.get(a.kind, a.kind.replace("_", " ").upper())
        target = a.constraint_name or a.column
        name = f" {qi(target)}" if target else ""
        other = strongest.kind.replace("_", " ").upper()
        if strongest.column or strongest.constraint_name:
            other += f" {qi(strongest.column or strongest.constraint_name)}"
        yield Hit(
            f"{what}{name} scans {qi(s.table)} while this statement holds ACCESS EXCLUSIVE on "
            f"it (for {other}): all reads and writes on {qi(s.table)} stay blocked for the "
            f"whole scan, where {what} alone takes {a.lock.label} and lets them run",
            f"Split the statement: run {what} as its own statement and transaction, after "
            "the other changes have committed.",
            severity=Severity.ERROR,
        )
        return


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag slow work while an ACCESS EXCLUSIVE lock is held (by the transaction or statement)."""
    if isinstance(s, TableChange) and s.kind is Kind.ALTER_TABLE:
        yield from _in_one_statement(s, ctx)
    first = ctx.exclusive_by
    if first is None or not ctx.in_transaction or first is s:
        return
    memory = ctx.remember("MC112")
    if memory.get("tx") == ctx.transaction_number:
        return
    held = [t for t, lock in ctx.held.items() if lock.name == "ACCESS_EXCLUSIVE"]
    held = [t for t in held if not ctx.is_new(t)]
    if not held:
        return
    why = _slow(s, ctx)
    if why is None:
        others = [t for t, _ in ctx.existing(s) if t not in ctx.held]
        if not others or ctx.lock_timeout:
            return
        why = f"waiting for a lock on {lock_place(ctx, others[0])} with no lock_timeout"
    memory["tx"] = ctx.transaction_number
    place = lock_place(ctx, held[0])
    yield Hit(
        f"{why[0].upper()}{why[1:]} runs while this transaction holds ACCESS EXCLUSIVE on "
        f"{place} (taken at line {first.line}): all reads and writes on {place} "
        "stay blocked until COMMIT",
        "Commit right after the statement that takes ACCESS EXCLUSIVE and do this work in its "
        "own transaction (Alembic: a separate revision or an autocommit_block()).",
    )


RULE = Rule(
    "MC112",
    "work-after-exclusive-lock",
    Severity.WARNING,
    __doc__ or "",
    (*LOCKING_KINDS, Kind.UPDATE, Kind.DELETE, Kind.INSERT, Kind.SELECT, Kind.DO),
    check,
)
