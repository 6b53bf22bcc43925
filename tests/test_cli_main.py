"""The console entry point: exit codes for success, usage errors, bad input and Ctrl-C."""

from __future__ import annotations

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
