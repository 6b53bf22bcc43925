"""Rule metadata and the generated docs/rules pages stay in sync with the docstrings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.lint.helpers import ROOT

from migcheck.cli import cli
from migcheck.config import Settings
from migcheck.lint.entry import lint_paths
from migcheck.rules.docs import generate
from migcheck.rules.registry import all_rules

SECTIONS = ("## What it does", "## Why is this bad", "## Example", "## Use instead")


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_metadata(rule: object) -> None:
    from migcheck.rules.base import Rule

    assert isinstance(rule, Rule)
    assert re.fullmatch(r"MC\d{3}", rule.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    positions = [rule.doc.find(section) for section in SECTIONS]
    assert all(p > 0 for p in positions), rule.id
    assert positions == sorted(positions), rule.id
    instead = rule.doc[positions[-1] :]
    assert "```sql" in instead or rule.id == "MC001", rule.id
    assert "op." in instead or "Alembic" in instead, rule.id
    assert rule.opt_in == rule.id.startswith("MC5")


def test_ids_and_names_unique() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)


def test_docs_are_in_sync() -> None:
    """Run `python -m migcheck.rules.docs` after changing a rule docstring."""
    directory = ROOT / "docs" / "rules"
    generated = generate()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in directory.glob("*.md")}
    assert on_disk == generated


def test_explain_prints_the_page() -> None:
    result = CliRunner().invoke(cli, ["explain", "mc105"])
    assert result.exit_code == 0
    assert result.output == generate()["MC105.md"]
    by_name = CliRunner().invoke(cli, ["explain", "set-not-null-scans-table"])
    assert by_name.output == result.output


def test_explain_unknown_rule_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["explain", "MC999"])
    assert result.exit_code == 2
    assert "unknown rule 'MC999'" in result.output


def test_rules_lists_every_rule() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(all_rules())
    assert lines[0].startswith("MC000  parse-error")
    assert "(opt-in)" in next(line for line in lines if line.startswith("MC501"))


#: rules whose "Use instead" keeps the flagged statement (done later, or in a maintenance window)
KEEPS_THE_STATEMENT = {"MC117", "MC119", "MC202", "MC208", "MC301", "MC302"}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_documented_safe_recipes_are_clean(rule: object, tmp_path: Path) -> None:
    from migcheck.rules.base import Rule

    assert isinstance(rule, Rule)
    instead = rule.doc[rule.doc.index("## Use instead") :]
    blocks = re.findall(r"```sql\n(.*?)```", instead, re.S)
    target = tmp_path / "recipe.sql"
    target.write_text("\n".join(blocks), encoding="utf-8")
    findings = lint_paths([str(target)], Settings(enable=frozenset({rule.id}))).findings
    allowed = {rule.id} if rule.id in KEEPS_THE_STATEMENT else set()
    assert {f.rule for f in findings} <= allowed, [f.message for f in findings]
