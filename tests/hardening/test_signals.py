"""Real signals to real child processes, and env.py calling sys.exit(): one line, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.hardening.helpers import ROOT, assert_one_line_error, make_project, program

_SLEEPING_ENV = """\
import os
import pathlib
import time

pathlib.Path(os.environ["HARDENING_MARKER"]).write_text("env.py runs", encoding="utf-8")
time.sleep(600)
"""

_EXPECTED = {
    signal.SIGINT: "migcheck: interrupted",
    signal.SIGTERM: "migcheck: interrupted by SIGTERM",
    signal.SIGHUP: "migcheck: interrupted by SIGHUP",
}


@pytest.mark.parametrize("command", ["lint --alembic", "verify"])
@pytest.mark.parametrize("signum", sorted(_EXPECTED), ids=lambda s: signal.Signals(s).name)
def test_a_signal_while_env_py_runs_prints_interrupted(
    command: str, signum: int, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "project", [("a1", "pass")], env=_SLEEPING_ENV)
    marker = tmp_path / "marker"
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HARDENING_MARKER": str(marker)}
    child = subprocess.Popen(
        [sys.executable, "-m", "migcheck", *command.split(), str(project)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not marker.exists() and child.poll() is None:
            time.sleep(0.05)
        assert child.poll() is None, child.communicate()
        child.send_signal(signum)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 128 + signum, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == _EXPECTED[signal.Signals(signum)]
    assert out == ""


@pytest.mark.parametrize("call", ["sys.exit(3)", "os._exit(0)"])
@pytest.mark.parametrize(
    ("command", "where"),
    [("lint --alembic", "env.py"), ("verify", "env.py"), ("lint --alembic", "revision")],
)
def test_sys_exit_in_project_code_is_one_line_naming_the_file(
    command: str, where: str, call: str, tmp_path: Path
) -> None:
    """Neither exit code 3 with no message nor, for os._exit(0), a pass having checked nothing."""
    code = f"import os, sys\n{call}"
    project = make_project(tmp_path, [("a1", code if where == "revision" else "pass")])
    if where == "env.py":
        env = project / "migrations" / "env.py"
        env.write_text(code + "\n" + env.read_text(encoding="utf-8"))
    done = program(*command.split(), str(project))
    assert done.returncode == 2, done.stderr
    assert_one_line_error(
        done.stderr, "migrations/env.py" if where == "env.py" else "0000_a1.py:13"
    )
    assert done.stdout == ""
    if command.startswith("lint"):
        assert f"called {call}" in done.stderr
