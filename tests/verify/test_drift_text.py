"""Drift lines for Alembic's diff tuples and alembic-postgresql-enum's (no database needed)."""

from __future__ import annotations

from migcheck.verify.drift import describe_diff


def test_enum_plugin_type_diffs_read_like_alembic_ones() -> None:
    drift = describe_diff(("drop_enum", "banreason", "public", ("spam", "abuse")))
    assert drift.kind == "drop_enum"
    assert drift.message == (
        "enum type public.banreason ('spam', 'abuse') is in the database but not in the models"
    )
    created = describe_diff(("create_enum", "mood", None, ["ok"]))
    assert created.message == "enum type mood ('ok') is in the models but not in the database"


def test_enum_plugin_label_diff_and_unknown_kinds() -> None:
    drift = describe_diff(("change_enum_variants", ["a", "b"], ["a"], []))
    assert drift.message == "enum labels ('a', 'b') in the database, ('a') in the models"
    assert describe_diff(("custom_op", "x", 1)).message == "custom_op: x, 1"
