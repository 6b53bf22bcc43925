"""The ``url`` backend: a PostgreSQL server the user already runs.

migcheck connects to the maintenance database named in the URL, creates its own uniquely named
databases (``migcheck_<random>_<n>``), works only inside them, and drops them at the end. It never
writes to any other database.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import psycopg

from migcheck.errors import MigcheckError
from migcheck.pg.server import Endpoint, Server

ENV_VAR = "MIGCHECK_DATABASE_URL"


class UrlServer(Server):
    """A server reached through a user-given URL; only migcheck's own databases are touched."""

    backend = "url"


def parse_url(url: str) -> tuple[Endpoint, str]:
    """Split a ``postgresql://`` (or ``postgresql+psycopg://``) URL into endpoint and database."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in ("postgresql", "postgres"):
        raise MigcheckError(f"--database-url: expected a postgresql:// URL, got {scheme or url!r}")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    host = parts.hostname or unquote(query.get("host", "")) or "localhost"
    try:
        port = parts.port or int(query.get("port", "5432"))
    except ValueError:
        raise MigcheckError(f"--database-url: bad port in {url!r}") from None
    user = unquote(parts.username or "") or "postgres"
    password = unquote(parts.password) if parts.password else None
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    return Endpoint(host=host, port=port, user=user, password=password), dbname


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
