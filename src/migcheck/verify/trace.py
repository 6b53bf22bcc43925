"""Lock tracing: every statement a migration sends, with the locks it holds and what they block.

A :class:`LockTracer` attaches to the SQLAlchemy connection Alembic runs migrations on. After
every statement it asks PostgreSQL, on that same connection and inside the same transaction,
which relation locks the backend now holds (``pg_locks``) and which relations got a new
``relfilenode`` (a table or index rewrite). PostgreSQL allocates every new relation and every
new file node from one ever-growing OID counter, so one number read when tracing begins, the
highest OID and file node in ``pg_class`` (the *horizon*, found through the catalog's indexes),
tells both apart without reading every relation: a relation above it was created since, a file
node above it was written since (:data:`_HORIZON_SQL`).

A lock that was not held before the statement was taken by it (``locks``); the locks already
held when it ran are its ``held`` locks (a long ``UPDATE`` under an ``ACCESS EXCLUSIVE`` lock
taken earlier shows there). Every lock is held until the transaction ends. Locks are reported
on tables: a lock on an index is mapped to its table (``pg_index.indrelid``), the index kept as
detail.

A statement run outside a transaction (an ``autocommit_block``) has released its locks by the
time it returns; those statements are recorded with ``in_transaction=False`` and no locks.
Each statement also records whether it opened a transaction (``began``), so the transaction
boundaries of the run can be rebuilt, and, when the tracer is given a ``locate`` function, the
revision and source line that sent it (statements sent by env.py or Alembic are ``internal``).
With ``probe=False`` the tracer only captures statements and boundaries (no lock queries).

The probes run on the connection's DBAPI connection as SQLAlchemy adapts it, never on the
cursor: with an async driver (asyncpg, psycopg's async connection under
``create_async_engine``) the cursor is SQLAlchemy's adapter, whose sync calls run on the
project's own event loop inside the greenlet that sent the statement, as its statements do.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
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

#: the relation locks this backend holds, an index's lock given with the table it indexes
_LOCKS_SQL = """
SELECT t.oid::bigint, n.nspname, t.relname, t.relkind::text, l.mode,
       CASE WHEN i.indexrelid IS NULL THEN NULL ELSE c.relname END,
       c.oid::bigint, c.relfilenode::bigint
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_index i ON i.indexrelid = c.oid
JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
"""

#: the highest OID and file node in pg_class: everything allocated later is above it. Each
#: max() is an index scan (pg_class_oid_index; pg_class_tblspc_relfilenode_index per
#: tablespace), so the cost does not grow with the schema.
_HORIZON_SQL = """
SELECT greatest(
  (SELECT max(oid) FROM pg_class),
  (SELECT max(n.node) FROM (SELECT 0::oid AS spc UNION ALL SELECT oid FROM pg_tablespace) s
   CROSS JOIN LATERAL (
     SELECT max(relfilenode) AS node FROM pg_class WHERE reltablespace = s.spc) n)
)::bigint
"""

#: the statements creating the probes as pg_temp functions, for :func:`install`: PL/pgSQL keeps
#: their plans for the session, where probes sent as SQL would be planned again after every DDL
#: statement (psycopg deallocates its prepared statements when one changes the schema), and
#: planning a probe costs more than running it
PROBE_FUNCTIONS_SQL = (
    f"""
CREATE OR REPLACE FUNCTION pg_temp.migcheck_locks()
RETURNS TABLE (o_table int8, o_schema name, o_name name, o_kind text, o_mode text,
               o_index name, o_oid int8, o_node int8)
LANGUAGE plpgsql AS $migcheck$
BEGIN
  RETURN QUERY {_LOCKS_SQL.replace("%%", "%")};
END
$migcheck$
""",
    f"""
CREATE OR REPLACE FUNCTION pg_temp.migcheck_horizon() RETURNS int8
LANGUAGE plpgsql AS $migcheck$
BEGIN
  RETURN ({_HORIZON_SQL});
END
$migcheck$
""",
)

_LOCKS_CALL = "SELECT * FROM pg_temp.migcheck_locks()"
_HORIZON_CALL = "SELECT pg_temp.migcheck_horizon()"

#: an INSERT, UPDATE or DELETE and the (last part of the) name of the table it writes
_DML_TARGET = re.compile(
    r'^\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+(?:(?:"[^"]*"|[^\s."]+)\.)?'
    r'(?:"([^"]*)"|([^\s.("]+))',
    re.IGNORECASE,
)


def install(execute: Callable[[str], object]) -> None:
    """Create the probe functions in ``execute``'s session (temporary: gone on disconnect).

    A :class:`LockTracer` made with ``installed=True`` then calls them.
    """
    for statement in PROBE_FUNCTIONS_SQL:
        execute(statement)


#: psycopg's placeholders in a statement SQLAlchemy sent with parameters
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


def _qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def as_sql(statement: str, parameters: object) -> str:
    """The statement as PostgreSQL's grammar reads it: ``%(name)s``/``%s`` become ``$n``.

    A statement sent without parameters is left alone (psycopg does not interpret ``%`` then).
    """
    if not parameters:
        return statement
    numbers: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        key = match.group(1) or str(len(numbers))
        number = numbers.setdefault(key, len(numbers) + 1)
        return f"${number}"

    return _PLACEHOLDER.sub(replace, statement)


@dataclass(frozen=True, slots=True)
class LockTaken:
    """One lock mode held on a table (locks on its indexes included, named in ``indexes``)."""

    relation: str
    kind: str
    mode: Lock
    new_relation: bool = False
    #: the table's indexes this mode was (also) taken on, when the lock came through them
    indexes: tuple[str, ...] = ()

    @property
    def blocks(self) -> str:
        """What other sessions wait for while this lock is held."""
        return self.mode.blocks

    @property
    def label(self) -> str:
        """The mode as PostgreSQL's documentation writes it (``ACCESS EXCLUSIVE``)."""
        return self.mode.label


@dataclass(slots=True)
class TracedStatement:
    """A statement as it ran: its transaction, the locks it took and held, what it rewrote."""

    sql: str
    in_transaction: bool
    locks: list[LockTaken] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    failed: bool = False
    #: locks the transaction already held when the statement ran (it ran under them)
    held: list[LockTaken] = field(default_factory=list)
    #: indexes rebuilt (new file node) as ``table.index``
    rebuilt: list[str] = field(default_factory=list)
    #: the statement opened the transaction it ran in
    began: bool = False
    revision: str | None = None
    line: int = 0
    #: sent by env.py or Alembic itself, not by a revision's code
    internal: bool = False
    #: locks were probed for this statement (false for captures without lock tracing)
    probed: bool = False
    #: when it started, in seconds of ``time.perf_counter()`` (to line it up with --load)
    started_s: float = 0.0

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

    @property
    def strongest_held(self) -> LockTaken | None:
        """The strongest lock on an existing relation the transaction held while it ran."""
        existing = [lock for lock in self.held if not lock.new_relation]
        return max(existing, key=lambda lock: lock.mode, default=None)


#: (table oid, mode) -> (table, table kind, index name or None, relation oid, relfilenode)
_Held = dict[tuple[int, str], list[tuple[str, str, str | None, int, int]]]

#: where a statement came from: (revision or None, line)
Locate = Callable[[], tuple[str | None, int]]


class LockTracer:
    """Record every statement run on a connection while attached, with its locks.

    ::

        with LockTracer(connection, ignore={"alembic_version"}) as tracer:
            command.upgrade(config, "head")       # env.py uses this connection
        for statement in tracer.statements: ...
    """

    def __init__(
        self,
        connection: Connection,
        ignore: set[str] | frozenset[str] = frozenset(),
        *,
        probe: bool = True,
        locate: Locate | None = None,
        installed: bool = False,
    ):
        self.connection = connection
        self.ignore = set(ignore)
        self.probe = probe
        self.locate = locate
        # the probe functions of install(), or the same queries sent as SQL
        self._locks_sql = _LOCKS_CALL if installed else _LOCKS_SQL
        self._horizon_sql = _HORIZON_CALL if installed else _HORIZON_SQL
        self._bookkeeping = False  # the pending statement writes an ignored table
        self.statements: list[TracedStatement] = []
        self._held: _Held = {}
        self._horizon: int | None = None  # see _HORIZON_SQL; None until the first statement
        self._filenodes: dict[int, int] = {}  # last relfilenode seen per relation
        self._started = 0.0
        self._probing = False
        self._pending: TracedStatement | None = None
        self._was_in_transaction = False

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
    def _query(self, conn: Connection, sql: str) -> list[tuple[Any, ...]]:
        probe = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            probe.execute(sql)
            return list(probe.fetchall())
        finally:
            probe.close()

    def _in_transaction(self, conn: Connection) -> bool:
        """Whether the server session is inside a transaction block now, whatever the driver."""
        driver = conn.connection.driver_connection
        in_transaction = getattr(driver, "is_in_transaction", None)  # asyncpg
        if callable(in_transaction):
            return bool(in_transaction())
        info = getattr(driver, "info", None)  # psycopg (sync or async), psycopg2
        status = getattr(info, "transaction_status", None)
        return status is not None and int(status) != 0

    def _locks(self, conn: Connection) -> _Held:
        """The relation locks this backend holds, by table and mode."""
        held: _Held = {}
        for table, schema, name, kind, mode, index, oid, node in self._query(conn, self._locks_sql):
            entry = (
                _qualified(schema, name),
                _RELKINDS.get(kind, kind),
                index,
                int(oid),
                int(node),
            )
            held.setdefault((int(table), str(mode)), []).append(entry)
        return held

    def _start(self, conn: Connection) -> None:
        """Read the horizon once, when the first statement is about to run."""
        rows = self._query(conn, self._horizon_sql)
        self._horizon = int(rows[0][0] or 0)

    def _existed(self, oid: int) -> bool:
        """True for a relation that existed when tracing began (all of them before that)."""
        return self._horizon is None or oid <= self._horizon

    # -- events ----------------------------------------------------------------------------
    def _flush_failed(self) -> None:
        """Record the statement whose ``after`` event never came: it raised."""
        if self._pending is not None:
            self._pending.failed = True
            self._pending.started_s = self._started
            self.statements.append(self._pending)
            self._pending = None

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if self._probing:
            return
        self._flush_failed()
        revision, line = self.locate() if self.locate is not None else (None, 0)
        self._was_in_transaction = self._in_transaction(conn)
        self._pending = TracedStatement(
            sql=as_sql(statement, parameters).strip(),
            in_transaction=self._was_in_transaction,
            revision=revision,
            line=line,
            internal=self.locate is not None and revision is None,
        )
        # Alembic's version table updates need no probe: they lock only an ignored table
        self._bookkeeping = (revision is None or line == 0) and self._writes_ignored(statement)
        if self.probe and self._horizon is None and not self._bookkeeping:
            self._probing = True
            try:
                self._start(conn)
            finally:
                self._probing = False
        if not self._was_in_transaction:
            self._held = {}  # a commit since the last statement released every lock
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._probing or self._pending is None:
            return
        traced, self._pending = self._pending, None
        traced.started_s = self._started
        traced.duration_ms = (time.perf_counter() - self._started) * 1000
        in_tx = self._in_transaction(conn)
        traced.in_transaction = in_tx
        traced.began = in_tx and not self._was_in_transaction
        if not (self.probe and in_tx):
            self.statements.append(traced)
            return
        if self._bookkeeping:
            traced.probed = True
            traced.held = self._taken(self._held)
            if traced.revision is not None:
                self.statements.append(traced)
            return
        self._probing = True
        try:
            now = self._locks(conn)
        finally:
            self._probing = False
        traced.probed = True
        new = {key: now[key] for key in now if key not in self._held}
        traced.locks = self._taken(new)
        traced.held = self._taken({key: now[key] for key in now if key in self._held})
        self._rewrites(traced, now)
        self._held = now
        names = {entries[0][0] for entries in new.values()}
        if names and names <= self.ignore and traced.revision is None:
            return  # version bookkeeping
        self.statements.append(traced)

    def _writes_ignored(self, statement: str) -> bool:
        """True for an INSERT, UPDATE or DELETE of a table in :attr:`ignore`."""
        match = _DML_TARGET.match(statement)
        return match is not None and (match.group(1) or match.group(2)) in self.ignore

    def _taken(
        self, locks: Mapping[tuple[int, str], Sequence[tuple[str, str, str | None, int, int]]]
    ) -> list[LockTaken]:
        taken = []
        for (table, mode), found in locks.items():
            # an index created by this very statement is not a lock on the table's traffic
            entries = [e for e in found if e[2] is None or self._existed(e[3])]
            if not entries:
                continue
            relation, kind = entries[0][0], entries[0][1]
            if relation in self.ignore:
                continue
            indexes = tuple(sorted({index for _, _, index, _, _ in entries if index}))
            taken.append(
                LockTaken(
                    relation,
                    kind,
                    Lock.from_pg_mode(mode),
                    new_relation=not self._existed(table),
                    indexes=indexes,
                )
            )
        return sorted(taken, key=lambda lock: (lock.relation, lock.mode))

    def _rewrites(self, traced: TracedStatement, now: _Held) -> None:
        """Tables and indexes whose file node changed since they were last seen.

        A relation seen for the first time in this trace got a new file node when the node is
        above the horizon (it was written since tracing began). A sequence's new file node
        (``ALTER SEQUENCE … AS bigint``) is a copy of its one page, not a rewrite anybody waits
        for: it is not reported.
        """
        seen: dict[int, tuple[str, str, str | None, int]] = {}
        for entries in now.values():
            for relation, kind, index, oid, node in entries:
                seen[oid] = (relation, kind, index, node)
        for oid, (relation, kind, index, node) in sorted(seen.items()):
            previous = self._filenodes.get(oid)
            self._filenodes[oid] = node
            if previous is None:
                if not self._existed(oid) or self._existed(node):
                    continue
            elif previous == node:
                continue
            if relation in self.ignore:
                continue
            if kind == "sequence" and index is None:
                continue
            if index is None:
                if relation not in traced.rewritten:
                    traced.rewritten.append(relation)
            else:
                traced.rebuilt.append(f"{relation}.{index}")
