"""Driving a project's own env.py, once, through many migration steps.

``alembic upgrade`` runs env.py, opens a connection and re-plans the revision path on every
call; doing that three times per revision is what makes naive up/down/up checks slow. An
:class:`AlembicSession` runs env.py exactly once with a migration function (``fn``) that hands
Alembic one :class:`~alembic.runtime.migration.RevisionStep` at a time as the caller asks for it.

env.py runs on the thread that called :func:`~migcheck.verify.walk.verify_project` (the main
thread under the CLI), as under the ``alembic`` command: signals, thread-locals,
``asyncio.run()`` and state created at import time behave as they do there. The walk runs in a
worker thread and sends commands; :class:`EnvRunner` serves its "run env.py" jobs on the main
thread until the walk ends. Ctrl-C there unwinds env.py, stops the walk and closes everything.

The URL variables and ``sqlalchemy.url`` are set before env.py is imported, and the revision
files are imported when Alembic would import them: when env.py runs its migrations (the first
session), after env.py set up ``sys.path``.

Between steps the session commits (the way ``autocommit_block`` does, keeping Alembic's own
transaction bookkeeping intact) and can snapshot the schema on the very connection the
migrations use. No transaction of migcheck's own ever wraps a migration. Whether
``alembic upgrade`` would have committed is watched, not guessed: when env.py finishes, the
transaction left open on its connection must end in a COMMIT (``never_committed`` otherwise).
Every session on the throwaway database gets a ``lock_timeout`` (a database default), so a lock
wait fails and names the backend it waited for instead of hanging the walk.

Snapshots are targeted: event triggers installed in the throwaway database record what every
DDL command touched (on any connection), and each snapshot after the first renders again only
that and what depends on it (:class:`~migcheck.catalog.snapshot.SnapshotTaker`). When env.py
keeps one outer transaction, the snapshot after a step runs inside that step's transaction and
then commits it.

env.py is pointed at the throwaway database three ways at once: the ``sqlalchemy.url`` main
option (with asyncpg when the project's own URL names it, psycopg otherwise),
``config.attributes["connection"]`` (an idle connection that also answers ``connect()`` and the
asyncio recipe's ``run_sync()``, for env.py files written for pytest-alembic or Alembic's
connection-sharing cookbook), and environment variables.
Before any step runs, the session checks that env.py really connected to that database.

When a step raises, env.py unwinds and the session is over: :meth:`AlembicSession.run` raises
:class:`StepFailed` and the caller starts a new session (on a rebuilt database) to go on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import Script
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from migcheck.alembic_project import compat
from migcheck.alembic_project.offline import Recorder
from migcheck.alembic_project.project import Project
from migcheck.catalog import snapshot as schema_snapshot
from migcheck.catalog.snapshot import Snapshot
from migcheck.errors import MigcheckError
from migcheck.verify.prior import PriorCatalog, PriorReader
from migcheck.verify.trace import LockTracer, TracedStatement
from migcheck.verify.trace import install as install_probes

_T = TypeVar("_T")

#: How long to wait for env.py to reach its migrations or finish, in seconds.
ENV_TIMEOUT = 300.0

#: The lock_timeout migcheck gives the migrations' session (an odd value, so that a project's
#: own setting is told apart from it), in milliseconds.
LOCK_TIMEOUT_MS = 9999

#: How often the walk, waiting for env.py, checks for a lock wait or a Ctrl-C, in seconds.
_POLL = 0.2

#: How long an abandoned env.py gets to unwind before it is stopped harder, in seconds.
_GRACE = 2.0

_BLOCKERS_SQL = (
    "SELECT pid, state, query FROM pg_stat_activity "
    "WHERE pid = ANY(pg_blocking_pids(%(pid)s)) ORDER BY pid"
)


@dataclass(slots=True)
class StepCapture:
    """What one step sent on the migrations' connection, and the database it started from.

    ``catalog`` is the catalog read just before the step (:mod:`~migcheck.verify.prior`; None
    when the step was not captured for linting); ``lock_timeout`` is the session's setting at
    that moment; ``left_open`` says the step ended inside a transaction that
    ``alembic upgrade`` would have carried into the next revision (env.py's one outer
    transaction: ``transaction_per_migration`` off).
    """

    statements: list[TracedStatement] = field(default_factory=list)
    catalog: PriorCatalog | None = None
    lock_timeout: bool = False
    left_open: bool = False


class StepFailed(Exception):
    """A migration step raised; ``original`` is what it raised, ``capture`` what ran before."""

    def __init__(
        self,
        original: BaseException,
        capture: StepCapture | None = None,
        blocker: str | None = None,
    ) -> None:
        super().__init__(str(original))
        self.original = original
        self.capture = capture
        #: the backend the step last waited for a lock on, with its query, if it waited
        self.blocker = blocker


class Cancelled(BaseException):
    """The run was interrupted (Ctrl-C on the main thread): the walk stops where it is."""


class EnvRunner:
    """Runs env.py on the calling (main) thread while the walk runs in a worker thread.

    :meth:`serve` starts the walk and then runs, one after the other, the jobs sessions
    :meth:`submit` (each is one whole run of env.py) until the walk returns. Whatever
    interrupts the main thread (KeyboardInterrupt, the SystemExit a SIGTERM handler raises)
    cancels the walk, which abandons its session and closes its connections before
    :meth:`serve` re-raises.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.cancelled = threading.Event()
        self._serving: int | None = None  # the thread that runs env.py

    def interrupt(self) -> None:
        """Raise KeyboardInterrupt in env.py's thread: env.py is stuck and must unwind.

        A real SIGINT, so that a blocking call there returns too. Only the main thread can be
        interrupted so; elsewhere env.py is left to finish.
        """
        serving = self._serving
        if serving is not None and serving == threading.main_thread().ident:
            signal.pthread_kill(serving, signal.SIGINT)

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job`` to run on the main thread."""
        self._jobs.put(job)

    def serve(self, work: Callable[[], _T]) -> _T:
        """Run ``work`` in a worker thread, serving env.py jobs here until it ends."""
        outcome: list[_T] = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                outcome.append(work())
            except BaseException as error:
                failure.append(error)
            finally:
                self._jobs.put(None)

        self._serving = threading.get_ident()
        thread = threading.Thread(target=target, name="migcheck-walk", daemon=True)
        thread.start()
        try:
            while (job := self._jobs.get()) is not None:
                job()
        except BaseException:
            self.cancelled.set()
            thread.join(timeout=ENV_TIMEOUT)
            if failure and not isinstance(failure[0], Cancelled):
                raise failure[0] from None  # the walk gave up on a stuck env.py: say why
            raise
        thread.join()
        if failure:
            raise failure[0]
        return outcome[0]


class _SharedConnection(Connection):
    """A connection env.py may also treat as an Engine: ``connect()`` yields itself, open.

    Alembic's asyncio connection-sharing recipe treats it as an ``AsyncConnection`` or
    ``AsyncEngine`` too: ``async with connectable.connect()``, ``await run_sync(fn)`` and
    ``await dispose()`` work without any event loop of migcheck's own.
    """

    def connect(self) -> contextlib.nullcontext[Connection]:
        """Return a context manager yielding this same connection (which it does not close).

        It works with ``with`` and ``async with``.
        """
        return contextlib.nullcontext(self)

    async def run_sync(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``AsyncConnection.run_sync``: call ``fn(self, *args, **kwargs)``."""
        return fn(self, *args, **kwargs)

    async def dispose(self) -> None:
        """``AsyncEngine.dispose``: nothing to do, migcheck closes this connection itself."""


@dataclass
class _Command:
    action: str  # "step" | "snapshot" | "call" | "stop" | "abandon"
    step: RevisionStep | None = None
    call: Callable[[MigrationContext], Any] | None = None
    trace: bool = False
    capture: bool = False
    catalog: bool = True


@dataclass
class _Reply:
    ok: bool
    value: Any = None
    finished: bool = False


class AlembicSession:
    """One run of the project's env.py against ``url``, driven one step at a time.

    Use as a context manager: entering runs env.py up to its migrations (raising
    :class:`MigcheckError` when env.py fails there or uses another database), leaving lets
    env.py finish and closes every connection.
    """

    def __init__(
        self,
        project: Project,
        url: str,
        database_name: str,
        url_env: Sequence[str] = ("DATABASE_URL",),
        *,
        runner: EnvRunner,
        incremental: bool = True,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    ) -> None:
        self.project = project
        self.url = url
        self.database_name = database_name
        self.url_env = tuple(url_env)
        self.version_table: str | None = "alembic_version"
        self._commands: queue.Queue[_Command] = queue.Queue()
        self._replies: queue.Queue[_Reply] = queue.Queue()
        self._runner = runner
        self._done: threading.Event | None = None  # set when env.py's run has ended
        self._alive = False
        self._connection: Connection | None = None
        self._saved_env: dict[str, str | None] = {}
        self._snapshots = schema_snapshot.SnapshotTaker(targeted=incremental)
        self._prior = PriorReader()
        self._snapshot_fresh = False  # no step ran since the last snapshot
        self._pending = False  # a step's outer transaction is still open
        self.incremental = incremental
        self._capture: StepCapture | None = None  # the step running now, when captured
        self.lock_timeout_ms = lock_timeout_ms
        self._backend_pid: int | None = None  # the migrations' connection's backend
        self._monitor: Connection | None = None  # reads lock waits while a step runs
        self._blocker: str | None = None
        #: a step's work was left in a transaction nothing in env.py would commit
        self.never_committed = False
        self._recorder: Recorder | None = None
        self._watched: Connection | None = None  # env.py's connection, watched for its COMMIT
        self._ended: str | None = None  # "commit" or "rollback": how its last transaction ended
        self._uncommitted = False  # a step left its work in a transaction only env.py ends

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> AlembicSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Run env.py (on the main thread) until it hands control to migcheck (or fails)."""
        config = self.project.config
        env_url = _with_driver(self.url, config.get_main_option("sqlalchemy.url"))
        config.set_main_option("sqlalchemy.url", env_url.replace("%", "%%"))
        for name in self.url_env:
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = env_url
        engine = create_engine(self.url, poolclass=NullPool)
        compat.set_connection_class(engine, _SharedConnection)
        self._connection = engine.connect()
        # every later session on the database (env.py's, a revision's own) waits this long
        # for a lock at most; a session that sets its own lock_timeout keeps it
        quoted = self._connection.dialect.identifier_preparer.quote(self.database_name)
        self._connection.exec_driver_sql(
            f"ALTER DATABASE {quoted} SET lock_timeout = {self.lock_timeout_ms}"
        )
        self._connection.exec_driver_sql(f"SET lock_timeout = {self.lock_timeout_ms}")
        self._connection.commit()
        config.attributes["connection"] = self._connection
        self._done = threading.Event()
        self._runner.submit(self._run_env)
        reply = self._wait()
        if not reply.ok:
            self._cleanup()
            raise _env_error(self.project, reply.value)
        if reply.finished:
            self._cleanup()
            raise MigcheckError(
                f"{self._env_path()}: env.py finished without running migrations "
                "(is it in offline mode, or does it skip context.run_migrations()?)"
            )
        self._alive = True

    def close(self) -> None:
        """Let env.py finish (committing as it does) and release the connections."""
        try:
            if self._alive:
                self._alive = False
                self._commands.put(_Command("stop"))
                reply = self._wait()
                while reply.ok and not reply.finished:
                    reply = self._wait()
                if not reply.ok and not isinstance(reply.value, StepFailed):
                    raise _env_error(self.project, reply.value)
        finally:
            self._cleanup()

    def abandon(self) -> None:
        """Give up on env.py (Ctrl-C, an error in migcheck itself): it unwinds, rolling back.

        When the main thread is still serving env.py, it ends it and the connections close;
        when it was interrupted, it no longer runs env.py and the connections close at once.
        """
        if self._alive:
            self._commands.put(_Command("abandon"))
        self._alive = False
        if self._runner.cancelled.is_set():
            self._done = None
        elif self._done is not None and not self._done.wait(timeout=_GRACE):
            # env.py does not read commands: it waits on the database, or is stuck in Python
            self._terminate_sessions()
            if not self._done.wait(timeout=_GRACE):
                self._runner.interrupt()
        self._cleanup()

    def _terminate_sessions(self) -> None:
        """End every other session on the throwaway database (env.py's among them)."""
        with contextlib.suppress(Exception):
            engine = create_engine(self.url, poolclass=NullPool)
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
            finally:
                engine.dispose()

    def _cleanup(self) -> None:
        if self._monitor is not None:
            with contextlib.suppress(Exception):
                self._monitor.close()
                self._monitor.engine.dispose()
            self._monitor = None
        if self._done is not None:
            self._done.wait(timeout=ENV_TIMEOUT)
            self._done = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            with contextlib.suppress(Exception):
                self._connection.engine.dispose()
            self._connection = None
        self.project.config.attributes.pop("connection", None)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def full_snapshot_next(self) -> None:
        """Make the next snapshot a full one (the last of a walk: the schema back at base)."""
        self._snapshots.full_next()

    @property
    def alive(self) -> bool:
        """True while env.py is waiting for the next step."""
        return self._alive

    # -- the caller's side ------------------------------------------------------------------
    def run(
        self,
        script: Script,
        upgrade: bool,
        *,
        trace: bool = False,
        capture: bool = False,
        catalog: bool = True,
    ) -> StepCapture | None:
        """Run one revision's ``upgrade()`` or ``downgrade()`` and commit.

        With ``capture``, return every statement the step sent, with its transaction and the
        revision line that sent it, and (with ``catalog``) the catalog just before the step; with
        ``trace``, each statement also carries the locks it took and held
        (:mod:`migcheck.verify.trace`). Raises :class:`StepFailed` when it raises (the session
        is then over), carrying what was captured before the failure.
        """
        if not self._alive:
            raise RuntimeError("the env.py session is not running")
        try:
            step = compat.revision_step(self.project.script.revision_map, script, upgrade)
        except AttributeError as error:
            raise StepFailed(error) from None
        command = _Command("step", step=step, trace=trace, capture=capture, catalog=catalog)
        self._commands.put(command)
        self._blocker = None
        reply = self._wait(watch=True)
        if not reply.ok:
            self._alive = False
            original = reply.value
            raise StepFailed(original, self._capture, self._blocker) from None
        captured: StepCapture | None = reply.value
        return captured

    def snapshot(self) -> Snapshot:
        """The schema as the migrations' connection sees it now."""
        if not self._alive:
            raise RuntimeError("the env.py session is not running")
        self._commands.put(_Command("snapshot"))
        reply = self._wait()
        if not reply.ok:
            raise reply.value
        assert isinstance(reply.value, Snapshot)
        return reply.value

    def call(self, function: Callable[[MigrationContext], Any]) -> Any:
        """Run ``function(migration_context)`` in env.py's thread between steps."""
        if not self._alive:
            raise RuntimeError("the env.py session is not running")
        self._commands.put(_Command("call", call=function))
        reply = self._wait()
        if not reply.ok:
            error = reply.value
            if isinstance(error, BaseException):
                raise error
            raise RuntimeError(str(error))
        return reply.value

    def _wait(self, *, watch: bool = False) -> _Reply:
        """The next reply from env.py's side; with ``watch``, noting any lock the step waits for.

        Raises :class:`Cancelled` when the main thread was interrupted meanwhile.
        """
        waited = 0.0
        while waited < ENV_TIMEOUT:
            try:
                reply = self._replies.get(timeout=_POLL)
            except queue.Empty:
                waited += _POLL
                if self._runner.cancelled.is_set():
                    raise Cancelled from None
                if watch:
                    self._blocker = self._read_blocker() or self._blocker
                continue
            if not reply.ok and _interrupts(reply.value):
                raise Cancelled
            return reply
        blocked = f"; it waits for a lock held by {self._blocker}" if self._blocker else ""
        raise MigcheckError(
            f"{self._env_path()}: env.py did not answer within {ENV_TIMEOUT:.0f} s{blocked}"
        )

    def _read_blocker(self) -> str | None:
        """The backends the migrations' connection waits for now (``pg_blocking_pids``)."""
        if self._backend_pid is None:
            return None
        try:
            if self._monitor is None:
                self._monitor = create_engine(self.url, poolclass=NullPool).connect()
            rows = self._monitor.exec_driver_sql(_BLOCKERS_SQL, {"pid": self._backend_pid}).all()
            self._monitor.rollback()
        except Exception:  # a probe must never break the walk
            return None
        return (
            "; ".join(
                f"backend {pid} ({state}) whose last query was: {' '.join(str(query).split())}"
                for pid, state, query in rows
            )
            or None
        )

    def _env_path(self) -> str:
        return os.path.join(self.project.script.dir, "env.py")

    # -- env.py's side (the main thread) ----------------------------------------------------
    def _run_env(self) -> None:
        """One whole run of env.py, as ``alembic upgrade`` does it (a job of the EnvRunner)."""
        script = self.project.script
        try:
            with EnvironmentContext(self.project.config, script, fn=self._migrations):
                script.run_env()
        except _Abandon:
            self._replies.put(_Reply(ok=True, finished=True))
        except BaseException as error:
            self._replies.put(_Reply(ok=False, value=error, finished=True))
            if _interrupts(error):
                raise  # Ctrl-C, SIGTERM: the EnvRunner stops the walk
        else:
            self._check_committed()
            self._replies.put(_Reply(ok=True, finished=True))
        finally:
            self._unwatch()
            if self._done is not None:
                self._done.set()

    def _check_committed(self) -> None:
        """After env.py ended: note when the transaction it was left with did not commit.

        Under ``alembic upgrade``, work still uncommitted when env.py closes its connection is
        rolled back. The connection migcheck shares through ``config.attributes`` is its own
        (its owner commits), so a transaction left open on it is not counted.
        """
        if self._watched is None or self._ended == "commit":
            return
        if self._ended == "rollback" or (
            self._watched is not self._connection and not self._watched.closed
        ):
            self.never_committed = True

    def _watch(self, connection: Connection) -> None:
        """Record how the transaction open on ``connection`` when env.py resumes ends."""
        self._ended = None
        self._watched = connection
        event.listen(connection, "commit", self._on_commit)
        event.listen(connection, "rollback", self._on_rollback)

    def _unwatch(self) -> None:
        connection, self._watched = self._watched, None
        if connection is not None:
            with contextlib.suppress(Exception):
                event.remove(connection, "commit", self._on_commit)
                event.remove(connection, "rollback", self._on_rollback)

    def _on_commit(self, connection: Connection) -> None:
        self._ended = self._ended or "commit"

    def _on_rollback(self, connection: Connection) -> None:
        self._ended = self._ended or "rollback"

    def _migrations(self, heads: Any, context: MigrationContext) -> Iterator[RevisionStep]:
        """Alembic's ``fn``: the steps to run, yielded one at a time as the caller asks."""
        return self._steps(context)

    def _steps(self, context: MigrationContext) -> Iterator[RevisionStep]:
        # Alembic imports the revision files here, in its fn, once env.py has run this far; what
        # they log when imported is theirs (the walk quiets only Alembic's INFO lines)
        quiet = logging.root.manager.disable
        logging.disable(logging.NOTSET)
        try:
            files = {os.path.realpath(s.path): s.revision for s in self.project.load()}
        finally:
            logging.disable(quiet)
        self._recorder = Recorder(files)
        self._prepare(context)
        self._replies.put(_Reply(ok=True))
        while True:
            command = self._commands.get()
            if command.action == "abandon":
                raise _Abandon
            snapshot = command.action == "snapshot"
            if self._pending and not snapshot:
                self._settle(context)
            if command.action == "stop":
                self._stop(context)
                return
            if command.action == "step":
                assert command.step is not None
                # Each step is checked as its own `alembic upgrade/downgrade` command would run
                # it: SQLAlchemy remembers named types (enums) it created or dropped in the
                # DDL runner's memo, Alembic's impl, and would skip CREATE TYPE after a
                # downgrade dropped it within the same run.
                compat.clear_ddl_memo(context)
                capture = self._capture = self._begin_capture(context, command)
                self._snapshot_fresh = False
                tracer = (
                    self._tracer(context, probe=command.trace)
                    if command.trace or command.capture
                    else None
                )
                try:
                    yield command.step
                finally:
                    if tracer is not None:
                        tracer.__exit__(None, None, None)
                        capture.statements = tracer.statements
                connection = context.connection
                capture.left_open = connection is not None and connection.in_transaction()
                self._after_step(context)
                self._capture = None
                reply = capture if tracer is not None else None
                self._replies.put(_Reply(ok=True, value=reply))
                continue
            try:
                if snapshot:
                    value = self._take_snapshot(context)
                else:
                    assert command.call is not None
                    self._snapshot_fresh = False
                    value = command.call(context)
                    self._settle(context, after_read=True)
            except Exception as error:
                self._replies.put(_Reply(ok=False, value=error))
            else:
                self._replies.put(_Reply(ok=True, value=value))

    def _begin_capture(self, context: MigrationContext, command: _Command) -> StepCapture:
        """Before a captured step: read the catalog and lock_timeout the step starts from."""
        capture = StepCapture()
        connection = context.connection
        if not command.capture or connection is None:
            return capture
        if not command.catalog:
            value = connection.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
            capture.lock_timeout = self._own_lock_timeout(str(value))
            return capture
        # a snapshot taken since the last step tells which tables to read again
        taker = self._snapshots if self._snapshot_fresh else None
        capture.catalog, setting = self._prior.read(_executor(connection), taker)
        capture.lock_timeout = self._own_lock_timeout(setting)
        return capture

    def _own_lock_timeout(self, value: str) -> bool:
        """True when ``value`` is a lock_timeout the project set (not 0, not migcheck's own)."""
        return value.strip() not in ("0", "", f"{self.lock_timeout_ms}ms")

    def _no_lock_timeout(self, connection: Connection) -> bool:
        value = connection.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
        return str(value).strip() in ("0", "")

    def _locate(self) -> tuple[str | None, int]:
        """The revision file and line on the Python stack that sent the current statement."""
        assert self._recorder is not None
        return self._recorder.revision_frame(sys._getframe(2))

    def _tracer(self, context: MigrationContext, *, probe: bool) -> LockTracer:
        """Attach a tracer to the migrations' connection for one step."""
        assert context.connection is not None
        return LockTracer(
            context.connection,
            ignore={self.version_name},
            probe=probe,
            locate=self._locate,
            installed=True,
        ).__enter__()

    @property
    def version_name(self) -> str:
        """The version table's name without its schema (what traces leave out)."""
        return (self.version_table or "alembic_version").rsplit(".", 1)[-1].strip('"')

    def _prepare(self, context: MigrationContext) -> None:
        connection = context.connection
        if connection is None:
            raise MigcheckError(f"{self._env_path()}: env.py runs in offline (--sql) mode")
        row = connection.exec_driver_sql("SELECT current_database(), pg_backend_pid()").one()
        name, self._backend_pid = row[0], int(row[1])
        if name != self.database_name:
            raise MigcheckError(
                f"{self._env_path()}: env.py connected to database {name!r}, not migcheck's "
                "throwaway database; make env.py read sqlalchemy.url, "
                'config.attributes["connection"] or the variable named by --url-env'
            )
        version = compat.version_table(context)
        name = ".".join(
            connection.dialect.identifier_preparer.quote(part)
            for part in (version.schema, version.name)
            if part
        )
        # Pin the schema now: a migration may change search_path later.
        self.version_table = (
            _driver_sql(
                connection,
                "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%(t)s)",
                {"t": name},
            ).scalar()
            or name
        )
        schema_snapshot.install(_executor(connection), track=self.incremental)
        install_probes(_executor(connection))
        self._prior.install(_executor(connection))
        if self._no_lock_timeout(connection):
            # a lock wait fails (and is explained) instead of hanging the walk
            connection.exec_driver_sql(f"SET lock_timeout = {self.lock_timeout_ms}")
        self._settle(context)

    def _take_snapshot(self, context: MigrationContext) -> Snapshot:
        connection = context.connection
        assert connection is not None
        pending, self._pending = self._pending, False
        snapshot = self._snapshots.take(_executor(connection), self.version_table)
        self._snapshot_fresh = self.incremental
        # inside the step's own transaction: commit it now; else keep env.py's outer one
        self._settle(context, after_read=not pending)
        return snapshot

    def _after_step(self, context: MigrationContext) -> None:
        """After a step: keep env.py's outer transaction open for the snapshot that follows.

        The snapshot then runs in the step's transaction and commits it. Without an outer
        transaction (per-migration mode) Alembic has already committed.
        """
        outer = compat.outer_transaction(context)
        if outer is not None and outer.is_active:
            self._pending = True
        else:
            connection = context.connection
            if outer is None and connection is not None and connection.in_transaction():
                self._uncommitted = True
            self._settle(context)

    def _stop(self, context: MigrationContext) -> None:
        """Hand env.py back its connection in a transaction, as Alembic leaves it, and watch it.

        Only when a step ended inside a transaction neither Alembic nor an outer
        ``begin_transaction()`` block would commit: everything before was committed
        (:meth:`_settle`); a new transaction stands for the one the last step's work would still
        be in, so that what env.py does next with it, COMMIT or rollback on close, tells
        whether ``alembic upgrade`` would have kept the work.
        """
        self._settle(context)
        if not self._uncommitted:
            return  # Alembic committed every step itself (per-migration or outer transaction)
        connection = context.connection
        assert connection is not None
        if not connection.in_transaction():
            connection.exec_driver_sql("SELECT 1")
        self._watch(connection)

    def _settle(self, context: MigrationContext, *, after_read: bool = False) -> None:
        """Commit what the last step did, the way ``autocommit_block`` does.

        When env.py holds one outer transaction (the default, non per-migration mode), it is
        committed and a new one begun in its place, so env.py's ``begin_transaction()`` block
        still ends cleanly; otherwise whatever transaction is open on the connection commits.
        After a read (``after_read``) an open outer transaction is simply kept.
        """
        connection = context.connection
        assert connection is not None
        outer = compat.outer_transaction(context)
        if after_read and outer is not None and outer.is_active:
            return
        if outer is not None and outer.is_active:
            outer.commit()
            compat.set_outer_transaction(context, connection.begin())
        elif connection.in_transaction():
            connection.commit()


#: the statuses of the SystemExit migcheck.pg's SIGTERM/SIGHUP handler raises
_SIGNAL_EXITS = frozenset({128 + signal.SIGTERM, 128 + signal.SIGHUP})


def _interrupts(error: object) -> bool:
    """True for what stops the whole run when env.py's thread gets it: Ctrl-C, a SIGTERM.

    KeyboardInterrupt (Ctrl-C, and the CLI's SIGTERM/SIGHUP), and the SystemExit
    ``migcheck.pg``'s SIGTERM/SIGHUP handler raises (status 128 + the signal). A ``sys.exit()``
    in env.py or a revision is the project's code failing: reported as such, never a silent end
    (``sys.exit(0)`` would end ``alembic upgrade`` with nothing migrated).
    """
    if isinstance(error, KeyboardInterrupt):
        return True
    return type(error) is SystemExit and error.code in _SIGNAL_EXITS


class _Abandon(Exception):
    """Raised inside env.py's migrations when the walk gives up on the session."""


#: drivers an async env.py may name that psycopg cannot stand in for
_ASYNC_DRIVERS = frozenset({"postgresql+asyncpg"})


def _with_driver(url: str, configured: str | None) -> str:
    """``url`` with the project's own async driver when its ``sqlalchemy.url`` names one.

    An env.py written for asyncpg (``postgresql+asyncpg``) needs it; psycopg, migcheck's own
    driver, serves sync and async engines alike, so any other configured URL (psycopg2's, an
    unparsable one like the template's ``driver://user:pass@localhost/dbname``) leaves ``url``
    as it is.
    """
    if not configured:
        return url
    try:
        wanted = make_url(configured).drivername
        ours = make_url(url)
    except ArgumentError:
        return url
    if wanted not in _ASYNC_DRIVERS or wanted == ours.drivername:
        return url
    return ours.set(drivername=wanted).render_as_string(hide_password=False)


#: ``%(name)s`` and ``%%`` in SQL written for psycopg
_PSYCOPG_MARKS = re.compile(r"%\((\w+)\)s|%%")


def _driver_sql(
    connection: Connection, sql: str, params: dict[str, Any] | None = None
) -> Any:  # CursorResult: its type parameters differ between SQLAlchemy 2.0 and 2.1
    """Run SQL written for psycopg (``%(name)s``, ``%%``) on ``connection``, whatever its driver.

    asyncpg (``numeric_dollar``) takes ``$1`` placeholders with positional values and a bare
    ``%``.
    """
    if connection.dialect.paramstyle != "numeric_dollar":
        return (
            connection.exec_driver_sql(sql, params) if params else connection.exec_driver_sql(sql)
        )
    values: list[Any] = []

    def mark(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "%"
        values.append((params or {})[match.group(1)])
        return f"${len(values)}"

    text = _PSYCOPG_MARKS.sub(mark, sql)
    return (
        connection.exec_driver_sql(text, tuple(values))
        if values
        else connection.exec_driver_sql(text)
    )


def _executor(connection: Connection) -> schema_snapshot.Executor:
    def execute(sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        if params is None:
            result = _driver_sql(connection, sql.replace("%", "%%"))
        else:
            result = _driver_sql(connection, sql, params)
        if not result.returns_rows:
            return None
        row = result.fetchone()
        return None if row is None else tuple(row)

    return execute


def _env_error(project: Project, error: object) -> MigcheckError:
    if isinstance(error, MigcheckError):
        return error
    env = os.path.join(project.script.dir, "env.py")
    if isinstance(error, BaseException):
        text = f"{type(error).__name__}: {error}".strip().splitlines()[0]
    else:
        text = str(error)
    return MigcheckError(f"{env}: env.py failed: {text}")
