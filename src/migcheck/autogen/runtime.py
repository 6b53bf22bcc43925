"""Running lock-taking steps safely: own short transactions, ``lock_timeout``, bounded retries.

Every migcheck operation runs its steps outside the migration's transaction (inside Alembic's
``autocommit_block``), so a lock taken by one step is released as soon as that step commits.
Each step that takes a lock runs under ``lock_timeout``; when the lock is not granted in time the
step is rolled back and retried after a pause that doubles each time, up to ``retries`` times.

Online, a transactional step is ``BEGIN; SET LOCAL lock_timeout ...; <statements>; COMMIT``.
A step that cannot run in a transaction (``CREATE INDEX CONCURRENTLY``) uses a session-level
``SET lock_timeout`` and restores the previous value afterwards, because a session setting made
in an autocommit block would otherwise leak into every later migration. Offline (``--sql``) the
same statements are written out with their transaction breaks, without retries.

Progress and retries are logged to the ``alembic.migcheck`` logger, so the logging section of a
stock alembic.ini shows them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import Operations
from sqlalchemy.exc import DBAPIError

from migcheck.autogen import sql
from migcheck.config import Settings, load_settings
from migcheck.errors import MigcheckError

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext

log = logging.getLogger("alembic.migcheck")

#: SQLSTATE of "lock_not_available", raised when lock_timeout expires
LOCK_NOT_AVAILABLE = "55P03"


@functools.lru_cache(maxsize=16)
def _settings_from(start: Path | None) -> Settings:
    return load_settings(start)


def settings_for(context: MigrationContext) -> Settings:
    """Settings for the running migration (their defaults: :class:`migcheck.config.Settings`).

    ``context.configure(migcheck_settings=Settings(...))`` wins; else ``[tool.migcheck]`` in the
    pyproject.toml nearest the project's alembic.ini (or the current directory).
    """
    given = context.opts.get("migcheck_settings")
    if isinstance(given, Settings):
        return given
    config = context.config
    start = None
    if config is not None and config.config_file_name:
        start = Path(config.config_file_name).resolve().parent
    return _settings_from(start)


def is_lock_timeout(error: BaseException) -> bool:
    """Whether a database error is PostgreSQL's ``lock_not_available`` (lock_timeout expired)."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code == LOCK_NOT_AVAILABLE


class Steps:
    """Runs the steps of one migcheck operation, online or offline."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        self.context: MigrationContext = operations.get_context()
        self.settings = settings_for(self.context)

    @property
    def offline(self) -> bool:
        """True when Alembic writes SQL (``--sql``) instead of running it."""
        return bool(self.context.as_sql)

    @contextlib.contextmanager
    def outside_transaction(self) -> Iterator[Steps]:
        """Commit the migration's transaction and run the enclosed steps in autocommit mode."""
        with self.context.autocommit_block():
            yield self

    def emit(self, statement: str) -> None:
        """Run (online) or write (offline) one statement as it is."""
        if self.offline:
            self.operations.execute(statement)
        else:
            self._connection().exec_driver_sql(statement, execution_options={"no_parameters": True})

    def query(self, statement: str, **params: Any) -> list[sa.Row[Any]]:
        """Run a read-only catalog query online; offline there is no database to ask."""
        if self.offline:
            raise MigcheckError("internal: catalog query in offline mode")
        return list(self._connection().execute(sa.text(statement), params).all())

    def execute(self, statement: sa.Executable, params: Mapping[str, Any] | None = None) -> Any:
        """Run a SQLAlchemy statement online and return its result."""
        return self._connection().execute(statement, dict(params or {}))

    def transaction(self, statements: Sequence[str], *, what: str, brief: bool = True) -> None:
        """Run ``statements`` in one short transaction under lock_timeout, retrying on timeouts.

        ``brief`` steps (which hold a strong lock while they run) also get ``statement_timeout``.
        """
        local = self._settings(local=True, brief=brief)
        if self.offline:
            for statement in ("BEGIN", *local, *statements, "COMMIT"):
                self.emit(statement)
            return

        def attempt() -> None:
            for statement in ("BEGIN", *local, *statements, "COMMIT"):
                self.emit(statement)

        self.retrying(what, attempt, cleanup=self.rollback)

    def concurrently(
        self, statement: str, *, what: str, before: Callable[[], None] | None = None
    ) -> None:
        """Run a statement that must not run in a transaction, under a session lock_timeout.

        ``before`` runs ahead of every attempt (e.g. to drop an INVALID index a failed attempt
        left behind). The session's previous lock_timeout is restored afterwards.
        """
        session = self._settings(local=False, brief=False)
        if self.offline:
            for line in (*session, statement, "RESET lock_timeout"):
                self.emit(line)
            return
        previous = self.query("SELECT current_setting('lock_timeout')")[0][0]

        def attempt() -> None:
            if before is not None:
                before()
            for line in session:
                self.emit(line)
            try:
                self.emit(statement)
            finally:
                self.emit(f"SET lock_timeout = {sql.literal(previous)}")

        self.retrying(what, attempt, cleanup=lambda: None)

    def retrying(self, what: str, attempt: Callable[[], None], cleanup: Callable[[], None]) -> None:
        """Call ``attempt`` until it succeeds, retrying only lock timeouts, with backoff."""
        tries = self.settings.retries + 1
        for number in range(1, tries + 1):
            try:
                attempt()
                return
            except DBAPIError as error:
                cleanup()
                if not is_lock_timeout(error):
                    raise
                if number == tries:
                    raise MigcheckError(
                        f"{what}: lock not granted within "
                        f"lock_timeout={self.settings.lock_timeout} after {tries} attempts; "
                        "retry when the table is quieter or raise "
                        "[tool.migcheck] lock-timeout / retries"
                    ) from error
                self.pause(what, number, tries)

    def pause(self, what: str, number: int, tries: int) -> None:
        """Log a lock timeout and sleep before the next attempt (the delay doubles each time)."""
        delay = self.settings.retry_backoff * 2 ** (number - 1)
        log.warning(
            "%s: lock not granted within %s (attempt %d of %d); retrying in %.2fs",
            what,
            self.settings.lock_timeout,
            number,
            tries,
            delay,
        )
        time.sleep(delay)

    def rollback(self) -> None:
        """Roll back an explicit transaction a failed step left open."""
        self._connection().exec_driver_sql("ROLLBACK", execution_options={"no_parameters": True})

    def _settings(self, *, local: bool, brief: bool) -> list[str]:
        scope = "SET LOCAL" if local else "SET"
        lines = [f"{scope} lock_timeout = {sql.literal(self.settings.lock_timeout)}"]
        if brief and self.settings.statement_timeout not in ("0", "0s", "0ms"):
            lines.append(
                f"{scope} statement_timeout = {sql.literal(self.settings.statement_timeout)}"
            )
        return lines

    def _connection(self) -> sa.Connection:
        connection = self.context.connection
        if connection is None:
            raise MigcheckError("internal: no database connection in online mode")
        return connection


class Attempt:
    """One try at a block of plain Alembic operations in its own short transaction.

    Used through ``op.lock_timeout_retries()``::

        for attempt in op.lock_timeout_retries():
            with attempt:
                op.add_column("order", sa.Column("note", sa.Text(), nullable=True))
    """

    def __init__(self, steps: Steps, number: int, tries: int) -> None:
        self.steps = steps
        self.number = number
        self.tries = tries
        self.succeeded = False
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Attempt:
        self._stack.enter_context(self.steps.outside_transaction())
        for statement in ("BEGIN", *self.steps._settings(local=True, brief=True)):
            self.steps.emit(statement)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        with self._stack:
            if error is None:
                self.steps.emit("COMMIT")
                self.succeeded = True
                return False
            if not self.steps.offline:
                self.steps.rollback()
            if not isinstance(error, DBAPIError) or not is_lock_timeout(error):
                return False
            if self.number == self.tries:
                raise MigcheckError(
                    f"lock not granted within lock_timeout={self.steps.settings.lock_timeout} "
                    f"after {self.tries} attempts; retry when the tables are quieter or raise "
                    "[tool.migcheck] lock-timeout / retries"
                ) from error
        self.steps.pause("operations", self.number, self.tries)
        return True


def attempts(operations: Operations) -> Iterator[Attempt]:
    """Attempts for a block of plain operations; stops after the first that succeeds."""
    steps = Steps(operations)
    tries = 1 if steps.offline else steps.settings.retries + 1
    for number in range(1, tries + 1):
        attempt = Attempt(steps, number, tries)
        yield attempt
        if attempt.succeeded:
            return
