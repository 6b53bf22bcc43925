"""The comparison corpus: every hazard file raises its expected rules, every safe file nothing.

The files live in tests/lint/corpus/ (see :mod:`tests.lint.headers` for their headers).
"""

from __future__ import annotations

import pytest
from tests.lint.corpus import Case, cases, migcheck_rules
from tests.lint.headers import read_headers

from migcheck.rules.registry import all_rules

HAZARDS = cases("hazard")
SAFE = cases("safe")


@pytest.mark.parametrize("case", HAZARDS, ids=lambda c: c.path.stem)
def test_hazard_is_reported(case: Case) -> None:
    assert case.headers.expect, f"{case.path}: no '-- expect:' header"
    found = migcheck_rules(case)
    assert case.headers.expect <= found, (
        f"missing {sorted(case.headers.expect - found)}, got {sorted(found)}"
    )


@pytest.mark.parametrize("case", SAFE, ids=lambda c: c.path.stem)
def test_safe_recipe_is_clean(case: Case) -> None:
    assert not case.headers.expect and not case.headers.enable, (
        f"{case.path}: safe files use default rules"
    )
    assert migcheck_rules(case) == set()


def test_expected_ids_are_rules() -> None:
    known = {rule.id for rule in all_rules()}
    for case in HAZARDS:
        assert case.headers.expect <= known, case.path
        assert case.headers.squawk, f"{case.path}: no '-- squawk:' header (a rule name or none)"


def test_headers_are_read(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    target = tmp_path / "x.sql"
    target.write_text("-- expect: MC101 MC111\n-- pg-version: 10\n-- enable: MC501\nSELECT 1;\n")
    headers = read_headers(target)
    assert headers.expect == {"MC101", "MC111"}
    assert headers.pg_version == 10
    assert headers.enable == {"MC501"}
    assert headers.settings().pg_version == 10
