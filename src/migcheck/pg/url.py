"""The ``url`` backend: a PostgreSQL server the user already runs.

migcheck connects to the maintenance database named in the URL, creates its own uniquely named
databases (``migcheck_<pid>at<start>_<n>``, named after the run's maintenance session), works only
inside them, and drops them at the end. It never writes to any other database.

A run killed before it could drop its databases leaves them behind; the next run on that server
drops each one whose creating session is gone (:func:`sweep_databases`), never one whose session
still runs, one somebody is connected to, or one whose name migcheck would not have made.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg
from psycopg import sql

from migcheck.errors import MigcheckError
from migcheck.pg.server import DATABASE_NAME, Endpoint, Server

ENV_VAR = "MIGCHECK_DATABASE_URL"


class UrlServer(Server):
    """A server reached through a user-given URL; only migcheck's own databases are touched."""

    backend = "url"

    def failure(self) -> str | None:
        """Why the server behind the URL is gone, or None while it answers."""
        reason = super().failure()
        return reason and reason.replace("the url PostgreSQL server", "the --database-url server")


def parse_url(url: str) -> tuple[Endpoint, str]:
    """Split a ``postgresql://`` (or ``postgresql+psycopg://``) URL into endpoint and database.

    Query parameters other than ``host`` and ``port`` (``sslmode``, ``sslrootcert``,
    ``options``, …) are kept and used on every connection. Errors never repeat the URL: it may
    hold a password.
    """
    try:
        parts = urlsplit(url)
        port_number = parts.port
    except ValueError:
        raise MigcheckError(
            "--database-url: not a valid URL (bad host or port; percent-encode '#', '@', '/' "
            "in the password)"
        ) from None
    scheme = parts.scheme.split("+")[0]
    if scheme not in ("postgresql", "postgres"):
        shown = repr(scheme) if scheme else "no scheme"
        raise MigcheckError(f"--database-url: expected a postgresql:// URL, got {shown}")
    if "#" in url:
        raise MigcheckError(
            "--database-url: the URL contains '#': percent-encode it (%23) in the password"
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    host = parts.hostname or given.get("host", "") or "localhost"
    try:
        port = port_number or int(given.get("port", "5432"))
    except ValueError:
        raise MigcheckError("--database-url: the port is not a number") from None
    if not 0 < port < 65536:
        raise MigcheckError("--database-url: the port is out of range (1-65535)")
    user = unquote(parts.username or "") or "postgres"
    password = unquote(parts.password) if parts.password else None
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    params = tuple((k, v) for k, v in query if k not in ("host", "port"))
    return Endpoint(host=host, port=port, user=user, password=password, params=params), dbname


def start(url: str) -> UrlServer:
    """Connect to the server behind ``url``; MigcheckError (naming the option) if it fails."""
    endpoint, dbname = parse_url(url)
    server = UrlServer(endpoint, maintenance_db=dbname)
    try:
        server._connect_admin()
    except psycopg.Error as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise MigcheckError(f"--database-url: cannot connect: {message}") from None
    row = server.admin.execute(
        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not (row and row[0]):
        server.close()
        raise MigcheckError(
            f"--database-url: role {endpoint.user!r} may not create databases: "
            "grant it CREATEDB (ALTER ROLE … CREATEDB) or use another role"
        )
    sweep_databases(server)
    return server


def sweep_databases(server: Server) -> list[str]:
    """Drop the databases killed runs left on ``server``; return their names.

    A database is dropped only when its name is one migcheck makes and the maintenance session
    named in it is gone (a session hidden from this role counts as alive), and nobody is
    connected to it. A database this role may not drop is left alone.
    """
    admin = server.admin
    sessions = {
        int(str(pid)): started
        for pid, started in admin.execute(
            "SELECT pid, (extract(epoch FROM backend_start) * 1000000)::bigint"
            " FROM pg_stat_activity"
        )
    }
    in_use = {
        str(row[0])
        for row in admin.execute(
            "SELECT DISTINCT datname FROM pg_stat_activity WHERE datname IS NOT NULL"
        )
    }
    dropped: list[str] = []
    for (name,) in admin.execute("SELECT datname FROM pg_database ORDER BY datname").fetchall():
        match = DATABASE_NAME.fullmatch(str(name))
        if match is None or name in in_use:
            continue
        pid, start = int(match["pid"]), int(match["start"], 16)
        if pid in sessions and sessions[pid] in (None, start):
            continue
        try:
            admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(str(name))))
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            continue
        dropped.append(str(name))
    return dropped
