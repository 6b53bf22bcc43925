"""server_starting: the server starts in the background while the block goes on (verify's CLI)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from migcheck.errors import MigcheckError
from migcheck.pg import server_starting, url
from migcheck.pg.embedded import SHM, WORK_PREFIX, EmbeddedServer


def _work_dirs() -> set[Path]:
    marker = f"{WORK_PREFIX}{os.getpid()}-"
    return {p for base in (SHM, Path(tempfile.gettempdir())) for p in base.glob(f"{marker}*")}


def test_the_block_gets_the_server_and_leaving_stops_it() -> None:
    before = _work_dirs()
    with server_starting("embedded") as started:
        server = started()
        assert isinstance(server, EmbeddedServer)
        assert server.admin.execute("SELECT 1").fetchone() == (1,)
        assert started() is server  # asking again waits for nothing
    assert server.process.poll() is not None
    assert _work_dirs() == before


def test_leaving_while_the_start_is_under_way_still_cleans_up() -> None:
    """Ctrl-C before the server was asked for: the start finishes, then the server stops."""
    before = _work_dirs()
    with pytest.raises(KeyboardInterrupt), server_starting("embedded"):
        raise KeyboardInterrupt
    assert _work_dirs() == before


def test_a_start_that_fails_raises_where_the_server_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(url.ENV_VAR, raising=False)
    # entering does not raise (the start is elsewhere): asking for the server does
    with (
        server_starting("url") as started,
        pytest.raises(MigcheckError, match="--pg-backend url needs --database-url"),
    ):
        started()


def test_bad_input_in_the_block_is_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error before the server is asked for is reported, not the start's."""
    monkeypatch.delenv(url.ENV_VAR, raising=False)
    with pytest.raises(MigcheckError, match="--rows: bad"), server_starting("url"):
        raise MigcheckError("--rows: bad")
