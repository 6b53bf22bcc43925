"""Every rule migcheck knows, loaded from one module per rule."""

from __future__ import annotations

import importlib
from functools import cache

from migcheck.errors import MigcheckError
from migcheck.rules.base import Rule

#: rule modules under ``migcheck.rules``, in id order
MODULES = (
    "mc000_parse_error",
    "mc001_unused_ignore",
    "mc002_revision_not_rendered",
    "mc101_create_index",
    "mc102_drop_index",
    "mc103_concurrently_in_transaction",
    "mc104_validating_constraint",
    "mc105_set_not_null",
    "mc106_volatile_default",
    "mc107_stored_generated",
    "mc108_serial_column",
    "mc109_type_change",
    "mc110_unique_under_lock",
    "mc111_lock_timeout",
    "mc112_after_exclusive_lock",
    "mc113_validate_same_transaction",
    "mc114_reindex",
    "mc115_detach_partition",
    "mc116_attach_partition",
    "mc117_table_rewrite",
    "mc118_unbatched_backfill",
    "mc119_lock_table",
    "mc120_foreign_key_index",
    "mc121_alter_domain_constraint",
    "mc122_domain_with_constraint",
    "mc123_refresh_materialized_view",
    "mc201_not_null_without_default",
    "mc202_rename_table",
    "mc203_rename_column",
    "mc204_prefer_jsonb",
    "mc205_rename_schema",
    "mc206_rename_enum_value",
    "mc207_rename_object",
    "mc208_drop_default_of_new_column",
    "mc209_set_not_null_of_new_column",
    "mc301_drop_table",
    "mc302_drop_column",
    "mc303_truncate",
    "mc304_drop_database_or_schema",
    "mc401_enum_value_in_transaction",
    "mc402_not_idempotent",
    "mc403_begin_without_commit",
    "mc404_fill_in_placeholder",
    "mc405_unnamed_constraint_drop",
    "mc501_timestamp_without_tz",
    "mc502_integer_key",
    "mc503_varchar_length",
    "mc504_char_type",
    "mc505_long_identifier",
    "mc506_prefer_identity",
)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by id."""
    rules = []
    for name in MODULES:
        module = importlib.import_module(f"migcheck.rules.{name}")
        rule = module.RULE
        assert isinstance(rule, Rule)
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


def get_rule(rule_id: str) -> Rule:
    """The rule with this id (case-insensitive) or name; MigcheckError when there is none."""
    wanted = rule_id.strip()
    for rule in all_rules():
        if rule.id == wanted.upper() or rule.name == wanted.lower():
            return rule
    raise MigcheckError(f"unknown rule {rule_id!r} (see `migcheck rules`)")
