"""Readable differences between two snapshots (built from JSON, no database needed)."""

from __future__ import annotations

import json
from typing import Any

from migcheck.catalog.diff import describe_all
from migcheck.catalog.snapshot import FIELDS, Snapshot


def snap(**categories: dict[tuple[str, ...], dict[str, Any]]) -> Snapshot:
    raw = {
        category.replace("_", " "): [
            [list(identity), *(fields.get(name) for name in FIELDS[category.replace("_", " ")])]
            for identity, fields in sorted(objects.items())
        ]
        for category, objects in categories.items()
    }
    return Snapshot(other=json.dumps(raw, sort_keys=True))


def test_enum_labels_and_index_definition_changes() -> None:
    before = snap(
        type={("public", "mood"): {"kind": "e", "labels": ["sad", "ok"]}},
        index={
            ("public", "ix_a"): {
                "table": "public.t",
                "definition": "CREATE INDEX ix_a ON public.t USING btree (a)",
                "valid": True,
            }
        },
    )
    after = snap(
        type={("public", "mood"): {"kind": "e", "labels": ["sad", "ok", "happy"]}},
        index={
            ("public", "ix_a"): {
                "table": "public.t",
                "definition": "CREATE INDEX ix_a ON public.t USING btree (a, b)",
                "valid": False,
            }
        },
    )
    assert describe_all(before, after, "before", "after downgrade to a1") == [
        "enum type mood: labels ('sad', 'ok') before, labels ('sad', 'ok', 'happy') "
        "after downgrade to a1",
        "index ix_a on t: definition `CREATE INDEX ix_a ON public.t USING btree (a)` before, "
        "`CREATE INDEX ix_a ON public.t USING btree (a, b)` after downgrade to a1",
        "index ix_a on t: valid before, INVALID after downgrade to a1",
    ]


def test_quoted_names_and_other_schemas() -> None:
    before = snap(table={})
    after = snap(
        table={("app", "Weird Name"): {"kind": "r"}},
        column={("app", "Weird Name", "x"): {"type": "integer"}},
        sequence={("public", "s"): {"owned_by": None}},
    )
    assert describe_all(before, after, "before", "after downgrade to base") == [
        "sequence s exists after downgrade to base but did not before",
        'table app."Weird Name" exists after downgrade to base but did not before',
    ]


def test_equal_snapshots_have_no_differences() -> None:
    one = snap(table={("public", "t"): {"kind": "r"}})
    assert describe_all(one, Snapshot(other=one.other)) == []


def _function(definition: str) -> Snapshot:
    return snap(function={("public", "label(n integer)"): {"kind": "f", "definition": definition}})


def test_function_bodies_differing_only_in_layout_are_equal() -> None:
    before = _function("AS $f$\nDECLARE\n    r text;\n\nBEGIN\n    r := 'a  b';\nEND; $f$")
    after = _function("AS $f$ DECLARE r text;\n  BEGIN r := 'a  b'; END; $f$\n")
    assert not before.same_schema(after)
    assert describe_all(before, after) == []


def test_whitespace_inside_a_literal_counts_and_is_shown() -> None:
    before = _function("AS $f$\nBEGIN RETURN 'no.  ' || n; END; $f$")
    after = _function("AS $f$\nBEGIN RETURN 'no. ' || n; END; $f$")
    assert describe_all(before, after) == [
        "function label(n integer): definition `AS $f$\\nBEGIN RETURN 'no.  ' || n; END; $f$` "
        "before, `AS $f$\\nBEGIN RETURN 'no. ' || n; END; $f$` after"
    ]


def test_odd_quotes_compare_function_bodies_exactly() -> None:
    before = _function("AS $f$ -- don't\nBEGIN RETURN 1; END; $f$")
    after = _function("AS $f$ -- don't\n\nBEGIN RETURN 1; END; $f$")
    assert len(describe_all(before, after)) == 1
