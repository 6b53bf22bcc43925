"""The console entry point: exit codes for success, usage errors, bad input and Ctrl-C."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcheck import pg
from migcheck.cli import main


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return int(stopped.value.code or 0)


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--help"]) == 0
    assert "verify" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["doctor", "--no-such-option"]) == 2
    assert "No such option '--no-such-option'" in capsys.readouterr().err


def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["verify", "/nonexistent/project"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("migcheck: error: /nonexistent/project")
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(pg, "start_server", interrupted)
    assert _exit_code(["doctor"]) == 130
    err = capsys.readouterr().err
    assert "migcheck: interrupted" in err
    assert "Traceback" not in err
    assert "Aborted" not in err


@pytest.mark.parametrize("command", ["lint --alembic", "verify"])
@pytest.mark.parametrize(
    ("fixture", "where", "what"),
    [
        ("import_error", "a1_create_items.py:11", "KeyError"),
        ("missing_module", "a1_create_items.py:5", "ModuleNotFoundError"),
    ],
)
def test_a_revision_that_raises_on_import_is_named_with_its_line(
    command: str, fixture: str, where: str, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Path(__file__).parent.parent / "fixtures" / "verify" / fixture
    assert _exit_code([*command.split(), str(project)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("migcheck: error: migrations/versions/")
    assert f"{where}: cannot load revision: {what}" in line


@pytest.mark.parametrize("option", ["--enable", "--disable"])
def test_unknown_rule_names_the_option(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = tmp_path / "a.sql"
    sql.write_text("SELECT 1;\n")
    assert _exit_code(["lint", option, "MC999", str(sql)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"migcheck: error: {option}: unknown rule 'MC999' (see `migcheck rules`)"


def test_main_with_argv_never_freezes_the_heap(tmp_path: Path) -> None:
    """Only the program (main() without argv) may freeze: its process ends after the command."""
    import gc

    sql = tmp_path / "m.sql"
    sql.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    frozen = gc.get_freeze_count()
    assert _exit_code(["lint", str(sql)]) == 1
    assert gc.get_freeze_count() == frozen and gc.isenabled()
