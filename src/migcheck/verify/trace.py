"""Lock tracing: which locks each statement of a migration really takes, and what they block.

A :class:`LockTracer` attaches to the SQLAlchemy connection Alembic runs migrations on. After
every statement it asks PostgreSQL, on that same connection and inside the same transaction,
which relation locks the backend now holds (``pg_locks``) and which relations got a new
``relfilenode`` (a table or index rewrite). A lock that was not held before the statement was
taken by it, and is held until the transaction ends.

A statement run outside a transaction (an ``autocommit_block``) has released its locks by the
time it returns; those statements are recorded with ``in_transaction=False`` and no locks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from migcheck.postgres.locks import Lock

_RELKINDS = {
    "r": "table",
    "p": "partitioned table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "t": "toast table",
    "f": "foreign table",
    "c": "type",
}

_LOCKS_SQL = """
SELECT c.oid::bigint, n.nspname, c.relname, c.relkind::text, l.mode, c.relfilenode::bigint
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
"""

_FILENODES_SQL = """
SELECT c.oid::bigint, c.relfilenode::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'i', 'm', 'p', 'I', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
"""


def _qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


@dataclass(frozen=True)
class LockTaken:
    """One relation lock a statement acquired."""

    relation: str
    kind: str
    mode: Lock
    new_relation: bool = False

    @property
    def blocks(self) -> str:
        """What other sessions wait for while this lock is held."""
        return self.mode.blocks

    @property
    def label(self) -> str:
        """The mode as PostgreSQL's documentation writes it (``ACCESS EXCLUSIVE``)."""
        return self.mode.label


@dataclass
class TracedStatement:
    """A statement as it ran, with the locks it took and the relations it rewrote."""

    sql: str
    in_transaction: bool
    locks: list[LockTaken] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    failed: bool = False

    @property
    def blocks_traffic(self) -> bool:
        """True when it blocked writes to an existing relation (SHARE or up) or rewrote one."""
        strongest = self.strongest
        return bool(self.rewritten) or (strongest is not None and strongest.mode.strong)

    @property
    def strongest(self) -> LockTaken | None:
        """The strongest lock taken on a relation that existed before the statement."""
        existing = [lock for lock in self.locks if not lock.new_relation]
        return max(existing, key=lambda lock: lock.mode, default=None)


class LockTracer:
    """Record the locks of every statement run on a connection while attached.

    ::

        with LockTracer(connection, ignore={"alembic_version"}) as tracer:
            command.upgrade(config, "head")       # env.py uses this connection
        for statement in tracer.statements: ...
    """

    def __init__(self, connection: Connection, ignore: set[str] | frozenset[str] = frozenset()):
        self.connection = connection
        self.ignore = set(ignore)
        self.statements: list[TracedStatement] = []
        self._held: set[tuple[int, str]] = set()
        self._existing: set[int] | None = None  # relations that existed when tracing began
        self._filenodes: dict[int, int] = {}  # last relfilenode seen per relation
        self._started = 0.0
        self._probing = False
        self._pending: str | None = None

    # -- attach ----------------------------------------------------------------------------
    def __enter__(self) -> LockTracer:
        event.listen(self.connection, "before_cursor_execute", self._before)
        event.listen(self.connection, "after_cursor_execute", self._after)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        event.remove(self.connection, "before_cursor_execute", self._before)
        event.remove(self.connection, "after_cursor_execute", self._after)
        self._flush_failed()

    # -- probes ----------------------------------------------------------------------------
    def _query(self, cursor: Any, sql: str) -> list[tuple[Any, ...]]:
        probe = cursor.connection.cursor()
        try:
            probe.execute(sql)
            return list(probe.fetchall())
        finally:
            probe.close()

    def _in_transaction(self, cursor: Any) -> bool:
        info = getattr(cursor.connection, "info", None)
        status = getattr(info, "transaction_status", None)
        return status is not None and int(status) != 0

    def _locks(self, cursor: Any) -> dict[tuple[int, str], tuple[str, str, int]]:
        """The relation locks this backend holds: (oid, mode) -> (name, kind, relfilenode)."""
        rows = self._query(cursor, _LOCKS_SQL)
        return {
            (int(oid), str(mode)): (_qualified(schema, name), _RELKINDS.get(kind, kind), int(node))
            for oid, schema, name, kind, mode, node in rows
        }

    def _start(self, cursor: Any) -> None:
        """Read every relation's file node once, when the first statement is about to run."""
        rows = self._query(cursor, _FILENODES_SQL)
        self._filenodes = {int(oid): int(node) for oid, node in rows}
        self._existing = set(self._filenodes)

    # -- events ----------------------------------------------------------------------------
    def _flush_failed(self) -> None:
        """Record the statement whose ``after`` event never came: it raised."""
        if self._pending is not None:
            failed = TracedStatement(sql=self._pending, in_transaction=False, failed=True)
            self.statements.append(failed)
            self._pending = None

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._probing:
            return
        self._flush_failed()
        self._pending = statement.strip()
        if self._existing is None:
            self._probing = True
            try:
                self._start(cursor)
            finally:
                self._probing = False
        if not self._in_transaction(cursor):
            self._held = set()  # a commit since the last statement released every lock
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._probing:
            return
        self._pending = None
        elapsed = (time.perf_counter() - self._started) * 1000
        in_tx = self._in_transaction(cursor)
        now: dict[tuple[int, str], tuple[str, str, int]] = {}
        if in_tx:
            self._probing = True
            try:
                now = self._locks(cursor)
            finally:
                self._probing = False
        traced = TracedStatement(sql=statement.strip(), in_transaction=in_tx, duration_ms=elapsed)
        existing = self._existing or set()
        for key in sorted(
            set(now) - self._held, key=lambda k: (now[k][0], Lock.from_pg_mode(k[1]))
        ):
            relation, kind, _node = now[key]
            if relation not in self.ignore:
                new = key[0] not in existing
                traced.locks.append(
                    LockTaken(relation, kind, Lock.from_pg_mode(key[1]), new_relation=new)
                )
        for oid, (relation, _kind, node) in sorted({k[0]: v for k, v in now.items()}.items()):
            previous = self._filenodes.get(oid)
            if previous is not None and previous != node and relation not in self.ignore:
                traced.rewritten.append(relation)
            self._filenodes[oid] = node
        self._held = set(now)
        if in_tx and not traced.locks and not traced.rewritten:
            return  # catalog look-ups, version bookkeeping, or locks already held
        self.statements.append(traced)
