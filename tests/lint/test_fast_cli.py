"""The click-free path of `migcheck lint`: same output and exit code as the click command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.lint.helpers import FIXTURES

from migcheck.cli import cli, main
from migcheck.cli.lint_command import LintArgs, parse

BAD = str(FIXTURES / "rules" / "MC101" / "bad.sql")
GOOD = str(FIXTURES / "rules" / "MC101" / "good.sql")
INFO = str(FIXTURES / "rules" / "MC503" / "bad.sql")


def fast(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(["lint", *argv])
    out, err = capsys.readouterr()
    code = stop.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.mark.parametrize(
    "argv",
    [
        [GOOD],
        [BAD],
        ["--format", "json", BAD],
        ["--format=sarif", BAD, GOOD],
        ["--fail-on", "never", BAD],
        ["--enable", "MC503", "--fail-on=info", INFO],
        ["--pg-version", "11", "--disable", "MC111", "--format", "github", BAD],
        [BAD, "--assume-in-transaction", "--format", "junit"],
        ["--enable", "no-such-rule", BAD],
        ["/no/such/file.sql"],
    ],
)
def test_fast_path_matches_click(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert parse(argv) is not None
    code, out, err = fast(argv, capsys)
    clicked = CliRunner().invoke(cli, ["lint", *argv])
    assert (code, out, err) == (clicked.exit_code, clicked.stdout, clicked.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["-h", BAD],
        ["--alembic", "."],
        ["--", BAD],
        ["--format", "yaml", BAD],
        ["--format"],
        ["--pg-version", "8", BAD],
        ["--pg-version", "+13", BAD],
        ["--fail-on", "-x", BAD],
        ["--config", ".", BAD],
        ["--name", "x", BAD],
        ["-x", "a=b", BAD],
    ],
)
def test_unusual_command_lines_go_to_click(argv: list[str]) -> None:
    assert parse(argv) is None


def test_parse_reads_every_fast_option() -> None:
    argv = ["--format=json", "a.sql", "--fail-on", "error", "--pg-version=14", "-"]
    argv += ["--enable", "MC501", "--enable=MC502", "--disable", "MC111", "--config", "p.toml"]
    argv += ["--assume-in-transaction"]
    assert parse(argv) == LintArgs(
        paths=("a.sql", "-"),
        fmt="json",
        fail_on="error",
        pg_version=14,
        enable=("MC501", "MC502"),
        disable=("MC111",),
        assume_in_transaction=True,
        config="p.toml",
    )


def test_plain_lint_run_does_not_import_click() -> None:
    code = (
        "import sys\n"
        "from migcheck.cli import main\n"
        "try:\n"
        f"    main(['lint', '--format', 'json', {BAD!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(repr('click' in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_help_still_goes_through_click() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--assume-in-transaction" in done.stdout


def test_no_such_file_from_the_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", str(tmp_path / "x.sql")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == f"migcheck: error: {tmp_path / 'x.sql'}: no such file or directory\n"
