"""Every fixtures/rules/<ID>/bad*.sql raises exactly that rule; every good*.sql raises nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.lint.helpers import FIXTURES, settings_for

from migcheck.lint import lint_paths
from migcheck.rules.registry import all_rules

RULES_DIR = FIXTURES / "rules"
SNAPSHOT = Path(__file__).with_name("snapshots") / "rules.json"
CASES = sorted(RULES_DIR.glob("MC*/*.sql"))


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


def test_every_rule_has_good_and_bad_fixtures() -> None:
    for rule in all_rules():
        names = [p.name for p in (RULES_DIR / rule.id).glob("*.sql")]
        assert any(n.startswith("bad") for n in names), rule.id
        assert any(n.startswith("good") for n in names), rule.id


def test_snapshot() -> None:
    """Messages, lines and columns of every fixture; MIGCHECK_UPDATE_SNAPSHOTS=1 rewrites it."""
    current = {f"{p.parent.name}/{p.name}": _findings(p) for p in CASES}
    if os.environ.get("MIGCHECK_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert json.loads(SNAPSHOT.read_text("utf-8")) == current
