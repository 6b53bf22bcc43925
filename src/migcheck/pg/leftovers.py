"""Directories a run owns, and sweeping what a killed run left behind.

Every directory migcheck makes for a server (the work directory on ``/dev/shm``, the ``initdb``
staging directory, ``incoming-*`` directories in the cache) is *claimed*: beside it lies
``<name>.lock``, created first and held with ``flock`` for as long as the run lives. The kernel
releases the lock when the run ends, however it ends (SIGKILL included), so a lock that can be
taken means its owner is gone; pid reuse, other pid namespaces and clock changes do not matter.

The lock file also lists, one ``pid starttime`` per line, the processes working inside the
directory (``initdb``, ``cp``, the postmaster). :func:`reclaim` stops those that still run
(SIGINT, which ``initdb`` and the postmaster handle by stopping cleanly, then SIGKILL of their
process group), removes the directory, then the lock file. :func:`sweep` reclaims every claimed
directory of a base whose owner is dead; the reaper runs it when its run ends and every embedded
start runs it before making anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

LOCK_SUFFIX = ".lock"
STOP_GRACE = 10.0
PAUSE_ENV = "MIGCHECK_TEST_PAUSE_AT"


def pause(phase: str) -> None:
    """The test hook: stop here when ``MIGCHECK_TEST_PAUSE_AT`` names ``phase``.

    A start then prints ``migcheck: paused at <phase>`` on stderr and sleeps, so a test can
    signal the run at that phase without guessing at timing.
    """
    if os.environ.get(PAUSE_ENV) == phase:
        sys.stderr.write(f"migcheck: paused at {phase}\n")
        sys.stderr.flush()
        time.sleep(600)


def start_time(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def _running(pid: int, started: int) -> bool:
    """True while the process ``pid`` that started at ``started`` still runs (not a zombie)."""
    if start_time(pid) != started:
        return False
    with contextlib.suppress(OSError):
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    return False


@dataclass(slots=True)
class Claim:
    """A directory this run made and holds the lock of; :meth:`release` removes both."""

    path: Path
    lock_fd: int
    workers: list[int] = field(default_factory=list)

    @property
    def lock_path(self) -> Path:
        """The lock file beside the directory."""
        return self.path.with_name(self.path.name + LOCK_SUFFIX)

    def add_worker(self, pid: int) -> None:
        """Record a process working inside the directory, for whoever reclaims it."""
        started = start_time(pid)
        if started is not None:
            os.write(self.lock_fd, f"{pid} {started}\n".encode())
        self.workers.append(pid)

    def release(self) -> None:
        """Remove the directory, then the lock file, then let the lock go."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)
        os.close(self.lock_fd)


def claim(base: Path, prefix: str) -> Claim:
    """Make a new directory ``base/<prefix><pid>-<random>`` (mode 0700) and hold its lock."""
    while True:
        path = base / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        lock_path = path.with_name(path.name + LOCK_SUFFIX)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        except FileExistsError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # a sweeper may have taken and removed the new lock file between open and flock
            taken = os.fstat(fd).st_ino != os.stat(lock_path).st_ino
        except (BlockingIOError, FileNotFoundError):
            taken = True
        if taken:
            os.close(fd)
            continue
        try:
            path.mkdir(mode=0o700)
        except OSError as error:
            lock_path.unlink(missing_ok=True)
            os.close(fd)
            if isinstance(error, FileExistsError):
                continue
            raise
        return Claim(path=path, lock_fd=fd)


def _stop(pid: int, started: int, grace: float) -> None:
    """SIGINT, wait up to ``grace`` seconds, then SIGKILL the process group ``pid`` leads."""
    if not _running(pid, started):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while _running(pid, started) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _running(pid, started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _workers(lock_text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for line in lock_text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            found.append((int(parts[0]), int(parts[1])))
    return found


def reclaim(lock_path: Path, grace: float = STOP_GRACE) -> bool:
    """Clean up the claimed directory of ``lock_path`` if its owner is gone; True if done.

    Never blocks on a live owner: when the lock is held, nothing is touched. Only lock files
    of our own account count: another account's could name any process.
    """
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        try:
            if os.fstat(fd).st_ino != os.stat(lock_path).st_ino:
                return False
        except FileNotFoundError:
            return False
        text = os.read(fd, 1 << 16).decode(errors="replace")
        for pid, started in reversed(_workers(text)):
            _stop(pid, started, grace)
        directory = lock_path.with_name(lock_path.name[: -len(LOCK_SUFFIX)])
        shutil.rmtree(directory, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def sweep(base: Path, prefix: str, grace: float = STOP_GRACE) -> list[Path]:
    """Reclaim every claimed ``base/<prefix>*`` directory whose run is dead; return them."""
    try:
        names = os.listdir(base)
    except OSError:
        return []
    swept: list[Path] = []
    for name in names:
        if name.startswith(prefix) and name.endswith(LOCK_SUFFIX):
            lock_path = base / name
            if reclaim(lock_path, grace):
                swept.append(lock_path.with_name(name[: -len(LOCK_SUFFIX)]))
    return swept
