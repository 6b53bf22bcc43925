"""The comparison corpus: every hazard file raises its expected rules, every safe file nothing.

The files live in tests/lint/corpus/ (see :mod:`tests.lint.corpus` for their headers).
"""

from __future__ import annotations

import pytest
from tests.lint.corpus import Case, cases, migcheck_rules, read_case

from migcheck.rules.registry import all_rules

HAZARDS = cases("hazard")
SAFE = cases("safe")


@pytest.mark.parametrize("case", HAZARDS, ids=lambda c: c.path.stem)
def test_hazard_is_reported(case: Case) -> None:
    assert case.expect, f"{case.path}: no '-- expect:' header"
    found = migcheck_rules(case)
    assert case.expect <= found, f"missing {sorted(case.expect - found)}, got {sorted(found)}"


@pytest.mark.parametrize("case", SAFE, ids=lambda c: c.path.stem)
def test_safe_recipe_is_clean(case: Case) -> None:
    assert not case.expect and not case.enable, f"{case.path}: safe files use default rules"
    assert migcheck_rules(case) == set()


def test_expected_ids_are_rules() -> None:
    known = {rule.id for rule in all_rules()}
    for case in HAZARDS:
        assert case.expect <= known, case.path
        assert case.squawk, f"{case.path}: no '-- squawk:' header (a rule name or none)"


def test_headers_are_read(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    target = tmp_path / "x.sql"
    target.write_text("-- expect: MC101 MC111\n-- pg-version: 10\n-- enable: MC501\nSELECT 1;\n")
    case = read_case(target)
    assert case.expect == {"MC101", "MC111"}
    assert case.pg_version == 10
    assert case.enable == {"MC501"}
    assert case.settings().pg_version == 10
