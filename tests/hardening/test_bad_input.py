"""Bad input of every kind: one line on stderr and exit 2, or a finding; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.hardening.helpers import MACHINE_FORMATS, assert_parses, make_project

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
