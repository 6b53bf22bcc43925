"""Revisions that raise while rendered offline: MC405, MC002, what is kept, and coverage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from tests.lint.helpers import FIXTURES

from migcheck.alembic_project.offline import capture_project
from migcheck.cli import cli
from migcheck.config import Settings
from migcheck.lint.entry import lint_alembic
from migcheck.result import Finding
from migcheck.sql.facts import Kind, UnnamedConstraintDrop

UNNAMED = FIXTURES / "lint" / "alembic_unnamed"


def _findings(**kwargs: str) -> list[Finding]:
    return lint_alembic(str(UNNAMED), Settings(), **kwargs).findings  # type: ignore[arg-type]


def _where(findings: list[Finding], rule: str) -> list[tuple[str, int, int]]:
    return sorted(
        (Path(f.location.path).name, f.location.line, f.location.column)
        for f in findings
        if f.rule == rule
    )


def test_unnamed_drops_are_reported_on_the_op_line_in_upgrade_and_downgrade() -> None:
    findings = _findings()
    assert _where(findings, "MC405") == [("r2.py", 19, 5), ("r3.py", 14, 5)]
    assert {f.rule for f in findings}.isdisjoint({"MC000", "MC001"})
    down = next(f for f in findings if f.rule == "MC405" and f.location.path.endswith("r2.py"))
    assert down.message.startswith("downgrade() drops a foreign key on package without naming")
    assert "it has no name" in down.message and "ReadOnlyColumnCollection" not in down.message
    assert "package_revision_id_fkey" in down.fix
    assert down.statement == 'op.drop_constraint(None, "package", type_="foreignkey")'
    batch = next(f for f in findings if f.rule == "MC405" and f.location.path.endswith("r3.py"))
    assert batch.message.startswith("upgrade() drops a unique constraint on package")


def test_a_revision_that_needs_a_connection_is_mc002_on_the_raising_line() -> None:
    (finding,) = [f for f in _findings() if f.rule == "MC002"]
    assert (Path(finding.location.path).name, finding.location.line) == ("r4.py", 15)
    assert finding.severity.label == "warning"
    assert "Revision r4 cannot be rendered offline" in finding.message
    assert "in upgrade() raised No inspection system" in finding.message
    assert "context.is_offline_mode()" in finding.fix


def test_downgrades_are_rendered_only_for_selected_revisions() -> None:
    assert _where(_findings(start="r3"), "MC405") == [("r3.py", 14, 5)]


def test_capture_kinds() -> None:
    captured = capture_project(UNNAMED)
    kinds = {(s.revision, s.kind.value) for s in captured.statements}
    assert ("r2", "unnamed_constraint_drop") in kinds
    assert ("r4", "render_error") in kinds
    assert not any(s.kind is Kind.ERROR for s in captured.statements)
    drop = next(s for s in captured.statements if isinstance(s, UnnamedConstraintDrop))
    assert (drop.table, drop.constraint_type, drop.function) == (
        "package",
        "foreignkey",
        "downgrade",
    )


PARTIAL = FIXTURES / "lint" / "alembic_partial"


def test_a_failed_rendering_keeps_what_it_rendered_before_the_raising_line() -> None:
    report = lint_alembic(str(PARTIAL), Settings())
    found = {(Path(f.location.path).name, f.location.line, f.rule) for f in report.findings}
    # p2 line 15 (before the loop that needs a connection) is checked; its MC002 follows it
    assert {("p2.py", 15, "MC101"), ("p2.py", 16, "MC002")} <= found
    # the revision after it is rendered and checked too; nothing after the raising line is
    assert ("p3.py", 13, "MC105") in found
    assert not any(name == "p2.py" and line > 16 for name, line, _ in found)
    captured = capture_project(PARTIAL)
    p2 = [s for s in captured.statements if s.revision == "p2"]
    assert [s.kind for s in p2 if not s.internal][-1] is Kind.RENDER_ERROR
    assert [s.kind for s in p2 if s.internal][-1] is Kind.COMMIT  # the transaction it began ends
    assert captured.unrendered == ["p2"]


def test_coverage_is_reported_in_text_and_json() -> None:
    report = lint_alembic(str(PARTIAL), Settings())
    assert report.coverage is not None
    assert (report.coverage.revisions, report.coverage.checked) == (3, 2)
    assert [entry.revision for entry in report.coverage.unchecked] == ["p2"]
    text = CliRunner().invoke(cli, ["lint", "--alembic", str(PARTIAL)])
    assert text.exit_code == 1
    last = text.output.splitlines()[-1]
    assert last.startswith("2 of 3 revisions checked; not checked: p2 (")
    assert "): raised while rendering offline (MC002): only its statements before" in last
    assert last.endswith("not the rest nor its downgrade")
    document = json.loads(
        CliRunner().invoke(cli, ["lint", "--alembic", str(PARTIAL), "--format", "json"]).output
    )
    coverage = document["coverage"]
    assert (coverage["total"], coverage["checked"]) == (3, 2)
    assert coverage["unchecked"][0]["revision"] == "p2"
    assert coverage["unchecked"][0]["path"].endswith(".py")
    assert "rendering offline" in coverage["unchecked"][0]["reason"]
    clean = json.loads(
        CliRunner()
        .invoke(cli, ["lint", "--alembic", str(UNNAMED), "--from", "r5", "--format", "json"])
        .output
    )
    assert clean["coverage"] == {"total": 1, "checked": 1, "unchecked": []}


def test_an_env_py_that_renders_nothing_offline_is_an_error_not_a_pass() -> None:
    project = FIXTURES / "lint" / "alembic_offline_noop"
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(project)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("migcheck: error: ")
    assert "env.py rendered none of the 1 revisions" in result.output
    assert "nothing was checked" in result.output


def test_a_history_of_which_no_statement_was_checked_is_an_error(tmp_path: Path) -> None:
    project = tmp_path / "all_live"
    shutil.copytree(FIXTURES / "lint" / "alembic_partial", project)
    versions = project / "migrations" / "versions"
    for name in ("p2.py", "p3.py"):
        (versions / name).unlink()
    p1 = versions / "p1.py"
    p1.write_text(
        p1.read_text().replace(
            "def upgrade() -> None:\n",
            "def upgrade() -> None:\n"
            "    if 'users' in sa.inspect(op.get_bind()).get_table_names():\n"
            "        return\n",
        )
    )
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(project)])
    assert result.exit_code == 2, result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"migcheck: error: {project}: 0 statements checked in 1 revisions")
    assert "raised while rendering offline before any statement: p1)" in line
    assert "nothing was checked" in line
