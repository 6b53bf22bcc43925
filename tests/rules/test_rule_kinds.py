"""Rules name only statement kinds the extractor produces, and read them as the kind's family.

"Produced" is read from the code: the ``Kind`` members that :mod:`migcheck.sql.extract` (SQL) and
:mod:`migcheck.alembic_project.offline` (Alembic-only kinds) build statements with.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests.lint.helpers import FIXTURES

import migcheck.alembic_project.offline
import migcheck.sql.extract
from migcheck.lint.schema import Context
from migcheck.rules.base import Rule
from migcheck.rules.registry import all_rules
from migcheck.sql.extract import statements
from migcheck.sql.facts import FAMILIES, Kind

PRODUCERS = (migcheck.sql.extract, migcheck.alembic_project.offline)
CORPUS = Path(__file__).parents[1] / "lint" / "corpus"


def _tree(module: object) -> ast.Module:
    return ast.parse(Path(str(getattr(module, "__file__", ""))).read_text("utf-8"))


def produced_kinds() -> set[Kind]:
    """Every ``Kind.X`` the extractor and the Alembic capture name."""
    found: set[Kind] = set()
    for module in PRODUCERS:
        for node in ast.walk(_tree(module)):
            named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if named and node.value.id == "Kind":
                found.add(Kind[node.attr])
    return found


def produced_action_kinds() -> set[str]:
    """Every string the extractor could name an ALTER TABLE action with."""
    tree = _tree(migcheck.sql.extract)
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_every_kind_is_produced_and_has_a_family() -> None:
    assert produced_kinds() == set(Kind)
    assert set(FAMILIES) == set(Kind)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_names_produced_kinds(rule: Rule) -> None:
    assert set(rule.kinds) <= produced_kinds()
    assert set(rule.actions) <= produced_action_kinds()
    assert not rule.actions or Kind.ALTER_TABLE in rule.kinds


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.check], ids=lambda r: r.id)
def test_rule_reads_its_kinds_as_their_family(rule: Rule) -> None:
    """The check takes a bare statement of each kind it names (its family, all defaults)."""
    assert rule.check is not None
    for kind in rule.kinds or tuple(Kind):
        list(rule.check(FAMILIES[kind](kind), Context()))


#: kinds only the Alembic capture builds (never parsed from SQL)
ALEMBIC_ONLY = {Kind.SCHEMA_HINT, Kind.RENDER_ERROR, Kind.UNNAMED_CONSTRAINT_DROP}


def test_extractor_builds_each_kind_as_its_family() -> None:
    """Every SQL kind, as found in the fixtures and the corpus, is built as its family."""
    paths = sorted(FIXTURES.glob("rules/*/*.sql")) + sorted(CORPUS.glob("*/*.sql"))
    texts = [(p.read_text("utf-8"), str(p)) for p in paths]
    texts.append(("BEGIN; SAVEPOINT s; ROLLBACK;", "transactions.sql"))
    seen: set[Kind] = set()
    for text, path in texts:
        for s in statements(text, path):
            assert type(s) is FAMILIES[s.kind], (path, s.kind)
            seen.add(s.kind)
    assert seen == set(Kind) - ALEMBIC_ONLY
