"""stdout carries the report and only the report; when it cannot, one line on stderr and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.hardening.helpers import (
    MACHINE_FORMATS,
    ROOT,
    assert_one_line_error,
    assert_parses,
    make_project,
    program,
)

#: commands that write a report to stdout (lint gets a SQL file to lint)
_COMMANDS = [
    ("lint", "--format", "json"),
    ("lint", "--format", "sarif"),
    ("lint",),
    ("rules",),
    ("explain", "MC101"),
]


def _args(command: tuple[str, ...], sql: Path) -> list[str]:
    return [*command, str(sql)] if command[0] == "lint" else list(command)


@pytest.fixture
def sql(tmp_path: Path) -> Path:
    target = tmp_path / "a.sql"
    target.write_text("CREATE INDEX ix ON t (a);\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("command", _COMMANDS, ids=" ".join)
def test_a_full_disk_is_one_line_and_exit_2(command: tuple[str, ...], sql: Path) -> None:
    with open("/dev/full", "w") as full:
        done = program(*_args(command, sql), stdout=full.fileno())
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "cannot write the report to stdout: No space left on device")


@pytest.mark.parametrize("command", _COMMANDS, ids=" ".join)
def test_a_closed_stdout_is_one_line_and_exit_2(command: tuple[str, ...], sql: Path) -> None:
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "migcheck", *_args(command, sql)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "stdout is closed")


@pytest.mark.parametrize("command", _COMMANDS, ids=" ".join)
def test_a_closed_pipe_ends_quietly(command: tuple[str, ...], sql: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte is written
    try:
        done = program(*_args(command, sql), stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (2, "")


#: module-level code of every revision: it prints, logs to the stdout it found and writes to fd 1
_NOISY = """\
import logging
import os
import sys

print("print at import")
_log = logging.getLogger("noisy")
_log.addHandler(logging.StreamHandler(sys.stdout))
_log.setLevel(logging.INFO)
_log.info("logger at import")
os.write(1, b"fd 1 at import\\n")
"""

_NOISY_UPGRADE = """\
print("print in upgrade")
_log.warning("logger in upgrade")
os.write(1, b"fd 1 in upgrade\\n")
op.create_index("ix", "t", ["a"])
"""


def _noisy_project(root: Path) -> Path:
    project = make_project(root, [("a1", _NOISY_UPGRADE)], preamble=_NOISY)
    env = project / "migrations" / "env.py"
    noise = 'import os\nprint("print in env.py")\nos.write(1, b"fd 1 in env.py\\n")\n'
    env.write_text(noise + env.read_text(encoding="utf-8"), encoding="utf-8")
    return project


@pytest.mark.parametrize(
    ("command", "fmt"),
    [
        *(("lint --alembic", fmt) for fmt in MACHINE_FORMATS),
        ("verify", "json"),
        ("verify", "junit"),
    ],
)
def test_stdout_carries_only_the_report_while_the_project_prints(
    command: str, fmt: str, tmp_path: Path
) -> None:
    project = _noisy_project(tmp_path)
    done = program(*command.split()[:1], "--format", fmt, *command.split()[1:], str(project))
    assert done.returncode == 1, done.stderr
    assert_parses(fmt, done.stdout)
    for noise in ("print at import", "logger at import", "fd 1 at import", "fd 1 in env.py"):
        assert noise not in done.stdout
        assert noise in done.stderr


@pytest.mark.parametrize("where", ["full", "closed pipe"])
def test_verify_report_that_cannot_be_written(where: str, tmp_path: Path) -> None:
    project = make_project(tmp_path, [("a1", 'op.create_table("t", sa.Column("id", sa.Integer))')])
    if where == "full":
        with open("/dev/full", "w") as full:
            done = program("verify", str(project), stdout=full.fileno())
        assert done.returncode == 2
        assert_one_line_error(done.stderr, "cannot write the report to stdout")
        return
    read, write = os.pipe()
    os.close(read)
    try:
        done = program("verify", str(project), stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (2, "")


@pytest.mark.parametrize(
    "command",
    [("--help",), ("--version",), ("lint", "--help"), ("init", "--dry-run")],
    ids=" ".join,
)
def test_other_output_to_a_full_disk_is_one_line_and_exit_2(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    args = (
        [*command, str(make_project(tmp_path, [("a1", "pass")]))] if "init" in command else command
    )
    with open("/dev/full", "w") as full:
        done = program(*args, stdout=full.fileno())
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "cannot write to stdout: No space left on device")
