"""Revisions that raise while rendered offline: MC405 for unnamed constraint drops, MC002 else."""

from __future__ import annotations

from pathlib import Path

from tests.lint.helpers import FIXTURES

from migcheck.alembic_project.offline import capture_project
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
