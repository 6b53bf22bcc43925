"""The url backend: works only inside its own databases and drops them at the end."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from migcheck.errors import MigcheckError
from migcheck.pg import Server, choose_backend, start_server
from migcheck.pg.url import parse_url


def _names(server: Server) -> set[str]:
    return {r[0] for r in server.admin.execute("SELECT datname FROM pg_database")}


def test_url_backend_creates_and_drops_only_its_own(pg_server: Server) -> None:
    bystander = pg_server.create_database()
    with psycopg.connect(bystander.conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (id int)")
    before = _names(pg_server)
    url = pg_server.endpoint.url("postgres")
    with start_server("url", database_url=url) as server:
        assert server.backend == "url"
        mine = server.create_database()
        clone = server.create_database(template=mine)
        assert {mine.name, clone.name} <= _names(pg_server)
        assert mine.name.startswith("migcheck_")
    assert _names(pg_server) == before
    with psycopg.connect(bystander.conninfo) as conn:
        assert conn.execute("SELECT to_regclass('keep') IS NOT NULL").fetchone() == (True,)
    pg_server.drop_database(bystander)


def test_url_from_environment(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url("postgres"))
    assert choose_backend("auto") == "url"
    with start_server() as server:
        assert server.backend == "url"


def test_parse_url_variants() -> None:
    endpoint, db = parse_url("postgresql+psycopg://u%40x:p%2Fw@db.example:6543/app")
    assert (endpoint.host, endpoint.port, endpoint.user, endpoint.password, db) == (
        "db.example",
        6543,
        "u@x",
        "p/w",
        "app",
    )
    endpoint, db = parse_url("postgresql://postgres@/postgres?host=/tmp/sock&port=5999")
    assert (endpoint.host, endpoint.port, db) == ("/tmp/sock", 5999, "postgres")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/db", "expected a postgresql:// URL"),
        ("postgresql://nobody@127.0.0.1:1/db", "cannot connect"),
    ],
)
def test_bad_urls_name_the_option(url: str, message: str) -> None:
    server = start_server("url", database_url=url)
    with pytest.raises(MigcheckError, match=f"--database-url: {message}"):
        server.__enter__()


def test_url_backend_needs_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIGCHECK_DATABASE_URL", raising=False)
    with pytest.raises(MigcheckError, match="needs --database-url"), start_server("url"):
        pass


def test_parse_url_keeps_connection_parameters() -> None:
    endpoint, db = parse_url(
        "postgresql://u:pw@db.example/app?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        "&options=-c%20statement_timeout%3D5s&application_name=ci"
    )
    assert dict(endpoint.params) == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca.pem",
        "options": "-c statement_timeout=5s",
        "application_name": "ci",
    }
    assert "sslmode=verify-full" in endpoint.conninfo(db)
    assert "sslmode=verify-full" in endpoint.url(db)
    assert parse_url(endpoint.url(db).replace("+psycopg", ""))[0] == endpoint


def test_connection_parameters_reach_the_server(pg_server: Server) -> None:
    """Every connection migcheck opens carries the URL's parameters (here: ``options``)."""
    url = pg_server.endpoint.url("postgres")
    url += ("&" if "?" in url else "?") + "options=-c%20statement_timeout%3D4321"
    with start_server("url", database_url=url) as server:
        mine = server.create_database()
        with psycopg.connect(mine.conninfo) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
        engine = sa.create_engine(mine.url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "4321ms"
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:s3cr3t@host:99999/db",
        "postgresql://u:s3cr3t@host:port/db",
        "postgresql://u:s3cr#et@host/db",
        "//u:s3cr3t@host/db",
        "postgresql://u:s3cr3t@[::1/db",
        "postgresql://u:s3cr3t@host/db?port=x",
    ],
)
def test_url_errors_never_show_the_password(url: str) -> None:
    with pytest.raises(MigcheckError, match=r"^--database-url: ") as raised:
        parse_url(url)
    assert "s3cr" not in str(raised.value)
