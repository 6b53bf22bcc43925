"""The ``--load`` workload's own process: what it measures, and that it never outlives a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from tests.hardening.helpers import ROOT
from tests.verify.test_data_pass import project

from migcheck.pg import Server
from migcheck.verify.load import Workload

#: a worker that outlives its run is given this long to end before the test fails
_ENDS_WITHIN_S = 60.0


def _workers(parent: int | None = None) -> list[int]:
    """Pids of live workload processes (children of ``parent`` when given)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if b"migcheck.verify.load_worker" not in command or state == "Z":
            continue
        if parent is None or int(ppid) == parent:
            found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + _ENDS_WITHIN_S
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if pid in _workers()]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


@pytest.fixture
def conninfo(pg_server: Server) -> Iterator[str]:
    database = pg_server.create_database()
    with psycopg.connect(database.conninfo, autocommit=True) as connection:
        connection.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        connection.execute("INSERT INTO items SELECT g, 'n' FROM generate_series(1, 1000) g")
        connection.execute("CREATE TABLE others (id int PRIMARY KEY)")
        connection.execute("INSERT INTO others SELECT generate_series(1, 1000)")
        connection.execute("ANALYZE items, others")
        connection.execute("CREATE TABLE notes (body text)")  # no key: not in the workload
    yield database.conninfo
    pg_server.drop_database(database)


def test_a_lock_held_by_the_walk_is_a_stall_the_worker_measures(conninfo: str) -> None:
    workload = Workload()
    try:
        assert workload.start(conninfo)
        with psycopg.connect(conninfo) as migration:
            migration.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
            time.sleep(0.3)
        stats = workload.stop([])
        assert stats is not None and stats.errors == 0
        # the slowest statement is one that waited for the lock, not one on the other table
        assert stats.worst.split() in (["read", "items"], ["update", "items"])
        # started again on the same process
        assert workload.start(conninfo)
        time.sleep(0.05)
        again = workload.stop([])
        assert again is not None and again.statements > 0
    finally:
        workload.close()
    assert _workers(os.getpid()) == []


def test_no_keyed_table_means_no_workload(pg_server: Server) -> None:
    database = pg_server.create_database()
    workload = Workload()
    try:
        assert not workload.start(database.conninfo)
        assert workload.stop([]) is None
    finally:
        workload.close()
        pg_server.drop_database(database)
    assert _workers(os.getpid()) == []


_SLEEP = 'op.execute("SELECT pg_sleep(600) FROM customers LIMIT 1")'


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_the_worker_ends_with_migcheck_however_it_ends(signum: int, tmp_path: Path) -> None:
    path = project(tmp_path, (_SLEEP, "pass"))
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen(
        [sys.executable, "-m", "migcheck", "verify", str(path), "--rows", "100", "--load"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        workers: list[int] = []
        while not workers and child.poll() is None:
            time.sleep(0.05)
            workers = _workers(child.pid)
        assert workers, child.communicate()
        child.send_signal(signum)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert _wait_gone(workers) == []
    if signum == signal.SIGINT:
        assert child.returncode == 128 + signum, err
        assert err.strip().splitlines()[-1] == "migcheck: interrupted"
