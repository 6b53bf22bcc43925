"""Non-idempotent statement outside a transaction.

## What it does
In a migration whose transactions are managed (every Alembic revision, or a SQL file that uses
BEGIN/COMMIT),
flags statements that run outside any transaction — in an autocommit block or after COMMIT — and
fail when run twice: CREATE TABLE/INDEX without IF NOT EXISTS, DROP TABLE/INDEX without
IF EXISTS, ADD/DROP COLUMN without IF [NOT] EXISTS, ALTER TYPE … ADD VALUE without IF NOT EXISTS.

`CREATE INDEX CONCURRENTLY` is judged by its own recipe: it is safe to rerun only after a
`DROP INDEX [CONCURRENTLY] IF EXISTS` of the same index earlier in the migration. Without one,
a plain build fails on rerun, and `CREATE INDEX CONCURRENTLY IF NOT EXISTS` is worse: a failed
build leaves an INVALID index behind, and the rerun prints "already exists, skipping" and keeps
it, unused by every query and still slowing every write. That form is flagged in every file,
unless the migration first looked for an INVALID leftover (a query of `pg_index.indisvalid`, as
migcheck's autogenerate runs before its builds, dropping what it finds).

In a plain SQL file (no BEGIN/COMMIT), every statement commits on its own anyway; there it flags
such statements only when a later statement cannot run inside a transaction at all (`CREATE
INDEX CONCURRENTLY`, … on a table that existed before the file): the file cannot be made atomic,
and when the concurrent step fails the earlier ones block the rerun. One finding per file, on
the first such statement, lists the others. The concurrent statement itself is not flagged there
(unless it is `CREATE INDEX CONCURRENTLY IF NOT EXISTS` without the DROP before it).

## Why is this bad
Outside a transaction each statement commits on its own. If a later step fails, the earlier ones
stay applied while `alembic_version` is not advanced, so the rerun fails with "already exists" /
"does not exist" and someone has to repair the database by hand.

## Example
```python
with op.get_context().autocommit_block():
    op.create_index("users_email_idx", "users", ["email"], postgresql_concurrently=True)
```
```sql
-- a failed build leaves an INVALID index; the rerun skips it
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
```

## Use instead
Make each autocommitted step safe to rerun: IF [NOT] EXISTS on tables, columns and enum values;
for a concurrent index build, drop what a failed try left first:
```sql
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.drop_index("users_email_idx", if_exists=True, postgresql_concurrently=True)
    op.create_index("users_email_idx", "users", ["email"], postgresql_concurrently=True)
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import (
    Drop,
    EnumChange,
    IndexBuild,
    Kind,
    Maintenance,
    Query,
    Reindex,
    Statement,
    TableChange,
)


def _what(s: Statement, dropped: set[str] | None = None) -> str | None:
    """What makes ``s`` fail (or go wrong) on rerun; ``dropped``: indexes dropped IF EXISTS."""
    if isinstance(s, TableChange) and s.kind is Kind.CREATE_TABLE:
        return None if s.if_not_exists else "CREATE TABLE without IF NOT EXISTS"
    if isinstance(s, IndexBuild) and s.concurrently:
        if s.index is not None and s.index in (dropped or ()):
            return None
        if s.if_not_exists:
            return _IF_NOT_EXISTS
        return "CREATE INDEX CONCURRENTLY without DROP INDEX CONCURRENTLY IF EXISTS before it"
    if isinstance(s, IndexBuild):
        return None if s.if_not_exists else "CREATE INDEX without IF NOT EXISTS"
    if isinstance(s, Drop) and s.kind in (Kind.DROP_TABLE, Kind.DROP_INDEX) and not s.if_exists:
        return f"DROP {'TABLE' if s.kind is Kind.DROP_TABLE else 'INDEX'} without IF EXISTS"
    if isinstance(s, EnumChange) and s.kind is Kind.ALTER_ENUM and not s.if_not_exists:
        return "ALTER TYPE … ADD VALUE without IF NOT EXISTS"
    if isinstance(s, TableChange):
        for a in s.actions:
            if a.kind == "add_column" and not a.if_not_exists:
                return "ADD COLUMN without IF NOT EXISTS"
            if a.kind == "drop_column" and not a.if_exists:
                return "DROP COLUMN without IF EXISTS"
    return None


_FIX = "Make it idempotent (IF [NOT] EXISTS) so the migration can be rerun after a failure."

_IF_NOT_EXISTS = "CREATE INDEX CONCURRENTLY IF NOT EXISTS"

_INDEX_FIX = (
    "Drop what a failed build left first: DROP INDEX CONCURRENTLY IF EXISTS {name}; then "
    "CREATE INDEX CONCURRENTLY {name} … (without IF NOT EXISTS)."
)


def _fix(s: Statement) -> str:
    if isinstance(s, IndexBuild) and s.concurrently:
        return _INDEX_FIX.format(name=qi(s.index) if s.index else "<name>")
    return _FIX


def _invalid_index_hit(s: IndexBuild) -> Hit:
    return Hit(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {qi(s.index)}: if a build fails it leaves an "
        'INVALID index behind, and the rerun skips it ("already exists, skipping"), keeping an '
        "index no query uses that still slows every write",
        _fix(s),
    )


_NONE: tuple[Hit, ...] = ()

#: how many more lines the finding lists
_SHOWN = 5


@dataclass(slots=True)
class _Statements:
    """Statements in file order, as much of them as the finding shows.

    That is the first one, how many there are, and the lines of the next few.
    """

    first: Statement | None = None
    count: int = 0
    #: lines of the statements after the first (one more than shown, to know there are more)
    lines: list[int] = field(default_factory=list)

    def add(self, s: Statement) -> None:
        if self.first is None:
            self.first = s
        elif len(self.lines) <= _SHOWN:
            self.lines.append(s.line)
        self.count += 1

    def extend(self, other: _Statements) -> None:
        if other.first is None:
            return
        if self.first is None:
            self.first, self.lines = other.first, list(other.lines)
        else:
            self.lines = [*self.lines, other.first.line, *other.lines][: _SHOWN + 1]
        self.count += other.count


def check(s: Statement, ctx: Context) -> tuple[Hit, ...]:
    """Flag statements that fail on rerun when they run in autocommit mode."""
    memory = ctx.memory.get("MC402")
    if memory is None:
        memory = ctx.memory["MC402"] = {
            "pending": _Statements(),
            "flagged": _Statements(),
            "dropped": set(),
        }
    dropped: set[str] = memory["dropped"]
    if isinstance(s, Drop) and s.kind is Kind.DROP_INDEX and s.if_exists:
        dropped.update(s.names)
    if isinstance(s, Query):
        memory["validity_checked"] = memory.get("validity_checked") or s.checks_index_validity
        return _NONE
    if ctx.in_transaction:
        return _NONE
    what = _what(s, dropped)
    if what is _IF_NOT_EXISTS and memory.get("validity_checked"):
        what = None  # an INVALID leftover was looked for (and dropped) before the build
    if ctx.transactional_stream:
        if what is None:
            return _NONE
        if what is _IF_NOT_EXISTS:
            assert isinstance(s, IndexBuild)
            return (_invalid_index_hit(s),)
        message = f"{what} runs outside a transaction: if a later step fails it stays applied "
        return (Hit(message + "and the rerun fails", _fix(s)),)
    # a plain file: only a statement that cannot run in a transaction forces autocommit
    if what is _IF_NOT_EXISTS and not ctx.is_new(_target(s)):
        assert isinstance(s, IndexBuild)
        hit: tuple[Hit, ...] = (_invalid_index_hit(s),)
    else:
        hit = _NONE
    if not s.no_transaction:
        if _what(s) is not None:
            memory["pending"].add(s)
    elif memory["pending"].count and not ctx.is_new(_target(s)):  # a new table hardly fails
        memory.setdefault("boundary", s)
        memory["flagged"].extend(memory["pending"])
        memory["pending"] = _Statements()
    return hit


def finish(ctx: Context) -> list[Hit]:
    """One finding per plain file: its statements that block a rerun after a CONCURRENTLY fails."""
    memory = ctx.memory.get("MC402") or {}
    flagged: _Statements | None = memory.get("flagged")
    if flagged is None or flagged.first is None:
        return []
    first, boundary = flagged.first, memory["boundary"]
    message = (
        f"{_what(first)} commits on its own before the {_label(boundary)} at line "
        f"{boundary.line}, which cannot run in a transaction: if that fails, this stays applied "
        "and the rerun fails here"
    )
    if flagged.count > 1:
        more = ", …" if len(flagged.lines) > _SHOWN else ""
        lines = ", ".join(str(line) for line in flagged.lines[:_SHOWN]) + more
        message += f" (as do {flagged.count - 1} more statements of this file, at lines {lines})"
    return [Hit(message, _FIX, statement=first)]


def _target(s: Statement) -> str | None:
    """The table (or index) a statement that cannot run in a transaction works on."""
    if isinstance(s, (TableChange, IndexBuild)):
        return s.table
    if isinstance(s, Drop):
        return s.names[0] if s.names else None
    if isinstance(s, Reindex):
        return s.target
    if isinstance(s, Maintenance):
        return s.tables[0] if s.tables else None
    return None


def _label(s: Statement) -> str:
    if s.kind in (Kind.CREATE_INDEX, Kind.DROP_INDEX):
        return f"{'CREATE' if s.kind is Kind.CREATE_INDEX else 'DROP'} INDEX CONCURRENTLY"
    return s.kind.sql


RULE = Rule(
    "MC402",
    "non-idempotent-outside-transaction",
    Severity.WARNING,
    __doc__ or "",
    (
        Kind.CREATE_TABLE,
        Kind.CREATE_INDEX,
        Kind.DROP_TABLE,
        Kind.DROP_INDEX,
        Kind.ALTER_ENUM,
        Kind.ALTER_TABLE,
        Kind.REINDEX,
        Kind.VACUUM,
        Kind.SELECT,
    ),
    check,
    finish,
    actions=("add_column", "drop_column", "detach_partition"),
)
