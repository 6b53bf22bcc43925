"""stdout carries the report and only the report; when it cannot, one line on stderr and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.hardening.helpers import ROOT, assert_one_line_error, program

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
