"""Rule metadata and the generated docs/rules pages stay in sync with the docstrings."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from tests.lint.helpers import ROOT

from migcheck.cli import cli
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
