"""The embedded backend against real server binaries: start, databases, versions, errors."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from tests.pg.wheel import private_binaries

from migcheck.errors import MigcheckError, NoBackendError
from migcheck.pg import Server, start_server
from migcheck.pg.binaries import find_install, find_installs
from migcheck.pg.embedded import EmbeddedServer


def test_fresh_databases_are_isolated_and_cloneable(pg_server: Server) -> None:
    first = pg_server.create_database()
    with psycopg.connect(first.conninfo, autocommit=True) as conn:
        conn.execute('CREATE TABLE "order" ("weird name" int)')
        conn.execute('INSERT INTO "order" VALUES (1), (2)')
    clone = pg_server.create_database(template=first)
    second = pg_server.create_database()
    with psycopg.connect(clone.conninfo) as conn:
        assert conn.execute('SELECT count(*) FROM "order"').fetchone() == (2,)
    with psycopg.connect(second.conninfo) as conn:
        row = conn.execute("SELECT to_regclass('public.order')").fetchone()
        assert row == (None,)
    for db in (first, clone, second):
        pg_server.drop_database(db)
    names = {r[0] for r in pg_server.admin.execute("SELECT datname FROM pg_database")}
    assert not names & {first.name, clone.name, second.name}


def test_url_works_with_sqlalchemy(fresh_db: object) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(fresh_db.url)  # type: ignore[attr-defined]
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == (
                fresh_db.name  # type: ignore[attr-defined]
            )
    finally:
        engine.dispose()


def test_refuses_templates_and_drops_it_did_not_create(pg_server: Server) -> None:
    with pytest.raises(MigcheckError, match="not created by this migcheck run"):
        pg_server.create_database(template="postgres")
    with pytest.raises(MigcheckError, match="not created by this migcheck run"):
        pg_server.drop_database("postgres")


def test_server_is_tuned_for_throwaway_use() -> None:
    with start_server("embedded") as server:
        settings = dict(
            server.admin.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                (["fsync", "synchronous_commit", "full_page_writes", "listen_addresses"],),
            ).fetchall()
        )
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "listen_addresses": "127.0.0.1",
    }


def test_each_installed_major_version_starts() -> None:
    majors = sorted({install.major for install in find_installs()})
    assert majors, "no PostgreSQL binaries found at all"
    for major in majors:
        with start_server("embedded", version=major) as server:
            assert server.version_num // 10000 == major


def test_bindir_override_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = find_installs()[-1]
    monkeypatch.setenv("MIGCHECK_PG_BINDIR", str(chosen.bindir))
    install = find_install()
    assert install is not None
    assert install.bindir == chosen.bindir
    assert install.origin == "MIGCHECK_PG_BINDIR"


def test_missing_version_names_what_to_install() -> None:
    server = start_server("embedded", version=11)
    with pytest.raises(NoBackendError, match="no PostgreSQL 11 server binaries found: pip install"):
        server.__enter__()


def test_runs_as_nobody_when_root() -> None:
    with start_server("embedded") as server:
        assert isinstance(server, EmbeddedServer)
        owner = os.stat(server.workdir / "data").st_uid
    if os.geteuid() == 0:
        assert owner != 0
    else:
        assert owner == os.geteuid()


def test_cluster_cache_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(tmp_path))
    with start_server("embedded"):
        pass
    clusters = list((tmp_path / "clusters").iterdir())
    assert len(clusters) == 1
    assert (clusters[0] / "PG_VERSION").is_file()
    stamp = (clusters[0] / "PG_VERSION").stat().st_mtime_ns
    with start_server("embedded"):
        pass
    assert [c.name for c in (tmp_path / "clusters").iterdir()] == [clusters[0].name]
    assert (clusters[0] / "PG_VERSION").stat().st_mtime_ns == stamp


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another account")
def test_root_copies_binaries_nobody_cannot_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import tempfile

    _wheel, bindir = private_binaries(tmp_path)
    shared_cache = Path(tempfile.mkdtemp(prefix="migcheck-test-cache-"))
    try:
        shared_cache.chmod(0o755)
        monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(shared_cache / "cache"))
        monkeypatch.setenv("MIGCHECK_PG_BINDIR", str(bindir))
        with start_server("embedded") as server:
            assert isinstance(server, EmbeddedServer)
            assert server.install.bindir.is_relative_to(shared_cache)
            assert server.admin.execute("SELECT 1").fetchone() == (1,)
    finally:
        shutil.rmtree(shared_cache)
