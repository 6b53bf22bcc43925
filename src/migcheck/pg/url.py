"""The ``url`` backend: a PostgreSQL server the user already runs.

migcheck connects to the maintenance database named in the URL, creates its own uniquely named
databases (``migcheck_<random>_<n>``), works only inside them, and drops them at the end. It never
writes to any other database.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg

from migcheck.errors import MigcheckError
from migcheck.pg.server import Endpoint, Server

ENV_VAR = "MIGCHECK_DATABASE_URL"


class UrlServer(Server):
    """A server reached through a user-given URL; only migcheck's own databases are touched."""

    backend = "url"


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
    return server
