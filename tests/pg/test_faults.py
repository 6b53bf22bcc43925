"""Faults around the throwaway server: each is one line (MigcheckError, exit 2), never a traceback.

Also the url backend's leftovers: a killed run's ``migcheck_*`` databases are dropped by the next
run on that server, and nothing else is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from tests.pg.wheel import private_binaries

from migcheck.errors import MigcheckError
from migcheck.pg import Server, embedded, start_server
from migcheck.pg.server import DATABASE_NAME

ROOT = Path(__file__).resolve().parents[2]

URL_CHILD = r"""
import sys, time
from migcheck.pg import start_server
with start_server("url", database_url=sys.argv[1]) as server:
    print(server.create_database().name, flush=True)
    time.sleep(600)
"""


def _databases(server: Server) -> set[str]:
    return {str(r[0]) for r in server.admin.execute("SELECT datname FROM pg_database")}


def _wait_session_gone(server: Server, pid: int) -> None:
    for _ in range(500):
        row = server.admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        if row.fetchone() == (0,):
            return
        time.sleep(0.02)
    pytest.fail(f"session {pid} never ended")


def test_killed_url_run_leaves_a_database_the_next_run_drops(pg_server: Server) -> None:
    url = pg_server.endpoint.url(pg_server.maintenance_db)
    killed = subprocess.Popen(
        [sys.executable, "-c", URL_CHILD, url], stdout=subprocess.PIPE, text=True
    )
    live = subprocess.Popen(
        [sys.executable, "-c", URL_CHILD, url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert killed.stdout is not None and live.stdout is not None
        left, kept = killed.stdout.readline().strip(), live.stdout.readline().strip()
        killed.kill()
        killed.wait(timeout=30)
        match = DATABASE_NAME.fullmatch(left)
        assert match is not None
        _wait_session_gone(pg_server, int(match["pid"]))
        assert left in _databases(pg_server)
        # databases migcheck did not make, or that someone uses, are never touched
        lookalike = "migcheck_deadbeef_1"
        pg_server.admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(lookalike)))
        with start_server("url", database_url=url) as server:
            assert server.backend == "url"
        names = _databases(pg_server)
        assert left not in names
        assert {kept, lookalike} <= names
    finally:
        live.kill()
        live.wait(timeout=30)
        killed.wait(timeout=30)
        pg_server.admin.execute("DROP DATABASE IF EXISTS migcheck_deadbeef_1")
        pg_server.admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(kept))
        )


def test_a_left_database_somebody_uses_is_kept(pg_server: Server) -> None:
    url = pg_server.endpoint.url(pg_server.maintenance_db)
    killed = subprocess.Popen(
        [sys.executable, "-c", URL_CHILD, url], stdout=subprocess.PIPE, text=True
    )
    assert killed.stdout is not None
    left = killed.stdout.readline().strip()
    killed.kill()
    killed.wait(timeout=30)
    match = DATABASE_NAME.fullmatch(left)
    assert match is not None
    _wait_session_gone(pg_server, int(match["pid"]))
    try:
        with psycopg.connect(pg_server.endpoint.conninfo(left)):
            with start_server("url", database_url=url):
                pass
            assert left in _databases(pg_server)
        with start_server("url", database_url=url):
            pass
        assert left not in _databases(pg_server)
    finally:
        pg_server.admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(left))
        )


@pytest.fixture
def plain_role(pg_server: Server) -> Iterator[str]:
    """A role that may log in but not create databases."""
    pg_server.admin.execute("DROP ROLE IF EXISTS migcheck_plain")
    pg_server.admin.execute("CREATE ROLE migcheck_plain LOGIN NOCREATEDB")
    yield "migcheck_plain"
    pg_server.admin.execute("DROP ROLE IF EXISTS migcheck_plain")


def test_role_without_createdb_is_one_line(pg_server: Server, plain_role: str) -> None:
    if pg_server.backend != "embedded":
        pytest.skip("needs a server where a new role can log in without a password")
    endpoint = pg_server.endpoint
    url = f"postgresql://{plain_role}@/postgres?host={endpoint.host}&port={endpoint.port}"
    with (
        pytest.raises(MigcheckError, match=r"^--database-url: role 'migcheck_plain' may not"),
        start_server("url", database_url=url),
    ):
        pass


@pytest.mark.parametrize("kind", ["file", "uncreatable"])
def test_cache_dir_that_cannot_be_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = blocker if kind == "file" else blocker / "sub"
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(cache))
    result = _cli("doctor", env={"MIGCHECK_CACHE_DIR": str(cache)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"MIGCHECK_CACHE_DIR={cache}: cannot use" in result.stderr
    assert "Traceback" not in result.stderr


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "MIGCHECK_DATABASE_URL"}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "migcheck", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=300,
        check=False,
    )


@pytest.fixture
def small_tmpfs() -> Iterator[Path]:
    """A real 24 MB tmpfs (root only), like a small /dev/shm."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where = Path(tempfile.mkdtemp(prefix="migcheck-test-tmpfs-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=1777", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)
    where.rmdir()


def test_small_shm_is_detected_with_a_real_statvfs(small_tmpfs: Path) -> None:
    assert not embedded.shm_has_room(small_tmpfs)
    assert embedded.shm_has_room(small_tmpfs, needed=1 << 20)
    assert embedded.work_base(small_tmpfs) == Path(tempfile.gettempdir())
    assert not embedded.shm_has_room(small_tmpfs / "missing")


def test_small_shm_puts_the_server_on_disk(
    small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With /dev/shm too small, a write-heavy run works: the data directory is on disk."""
    monkeypatch.setattr(embedded, "SHM", small_tmpfs)
    with start_server("embedded") as server:
        assert isinstance(server, embedded.EmbeddedServer)
        assert server.workdir.parent == Path(tempfile.gettempdir())
        db = server.create_database()
        with psycopg.connect(db.conninfo, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE t AS SELECT g, repeat('x', 200) AS pad"
                " FROM generate_series(1, 200000) g"
            )
            conn.execute("CHECKPOINT")
    assert list(small_tmpfs.iterdir()) == []


def test_disk_full_while_copying_is_one_line(
    small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work directory's filesystem fills up during the copy: one line, nothing left."""
    monkeypatch.setattr(embedded, "SHM", small_tmpfs)
    monkeypatch.setattr(embedded, "SHM_MIN_FREE", 1 << 20)
    with (
        pytest.raises(MigcheckError, match=r"^cannot copy the cached cluster into .*: "),
        start_server("embedded"),
    ):
        pass
    assert list(small_tmpfs.iterdir()) == []


def test_disk_full_while_storing_the_cluster_is_one_line(
    small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(small_tmpfs / "cache"))
    with (
        pytest.raises(MigcheckError, match=r"^cannot copy the new cluster into .*: "),
        start_server("embedded"),
    ):
        pass
    assert list((small_tmpfs / "cache" / "clusters").iterdir()) == []


def test_disk_full_during_initdb_is_one_line(
    tmp_path: Path, small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Path(tempfile.mkdtemp(prefix="migcheck-test-cache-"))
    try:
        cache.chmod(0o755)
        monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(cache / "cache"))
        monkeypatch.setattr(embedded, "SHM", small_tmpfs)
        monkeypatch.setattr(embedded, "SHM_MIN_FREE", 1 << 20)
        with (
            pytest.raises(MigcheckError, match=r"^initdb \(.*\) failed: .*No space left") as raised,
            start_server("embedded"),
        ):
            pass
        assert "\n" not in str(raised.value)
        assert list(small_tmpfs.iterdir()) == []
        assert list((cache / "cache" / "clusters").iterdir()) == []
    finally:
        shutil.rmtree(cache)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root copies the binaries for nobody")
def test_disk_full_while_copying_binaries_is_one_line(
    tmp_path: Path, small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _wheel, bindir = private_binaries(tmp_path)
    monkeypatch.setenv("MIGCHECK_PG_BINDIR", str(bindir))
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(small_tmpfs / "cache"))
    with (
        pytest.raises(MigcheckError, match=r"^cannot copy the PostgreSQL binaries into .*: No sp"),
        start_server("embedded"),
    ):
        pass
    assert list((small_tmpfs / "cache" / "binaries").iterdir()) == []


def test_url_server_killed_under_a_run_is_one_line() -> None:
    target = embedded.start()
    try:
        url = target.endpoint.url("postgres")
        with (
            pytest.raises(MigcheckError, match=r"^the --database-url server stopped answering: "),
            start_server("url", database_url=url) as server,
        ):
            db = server.create_database()
            target.process.kill()
            target.process.wait(timeout=30)
            with psycopg.connect(db.conninfo):
                pass
    finally:
        target.close()


KILLER = """
import os
from alembic import op

revision = "k1"
down_revision = "a3"


def upgrade():
    bind = op.get_bind()
    data = bind.exec_driver_sql("SHOW data_directory").scalar()
    with open(os.path.join(data, "postmaster.pid")) as pid_file:
        os.kill(int(pid_file.readline()), 9)
    op.execute("SELECT 1")


def downgrade():
    pass
"""


@pytest.mark.skipif(shutil.which("cp") is None, reason="needs cp")
def test_server_killed_under_a_running_verify(tmp_path: Path) -> None:
    project = tmp_path / "clean"
    shutil.copytree(ROOT / "fixtures" / "verify" / "clean", project)
    (project / "migrations" / "versions" / "k1_kill_the_server.py").write_text(KILLER)
    result = _cli("verify", str(project), "--pg-backend", "embedded", env={})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "migcheck: error: the embedded PostgreSQL server stopped (killed by SIGKILL); its log ends:"
    )
