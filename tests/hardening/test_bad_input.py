"""Bad input of every kind: one line on stderr and exit 2, or a finding; never a traceback."""

from __future__ import annotations

import io
import json
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

from migcheck.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


def _case(depth: int) -> str:
    text = "1"
    for _ in range(depth):
        text = f"CASE WHEN x THEN {text} ELSE 0 END"
    return f"SELECT {text} FROM t"


def _subqueries(depth: int) -> str:
    text = "SELECT 1"
    for level in range(depth):
        text = f"SELECT * FROM ({text}) AS t{level}"
    return text


#: the nested statements of the issue, each deeper than orjson's 1024 levels of JSON
NESTED = {
    "concat-508": "SELECT " + " || ".join(["'a'"] * 508),
    "union-all-1013": " UNION ALL ".join(["SELECT 1"] * 1013),
    "subqueries-145": _subqueries(145),
    "case-203": _case(203),
}


@pytest.mark.parametrize("fmt", ["text", *MACHINE_FORMATS])
@pytest.mark.parametrize("shape", sorted(NESTED))
def test_nested_sql_in_a_file_lints(
    shape: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nested.sql"
    target.write_text(f"{NESTED[shape]};\nCREATE INDEX ix ON t (a);\n", encoding="utf-8")
    code, out, err = _run(["lint", "--format", fmt, str(target)], capsys)
    assert (code, err) == (1, "")
    if fmt != "text":
        assert_parses(fmt, out)
    assert "MC101" in out
    if fmt != "sarif":  # SARIF lists every rule, MC000 among them
        assert "MC000" not in out


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_nested_sql_in_op_execute_lints(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade = f'op.execute("{NESTED[shape]}")\nop.create_index("ix", "t", ["a"])\n'
    project = make_project(tmp_path, [("a1", upgrade)])
    code, out, err = _run(["lint", "--format", "json", "--alembic", str(project)], capsys)
    assert (code, err) == (1, "")
    found = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    assert ("MC101", 13) in found
    assert not [rule for rule, _ in found if rule == "MC000"]


def test_nesting_postgresql_itself_refuses_is_a_parse_error_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL's parser gives up on 3000 nested CASE: a finding on its line, as the server."""
    target = tmp_path / "deeper.sql"
    target.write_text(f"{_case(3000)};\nCREATE INDEX ix ON t (a);\n", encoding="utf-8")
    code, out, err = _run(["lint", "--format", "json", str(target)], capsys)
    assert (code, err) == (1, "")
    found = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    assert {("MC000", 1), ("MC101", 2)} <= found


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        (b"tool = 5\n", "tool must be a table ([tool.migcheck]), not 5"),
        (
            b'[tool.migcheck]\ndisable = ["MC1O1"]\n',
            "disable: unknown rule 'MC1O1' (did you mean MC101?)",
        ),
        (
            b'[tool.migcheck]\nenable = ["mc5o1"]\n',
            "enable: unknown rule 'mc5o1' (did you mean MC501?)",
        ),
        (
            b'[tool.migcheck.severity]\nMC1O5 = "info"\n',
            "severity: unknown rule 'MC1O5' (did you mean MC105?)",
        ),
        (b"[tool.migcheck]\npg-version = 0\n", "pg-version must be from 9 to 99, not 0"),
        (b"[tool.migcheck]\npg-version = 160\n", "pg-version must be from 9 to 99, not 160"),
        (b'[tool.migcheck]\npg-version = "x"\n', "pg-version must be a whole number, not 'x'"),
        (b'[tool.migcheck]\nlock-timeout = "2 sec"\n', "lock-timeout must be a duration like"),
        (b'[tool.migcheck]\nstatement-timeout = "-1s"\n', "statement-timeout must be a duration"),
        (b"[tool.migcheck]\nlock-timeout = true\n", "lock-timeout must be a duration"),
        (
            b"[tool.migcheck]\nbackfill-batch-size = 0\n",
            "backfill-batch-size must be at least 1, not 0",
        ),
        (b"# caf\xe9\n[tool.migcheck]\n", "cannot read: not UTF-8 (byte 0xe9 at offset 5)"),
    ],
)
def test_bad_settings_name_the_file_and_key(
    pyproject: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_bytes(pyproject)
    target = tmp_path / "a.sql"
    target.write_text("SELECT 1;\n", encoding="utf-8")
    code, out, err = _run(["lint", str(target)], capsys)
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(tmp_path / "pyproject.toml"), expected)


def test_good_settings_with_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '[tool.migcheck]\ndisable = ["MC101"]\nlock-timeout = "500 ms"\nretries = 0\n'
    (tmp_path / "pyproject.toml").write_bytes(b"\xef\xbb\xbf" + settings.encode())
    target = tmp_path / "a.sql"
    target.write_text("CREATE INDEX ix ON t (a);\n", encoding="utf-8")
    code, out, err = _run(["lint", "--format", "json", str(target)], capsys)
    assert (code, err) == (1, "")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["MC111"]


@pytest.mark.parametrize("stdin", [False, True])
def test_a_byte_order_mark_before_the_first_statement(
    stdin: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\ufeffCREATE INDEX ix ON t (a);\n"
    target = tmp_path / "bom.sql"
    target.write_text(text, encoding="utf-8")
    if stdin:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = _run(["lint", "--format", "json", "-" if stdin else str(target)], capsys)
    assert (code, err) == (1, "")
    found = [(f["rule"], f["line"], f["column"]) for f in json.loads(out)["findings"]]
    assert found == [("MC101", 1, 1), ("MC111", 1, 1)]


@pytest.mark.parametrize("command", ["lint --alembic", "verify"])
@pytest.mark.parametrize(
    ("ini", "expected"),
    [
        (
            b"\xef\xbb\xbf[alembic]\n",
            "starts with a UTF-8 byte order mark, which Alembic cannot read",
        ),
        (b"# caf\xe9\n[alembic]\n", "cannot read: not utf-8 (byte 0xe9 at offset 5)"),
    ],
)
def test_unreadable_alembic_ini(
    command: str, ini: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, [("a1", "pass")])
    (project / "alembic.ini").write_bytes(ini + b"script_location = migrations\n")
    code, out, err = _run([*command.split(), str(project)], capsys)
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(project / "alembic.ini"), expected)


@pytest.mark.parametrize("name", ["", "1URL", "DATABASE-URL", "A=B"])
def test_url_env_must_be_a_variable_name(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, [("a1", "pass")])
    code, out, err = _run(["verify", "--url-env", name, str(project)], capsys)
    assert (code, out) == (2, "")
    assert_one_line_error(err, f"--url-env {name!r}: not an environment variable name")


@pytest.mark.parametrize("kind", ["file", "uncreatable"])
def test_cache_dir_that_cannot_be_a_directory(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    if kind == "file":
        cache.write_text("not a directory\n", encoding="utf-8")
    else:
        (tmp_path / "parent").write_text("a file\n", encoding="utf-8")
        cache = tmp_path / "parent" / "cache"
    monkeypatch.setenv("MIGCHECK_CACHE_DIR", str(cache))
    code, _out, err = _run(["doctor", "--pg-backend", "embedded"], capsys)
    assert code == 2
    assert_one_line_error(err, f"MIGCHECK_CACHE_DIR={cache}")


def test_nested_sql_in_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The statements verify captures and lints are parsed by the same depth-proof decoder."""
    upgrades = [
        (f"r{index}", f'op.execute("{NESTED[shape]}")'.replace("FROM t", "FROM (SELECT true x) t"))
        for index, shape in enumerate(NESTED)
    ]
    project = make_project(tmp_path, upgrades)
    code, out, err = _run(["verify", "--format", "json", str(project)], capsys)
    assert code == 0, out
    assert "Traceback" not in err
    assert json.loads(out)["ok"] is True


@pytest.mark.parametrize("command", ["lint --alembic", "verify"])
def test_duplicate_revision_ids_name_both_files(command: str, tmp_path: Path) -> None:
    project = make_project(tmp_path, [("a1", "pass"), ("a2", "pass")])
    versions = project / "migrations" / "versions"
    copy = (versions / "0001_a2.py").read_text(encoding="utf-8")
    (versions / "0002_again.py").write_text(copy.replace("Revises", "Again"), encoding="utf-8")
    done = program(*command.split(), str(project))
    assert done.returncode == 2
    assert_one_line_error(
        done.stderr,
        "revision 'a2' is defined by more than one file",
        "migrations/versions/0001_a2.py, migrations/versions/0002_again.py",
    )


def test_sys_exit_in_a_revision_fails_that_revision_in_verify(tmp_path: Path) -> None:
    project = make_project(tmp_path, [("a1", "import sys\nsys.exit(3)")])
    done = program("verify", "--format", "json", str(project))
    assert (done.returncode, done.stderr) == (1, "")
    assert "SystemExit" in done.stdout


@pytest.mark.parametrize("command", ["lint --alembic", "verify"])
def test_a_down_revision_no_file_defines_names_the_file(command: str, tmp_path: Path) -> None:
    project = make_project(tmp_path, [("a1", "pass"), ("a2", "pass")])
    second = project / "migrations" / "versions" / "0001_a2.py"
    second.write_text(second.read_text().replace("down_revision = 'a1'", "down_revision = 'a0'"))
    done = program(*command.split(), str(project))
    assert done.returncode == 2
    assert_one_line_error(
        done.stderr, "migrations/versions/0001_a2.py: revises 'a0', which no revision file defines"
    )


def test_a_pipe_is_read_like_a_file(tmp_path: Path) -> None:
    """``migcheck lint <(git show HEAD:a.sql)``: the path is a pipe, not a regular file."""
    fifo = tmp_path / "pipe.sql"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        [sys.executable, "-m", "migcheck", "lint", "--format", "json", str(fifo)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with open(fifo, "w", encoding="utf-8") as writer:
        writer.write("CREATE INDEX ix ON t (a);\n")
    out, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (1, "")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["MC101", "MC111"]
