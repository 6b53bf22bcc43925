"""Every fixtures/rules/<ID>/bad*.sql raises exactly that rule; every good*.sql raises nothing.

Rules that only Alembic revisions can raise (MC002, MC405) have small Alembic projects instead:
``fixtures/rules/<ID>/bad*/alembic.ini`` and ``good*/alembic.ini``. A fixture may start with the
comment headers of :mod:`tests.lint.headers` (``-- pg-version: 14``).

The findings of each rule's fixtures (message, line, column) are kept in one snapshot per rule,
``tests/rules/snapshots/<ID>.json``. After a deliberate change of a message, rewrite them with
``MIGCHECK_UPDATE_SNAPSHOTS=1 pytest tests/rules/test_rule_fixtures.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.lint.helpers import FIXTURES, settings_for

from migcheck.config import Settings
from migcheck.lint.entry import lint_alembic, lint_paths
from migcheck.rules.registry import all_rules

RULES_DIR = FIXTURES / "rules"
SNAPSHOTS = Path(__file__).with_name("snapshots")
CASES = sorted(RULES_DIR.glob("MC*/*.sql"))
PROJECTS = sorted(p.parent for p in RULES_DIR.glob("MC*/*/alembic.ini"))


def _findings(path: Path) -> list[dict[str, object]]:
    rule_id = path.parent.name
    report = lint_paths([str(path)], settings_for(path, enable=rule_id))
    return [
        {"rule": f.rule, "line": f.location.line, "column": f.location.column, "message": f.message}
        for f in report.findings
    ]


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rules = {f["rule"] for f in _findings(path)}
    if path.name.startswith("bad"):
        assert rules == {path.parent.name}
    else:
        assert rules == set()


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_alembic_fixture(project: Path) -> None:
    report = lint_alembic(str(project), Settings())
    rules = {f.rule for f in report.findings}
    if project.name.startswith("bad"):
        assert rules == {project.parent.name}
    else:
        assert rules == set()


def test_every_rule_has_good_and_bad_fixtures() -> None:
    for rule in all_rules():
        directory = RULES_DIR / rule.id
        names = [p.name for p in directory.glob("*.sql")]
        names += [p.parent.name for p in directory.glob("*/alembic.ini")]
        assert any(n.startswith("bad") for n in names), rule.id
        assert any(n.startswith("good") for n in names), rule.id


#: rules with SQL fixtures, each with its snapshot
SNAPSHOT_RULES = sorted({p.parent.name for p in CASES})


@pytest.mark.parametrize("rule_id", SNAPSHOT_RULES)
def test_snapshot(rule_id: str) -> None:
    """Messages, lines and columns of the rule's fixtures match ``snapshots/<ID>.json``."""
    current = {p.name: _findings(p) for p in CASES if p.parent.name == rule_id}
    snapshot = SNAPSHOTS / f"{rule_id}.json"
    if os.environ.get("MIGCHECK_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert snapshot.exists(), f"no {snapshot.name}: run with MIGCHECK_UPDATE_SNAPSHOTS=1"
    assert json.loads(snapshot.read_text("utf-8")) == current


def test_no_stray_snapshots() -> None:
    """Every snapshot file belongs to a rule with SQL fixtures (a renamed rule leaves none)."""
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.json")) == SNAPSHOT_RULES
