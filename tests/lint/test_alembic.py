"""`migcheck lint --alembic`: capture through env.py, op-line mapping, transactions, selection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.lint.helpers import FIXTURES

from migcheck.alembic_project.offline import capture_project
from migcheck.cli import cli
from migcheck.config import Settings
from migcheck.lint.entry import lint_alembic
from migcheck.sql.facts import Kind

BASIC = FIXTURES / "lint" / "alembic_basic"
TXN = FIXTURES / "lint" / "alembic_txn"


def found(project: Path, **kwargs: str | None) -> list[tuple[str, str, int]]:
    report = lint_alembic(str(project), Settings(), **kwargs)  # type: ignore[arg-type]
    return sorted((f.rule, Path(f.location.path).name, f.location.line) for f in report.findings)


def test_basic_project_findings_map_to_op_lines() -> None:
    assert found(BASIC) == [
        ("MC001", "0002_unsafe.py", 21),
        ("MC101", "0002_unsafe.py", 16),
        ("MC105", "0002_unsafe.py", 19),
        ("MC109", "0002_unsafe.py", 18),
        ("MC111", "0002_unsafe.py", 16),
        ("MC112", "0002_unsafe.py", 18),
        ("MC302", "0002_unsafe.py", 21),
    ]


def test_prior_schema_and_existing_type() -> None:
    """varchar(50)→(200) is free (known from 0001); bigint→integer rewrites (existing_type)."""
    report = lint_alembic(str(BASIC), Settings())
    type_findings = [f for f in report.findings if f.rule == "MC109"]
    assert len(type_findings) == 1
    assert "orders.user_id to integer" in type_findings[0].message
    assert "from bigint" in type_findings[0].message


def test_new_tables_are_exempt_and_safe_recipes_are_clean() -> None:
    assert found(BASIC, start="0003") == []
    assert found(BASIC, end="0001") == []


def test_transaction_structure_is_alembics() -> None:
    assert found(TXN) == [
        ("MC002", "a3_offline_fails.py", 16),
        ("MC103", "a2_concurrently.py", 15),
        ("MC401", "a2_concurrently.py", 17),
    ]


def test_capture_keeps_transaction_markers_and_internal_statements() -> None:
    captured = capture_project(TXN, end="a2")
    kinds = [(s.revision, s.kind.value, s.internal) for s in captured.statements]
    assert ("a1", "begin", True) in kinds
    assert ("a2", "create_index", False) in kinds
    assert all(s.internal for s in captured.statements if "alembic_version" in s.text)
    index = next(s for s in captured.statements if s.kind is Kind.CREATE_INDEX)
    assert index.path.endswith("a2_concurrently.py")
    assert (index.line, index.column) == (15, 5)


def test_autocommit_block_is_outside_the_transaction() -> None:
    captured = capture_project(TXN, start="a4")
    assert captured.selected == {"a4"}
    a4 = [s.kind.value for s in captured.statements if s.revision == "a4"]
    assert a4 == [
        "begin",
        "commit",
        "alter_enum",
        "drop_index",
        "create_index",
        "begin",
        "update",
        "update",
        "commit",
    ]


def test_changed_since(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(BASIC, project)
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=project, check=True)
    assert found(project, changed_since="HEAD") == []
    revision = project / "migrations" / "versions" / "0003_safe.py"
    revision.write_text(
        revision.read_text().replace(
            '    op.add_column("users"', '    op.drop_table("users")\n    op.add_column("users"'
        )
    )
    assert [r for r, _, _ in found(project, changed_since="HEAD")] == ["MC301"]


def test_changed_since_bad_ref_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["lint", "--alembic", str(BASIC), "--changed-since", "no-such-ref-xyz"]
    )
    assert result.exit_code == 2
    assert "--changed-since no-such-ref-xyz" in result.output


def test_cli_json_and_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(BASIC), "--format", "json"])
    assert result.exit_code == 1
    paths = {f["path"] for f in json.loads(result.output)["findings"]}
    assert all(p.endswith("0002_unsafe.py") for p in paths)
    missing = CliRunner().invoke(cli, ["lint", "--alembic", str(tmp_path)])
    assert missing.exit_code == 2 and "no alembic.ini" in missing.output
    unknown = CliRunner().invoke(cli, ["lint", "--alembic", str(BASIC), "--from", "zzz"])
    assert unknown.exit_code == 2 and "zzz" in unknown.output


@pytest.mark.parametrize("revision", ["0002"])
def test_suppression_on_the_op_line(revision: str) -> None:
    report = lint_alembic(str(BASIC), Settings(), start=revision, end=revision)
    assert "MC118" not in {f.rule for f in report.findings}
    unused = [f for f in report.findings if f.rule == "MC001"]
    assert [(f.location.line, "MC999" in f.message) for f in unused] == [(21, True)]


def test_branches_and_merge_points_are_each_linted_once() -> None:
    project = FIXTURES / "lint" / "alembic_branches"
    assert found(project) == [
        ("MC101", "b2_right.py", 15),
        ("MC111", "b2_left.py", 16),
        ("MC111", "b2_right.py", 15),
        ("MC111", "b3_merge.py", 15),
        ("MC201", "b2_left.py", 16),
        ("MC202", "b3_merge.py", 15),
    ]


def test_env_py_that_cannot_run_offline_falls_back_to_alembics_environment(
    tmp_path: Path,
) -> None:
    project = tmp_path / "online_only"
    shutil.copytree(BASIC, project)
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text().replace("if context.is_offline_mode():", "if False:"))
    notes: list[str] = []
    report = lint_alembic(str(project), Settings(), notes=notes)
    assert len(notes) == 1 and "env.py cannot run offline" in notes[0]
    rules = sorted((f.rule, f.location.line) for f in report.findings)
    assert rules == sorted((rule, line) for rule, _, line in found(BASIC))
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(project), "--format", "json"])
    assert result.exit_code == 1
    assert "migcheck: note: " in result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == len(rules)


def test_relative_script_location_and_sys_path_work_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "relative"
    shutil.copytree(BASIC, project)
    ini = project / "alembic.ini"
    ini.write_text(
        ini.read_text()
        .replace("%(here)s/migrations", "migrations")
        .replace("[alembic]\n", "[alembic]\nprepend_sys_path = .\npath_separator = os\n")
    )
    (project / "helpers_for_env.py").write_text("VALUE = 1\n")
    env = project / "migrations" / "env.py"
    env.write_text("import helpers_for_env  # noqa: F401\n" + env.read_text())
    monkeypatch.chdir(tmp_path)
    notes: list[str] = []
    report = lint_alembic("relative", Settings(), notes=notes)
    assert notes == []
    assert {f.location.path for f in report.findings} == {
        os.path.join("relative", "migrations", "versions", "0002_unsafe.py")
    }


def test_lock_timeout_set_by_env_py_online_counts(tmp_path: Path) -> None:
    project = tmp_path / "with_timeout"
    shutil.copytree(BASIC, project)
    env = project / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "    with connectable.connect() as connection:\n",
            "    with connectable.connect() as connection:\n"
            "        connection.exec_driver_sql(\"SET lock_timeout = '2s'\")\n",
        )
    )
    notes: list[str] = []
    report = lint_alembic(str(project), Settings(), notes=notes)
    assert "MC111" not in {f.rule for f in report.findings}
    assert "MC101" in {f.rule for f in report.findings}
    assert notes == ["env.py sets lock_timeout for its session: every revision runs with it"]


def test_rules_added_for_the_squawk_comparison_map_to_op_lines() -> None:
    """Enum value rename, domain CHECK, ADD COLUMN with CHECK, blocking refresh; a view, type and
    domain created in the first revision are exempt there and known afterwards."""
    assert found(FIXTURES / "lint" / "alembic_more") == [
        ("MC104", "0002_unsafe.py", 19),
        ("MC121", "0002_unsafe.py", 18),
        ("MC123", "0003_refresh.py", 16),
        ("MC206", "0002_unsafe.py", 17),
    ]
