"""Nothing is left behind, whenever a run is killed: each phase of start-up, each signal.

Each test runs a real child process that starts an embedded server and stops at a known phase
(``MIGCHECK_TEST_PAUSE_AT``), signals it, then starts a server again (the next run) and checks
that no directory of the killed run, no ``incoming-*`` in the cache, no process working in one
of its directories and no unmapped ``PostgreSQL.*`` shared memory segment is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.pg.wheel import private_binaries

from migcheck.pg import leftovers, reaper, start_server
from migcheck.pg.binaries import find_installs
from migcheck.pg.embedded import SHM, WORK_PREFIX, sweep_leftovers
from migcheck.pg.leftovers import PAUSE_ENV

CHILD = r"""
import faulthandler, signal, sys
faulthandler.register(signal.SIGUSR1)  # where it hangs, should it not end (see _kill_at)
from migcheck.pg import start_server
with start_server("embedded", version=int(sys.argv[1])):
    print("started", flush=True)
"""

MAJORS = sorted({install.major for install in find_installs()})
NEWEST = MAJORS[-1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _segments() -> set[str]:
    return {p.name for p in SHM.glob("PostgreSQL.*")} if SHM.is_dir() else set()


def _mapped_segments() -> set[str]:
    mapped = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                maps = (entry / "maps").read_text()
            except OSError:
                continue
            mapped |= {line.rsplit("/", 1)[-1] for line in maps.splitlines() if "/dev/shm/" in line}
    return mapped


def _processes_in(marker: str) -> list[str]:
    """Command lines and working directories of processes that mention ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if marker in cmdline or marker in cwd:
                found.append(f"{entry.name}: {cmdline} (in {cwd})")
    return found


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache, reachable by ``nobody`` when we are root."""
    root = Path(tempfile.mkdtemp(prefix="migcheck-test-cache-"))
    root.chmod(0o755)
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(root / "cache"))
    yield root / "cache"  # type: ignore[misc]
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def warm_cache() -> Iterator[Path]:
    """A cache that already holds a cluster for each installed major version."""
    root = Path(tempfile.mkdtemp(prefix="migcheck-test-cache-"))
    root.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGCHECK_CACHE_DIR", str(root / "cache"))
        for major in MAJORS:
            with start_server("embedded", version=major):
                pass
    yield root / "cache"
    shutil.rmtree(root, ignore_errors=True)


def _kill_at(
    phase: str,
    sig: signal.Signals,
    cache: Path,
    major: int = NEWEST,
    reaper_too: bool = False,
    group: bool = False,
) -> int:
    """Run a child until it pauses at ``phase``, signal it; return its pid once it has ended.

    ``group``: signal the child's whole process group, as a terminal or ``timeout`` does.
    """
    env = {**os.environ, PAUSE_ENV: phase, "MIGCHECK_CACHE_DIR": str(cache)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(major)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=group,
    )
    assert child.stderr is not None
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.strip() == f"migcheck: paused at {phase}":
            break
    else:
        child.wait(timeout=30)
        pytest.fail(f"the child never reached {phase}: {''.join(seen)[-2000:]}")
    if reaper_too:  # the whole run dies at once: nothing of it cleans up, the next start must
        for pid in _children(child.pid):
            os.kill(pid, signal.SIGKILL)
    if group:
        os.killpg(child.pid, sig)
    else:
        child.send_signal(sig)
    try:
        child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGUSR1)  # its threads' stacks, on its stderr
        time.sleep(1)
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"the child did not end within 60 s of {sig.name} at {phase}:\n{err[-4000:]}")
    return child.pid


def _assert_nothing_left(pid: int, cache: Path, segments_before: set[str]) -> None:
    marker = f"{WORK_PREFIX}{pid}-"
    for base in (SHM, Path(tempfile.gettempdir())):
        left = sorted(p.name for p in base.glob(f"{marker}*")) if base.is_dir() else []
        assert left == [], f"left in {base}: {left}"
    incoming = sorted(str(p) for p in cache.glob("*/incoming-*"))
    assert incoming == []
    assert _processes_in(marker) == []
    stray = (_segments() - segments_before) - _mapped_segments()
    assert stray == set(), f"shared memory segments left in {SHM}: {stray}"


def _next_start(major: int = NEWEST) -> None:
    with start_server("embedded", version=major) as server:
        assert server.admin.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_during_initdb(cache: Path, sig: signal.Signals, major: int) -> None:
    before = _segments()
    pid = _kill_at("initdb", sig, cache, major)
    _next_start(major)
    _assert_nothing_left(pid, cache, before)


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_process_group_signalled_during_initdb(
    cache: Path, sig: signal.Signals, major: int
) -> None:
    """The signal reaches migcheck only; before, PostgreSQL 15's bootstrap backend got it too
    and left two ``PostgreSQL.*`` segments in /dev/shm."""
    before = _segments()
    pid = _kill_at("initdb", sig, cache, major, group=True)
    _next_start(major)
    _assert_nothing_left(pid, cache, before)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_while_the_new_cluster_is_stored(cache: Path, sig: signal.Signals) -> None:
    before = _segments()
    pid = _kill_at("cache-copy", sig, cache)
    _next_start()
    _assert_nothing_left(pid, cache, before)


@pytest.mark.parametrize("phase", ["copy", "start"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_while_copying_or_starting(
    warm_cache: Path, monkeypatch: pytest.MonkeyPatch, phase: str, sig: signal.Signals
) -> None:
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(warm_cache))
    before = _segments()
    pid = _kill_at(phase, sig, warm_cache)
    _next_start()
    _assert_nothing_left(pid, warm_cache, before)


@pytest.mark.parametrize("phase", ["initdb", "cache-copy"])
def test_whole_run_killed_during_initdb_is_swept_by_the_next_start(cache: Path, phase: str) -> None:
    before = _segments()
    pid = _kill_at(phase, signal.SIGKILL, cache, reaper_too=True)
    _next_start()
    _assert_nothing_left(pid, cache, before)


@pytest.mark.parametrize("phase", ["copy", "start"])
def test_whole_run_killed_later_is_swept_by_the_next_start(
    warm_cache: Path, monkeypatch: pytest.MonkeyPatch, phase: str
) -> None:
    """The reaper died too: the orphaned ``cp`` or postmaster is stopped by the next start."""
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(warm_cache))
    before = _segments()
    pid = _kill_at(phase, signal.SIGKILL, warm_cache, reaper_too=True)
    _next_start()
    _assert_nothing_left(pid, warm_cache, before)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root copies the binaries for nobody")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize("reaper_too", [False, True])
def test_killed_while_copying_binaries(
    tmp_path: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    sig: signal.Signals,
    reaper_too: bool,
) -> None:
    wheel, bindir = private_binaries(tmp_path)
    monkeypatch.setenv("MIGCHECK_PG_BINDIR", str(bindir))
    before = _segments()
    pid = _kill_at("binaries", sig, cache, wheel.major, reaper_too=reaper_too)
    _next_start(wheel.major)
    _assert_nothing_left(pid, cache, before)
    assert len(list((cache / "binaries").iterdir())) == 1


def test_a_live_runs_directories_are_never_swept() -> None:
    with start_server("embedded") as server:
        assert server.workdir.name.startswith(f"{WORK_PREFIX}{os.getpid()}-")
        assert sweep_leftovers() == []
        assert server.workdir.is_dir()
        assert not leftovers.reclaim(server.work.lock_path)
        assert server.admin.execute("SELECT 1").fetchone() == (1,)


def test_only_our_own_lock_files_count(tmp_path: Path) -> None:
    """A lock file of another account could name any process: it is never acted on."""
    claim = leftovers.claim(tmp_path, "x-")
    lock = claim.lock_path
    os.close(claim.lock_fd)  # the owner is gone
    if os.geteuid() == 0:
        os.chown(lock, 65534, 65534)
        assert not leftovers.reclaim(lock)
        assert claim.path.is_dir()
        os.chown(lock, 0, 0)
    assert leftovers.sweep(tmp_path, "x-") == [claim.path]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("told", [b"", reaper.DONE], ids=["pipe closed", "run cleaned up"])
def test_the_reaper_sweeps_unless_the_run_says_it_cleaned_up(tmp_path: Path, told: bytes) -> None:
    """A closed pipe alone means migcheck died: sweep; DONE first means nothing is left."""
    claim = leftovers.claim(tmp_path, "x-")
    os.close(claim.lock_fd)  # the owner is gone
    done = subprocess.run(
        [sys.executable, "-m", "migcheck.pg.reaper", str(tmp_path), "x-"],
        input=told,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert claim.path.is_dir() == (told == reaper.DONE)
