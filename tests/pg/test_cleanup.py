"""Cleanup is part of the contract: no server process or temp dir survives migcheck.

Each test runs a real child process that starts an embedded server, reports its postmaster pid
and directory, then ends in one of the ways a run can end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = r"""
import json, sys, time
from migcheck.pg import start_server
how = sys.argv[1]
with start_server("embedded") as server:
    server.create_database()
    print(json.dumps({"pid": server.process.pid, "dir": str(server.workdir),
                      "reaper": server.reaper.pid}), flush=True)
    if how == "raise":
        raise RuntimeError("boom")
    if how == "return":
        sys.exit(0)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def _gone(info: dict[str, object], within: float = 60.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        pids = [int(str(info["pid"])), int(str(info["reaper"]))]
        if not any(_alive(p) for p in pids) and not Path(str(info["dir"])).exists():
            return True
        time.sleep(0.05)
    return False


def _start(how: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, how],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        child.wait(timeout=30)
        pytest.fail(f"child did not start a server: {child.stderr.read() if child.stderr else ''}")
    info = json.loads(line)
    assert _alive(int(info["pid"]))
    assert Path(info["dir"]).is_dir()
    return child, info


@pytest.mark.parametrize("how", ["return", "raise"])
def test_cleanup_on_exit_and_exception(how: str) -> None:
    child, info = _start(how)
    code = child.wait(timeout=30)
    assert code == (0 if how == "return" else 1)
    assert _gone(info)


@pytest.mark.parametrize(
    ("sig", "expected"),
    [
        (signal.SIGINT, -signal.SIGINT),
        (signal.SIGTERM, 128 + signal.SIGTERM),
        (signal.SIGHUP, 128 + signal.SIGHUP),
    ],
)
def test_cleanup_on_signal(sig: signal.Signals, expected: int) -> None:
    child, info = _start("wait")
    child.send_signal(sig)
    assert child.wait(timeout=30) == expected
    assert _gone(info)


def test_reaper_cleans_up_after_sigkill() -> None:
    child, info = _start("wait")
    child.kill()
    child.wait(timeout=30)
    assert _gone(info)
