"""The cache: where the initdb'd clusters and (as root) the binaries copy are kept.

``MIGCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/migcheck``, else ``~/.cache/migcheck``; a binaries
copy ``nobody`` must reach goes to ``/var/cache/migcheck`` when the cache itself is private.
Entries are written into an ``incoming-*`` directory (claimed, see :mod:`migcheck.pg.leftovers`)
and renamed into place, so a killed run never leaves a half-written entry.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from migcheck.errors import MigcheckError, NoBackendError

CACHE_ENV = "MIGCHECK_CACHE_DIR"
INCOMING_PREFIX = "incoming-"
SHARED_BINARIES = Path("/var/cache/migcheck")


def root() -> Path:
    """The cache directory: MIGCHECK_CACHE_DIR, else $XDG_CACHE_HOME/migcheck, else ~/.cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migcheck"


def directory(path: Path) -> Path:
    """Create a cache directory; a one-line MigcheckError naming it when that fails."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as error:
        source = f"{CACHE_ENV}={os.environ[CACHE_ENV]}" if os.environ.get(CACHE_ENV) else "cache"
        raise MigcheckError(
            f"{source}: cannot use {path} as a directory: {error.strerror or error}"
        ) from None
    return path


def copy_error(what: str, where: Path, error: OSError | str) -> NoBackendError:
    """One line for a failed copy; shutil.Error (one entry per file) is cut to its first cause."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        first = str(error.args[0][0][2]) if error.args[0] else str(error)
        cause = re.match(r"\[Errno \d+\] ([^:]+)", first)
        reason = cause.group(1) if cause else first.splitlines()[0]
    elif isinstance(error, OSError):
        reason = error.strerror or str(error).splitlines()[0]
    else:
        reason = error
    return NoBackendError(f"cannot copy {what} into {where}: {reason}")
