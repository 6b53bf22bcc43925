"""The server and database handles every backend returns.

A :class:`Server` is a running PostgreSQL that migcheck may create databases in. Each backend
subclasses it and knows only how its server starts and stops; creating, cloning and dropping
databases is the same for all and lives here.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote

import psycopg
from psycopg import sql

from migcheck.errors import MigcheckError


@dataclass(frozen=True)
class Endpoint:
    """How to reach a server: host (name, address or socket directory), port, user, password.

    ``params`` are the other libpq connection parameters the user gave (``sslmode``,
    ``sslrootcert``, ``options``, …), passed on to every connection unchanged.
    """

    host: str
    port: int
    user: str
    password: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def conninfo(self, dbname: str) -> str:
        """A libpq connection string for ``dbname``, for ``psycopg.connect``."""
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=str(self.port),
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            **dict(self.params),
        )

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for ``dbname`` using psycopg 3 (``postgresql+psycopg://``)."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        params = [(key, value) for key, value in self.params]
        if self.host.startswith("/"):
            params = [("host", self.host), ("port", str(self.port)), *params]
            where = ""
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host
            where = f"{host}:{self.port}"
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='/')}" for k, v in params)
        tail = f"?{query}" if query else ""
        return f"postgresql+psycopg://{auth}@{where}/{quote(dbname, safe='')}{tail}"


@dataclass(frozen=True)
class Database:
    """A database migcheck created on a :class:`Server`; it is dropped when the server closes."""

    name: str
    url: str
    conninfo: str


#: names of the databases migcheck creates: ``migcheck_<session pid>at<session start, hex µs>_<n>``,
#: the pid and start time of the run's maintenance session, so a later run can tell whether the
#: run that created one is still connected
DATABASE_NAME = re.compile(r"migcheck_(?P<pid>[0-9]+)at(?P<start>[0-9a-f]+)_[0-9]+")


class Server:
    """A running PostgreSQL that hands out fresh databases.

    Use it as a context manager (or call :meth:`close`): every database it created is dropped,
    and a server it started is stopped and its files removed.
    """

    backend: str = "?"

    def __init__(self, endpoint: Endpoint, maintenance_db: str = "postgres") -> None:
        self.endpoint = endpoint
        self.maintenance_db = maintenance_db
        self._prefix = ""
        self._counter = itertools.count(1)
        self._created: list[str] = []
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self.version_num = 0
        self.version = ""

    # -- lifecycle -------------------------------------------------------------------------
    def _connect_admin(self) -> None:
        """Open the maintenance connection and read the server version."""
        self._admin = psycopg.connect(
            self.endpoint.conninfo(self.maintenance_db), autocommit=True, connect_timeout=10
        )
        row = self._admin.execute(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version'),"
            " pg_backend_pid(), (extract(epoch FROM backend_start) * 1000000)::bigint"
            " FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).fetchone()
        assert row is not None
        self.version_num = int(str(row[0]))
        self.version = str(row[1])
        self._prefix = f"migcheck_{row[2]}at{int(str(row[3])):x}"

    def failure(self) -> str | None:
        """Why the server is gone (for an error message), or None while it answers.

        Asks on the maintenance connection, then on a new one: a backend may still answer for
        a moment after its postmaster died, but the postmaster no longer accepts anyone.
        """
        admin = self._admin
        if admin is None:
            return None
        try:
            admin.execute("SELECT 1")
            psycopg.connect(self.endpoint.conninfo(self.maintenance_db), connect_timeout=5).close()
        except psycopg.Error as error:
            first = str(error).strip().splitlines()
            reason = first[0] if first else type(error).__name__
            return f"the {self.backend} PostgreSQL server stopped answering: {reason}"
        return None

    def close(self) -> None:
        """Drop the databases this server handed out and release the server.

        A server that is already gone has nothing left to drop: no error.
        """
        try:
            self._drop_created()
        finally:
            self._stop()

    def _drop_created(self) -> None:
        admin, self._admin = self._admin, None
        if admin is None:
            return
        with admin:
            try:
                for name in reversed(self._created):
                    admin.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
            except psycopg.OperationalError:
                if not (admin.broken or admin.closed):
                    raise
        self._created.clear()

    def _stop(self) -> None:
        """Stop what the backend started (nothing for a server it did not start)."""

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- databases -------------------------------------------------------------------------
    @property
    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """The autocommit maintenance connection (for creating and dropping databases)."""
        if self._admin is None:
            raise MigcheckError(f"the {self.backend} PostgreSQL server is closed")
        return self._admin

    def database(self, name: str) -> Database:
        """A handle for an existing database on this server (no check that it exists)."""
        return Database(
            name=name, url=self.endpoint.url(name), conninfo=self.endpoint.conninfo(name)
        )

    def create_database(self, template: str | Database | None = None) -> Database:
        """Create a fresh, uniquely named database, empty or cloned from ``template``.

        The template must be a database this server handed out (or ``template0``/``template1``)
        and must have no open connections while it is cloned.
        """
        name = f"{self._prefix}_{next(self._counter)}"
        source = template.name if isinstance(template, Database) else (template or "template0")
        if source not in self._created and source not in ("template0", "template1"):
            raise MigcheckError(f"template {source!r} was not created by this migcheck run")
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(source)
        )
        if self.version_num >= 150000:
            statement += sql.SQL(" STRATEGY file_copy")
        try:
            self.admin.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            raise MigcheckError(
                f"role {self.endpoint.user!r} may not create databases on the {self.backend} "
                "PostgreSQL server: grant it CREATEDB or use another role"
            ) from None
        self._created.append(name)
        self.admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(_creator())
            )
        )
        return self.database(name)

    def drop_database(self, database: str | Database) -> None:
        """Drop a database this server handed out, closing any connection still open to it."""
        name = database.name if isinstance(database, Database) else database
        if name not in self._created:
            raise MigcheckError(f"database {name!r} was not created by this migcheck run")
        self.admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        self._created.remove(name)


def _creator() -> str:
    """The comment on each database migcheck creates: which run made it, and when."""
    return (
        f"created by migcheck on {socket.gethostname()}, pid {os.getpid()}; "
        "dropped when that run ends, or by a later run once its session is gone"
    )
