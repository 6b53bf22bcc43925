"""The SQL model's facts behind the precision classes (docs/accuracy.md)."""

from __future__ import annotations

import pytest

from migcheck.postgres.locks import Lock
from migcheck.sql.extract import statements
from migcheck.sql.facts import (
    DomainChange,
    Drop,
    Query,
    Routine,
    TableChange,
    TransactionControl,
)


@pytest.mark.parametrize(
    ("sql", "action", "name"),
    [
        ("ALTER DOMAIN d SET NOT NULL", "set_not_null", None),
        ("ALTER DOMAIN d DROP NOT NULL", "drop_not_null", None),
        ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0)", "add_constraint", None),
        ("ALTER DOMAIN d VALIDATE CONSTRAINT c", "validate_constraint", "c"),
        ("ALTER DOMAIN d DROP CONSTRAINT c", "drop_constraint", "c"),
        ("ALTER DOMAIN d SET DEFAULT 0", "set_default", None),
        ("ALTER DOMAIN d DROP DEFAULT", "drop_default", None),
    ],
)
def test_alter_domain_forms(sql: str, action: str, name: str | None) -> None:
    [found] = statements(sql)
    assert isinstance(found, DomainChange)
    assert (found.action, found.constraint_name) == (action, name)


def test_drop_index_locks_the_table_of_the_index() -> None:
    [plain, concurrent] = statements("DROP INDEX ix; DROP INDEX CONCURRENTLY ix2")
    assert isinstance(plain, Drop) and isinstance(concurrent, Drop)
    assert (plain.locks, plain.index_locks) == ((), (("ix", Lock.ACCESS_EXCLUSIVE),))
    assert concurrent.index_locks == (("ix2", Lock.SHARE_UPDATE_EXCLUSIVE),)


@pytest.mark.parametrize(
    ("sql", "chain"),
    [("COMMIT", False), ("COMMIT AND CHAIN", True), ("ROLLBACK AND CHAIN", True), ("END", False)],
)
def test_transaction_chain(sql: str, chain: bool) -> None:
    [found] = statements(sql)
    assert isinstance(found, TransactionControl)
    assert found.chain is chain


@pytest.mark.parametrize(
    ("sql", "name", "volatility"),
    [
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "f", "volatile"),
        ("CREATE FUNCTION app.F() RETURNS int LANGUAGE sql STABLE AS '1'", "app.f", "stable"),
        (
            "CREATE OR REPLACE FUNCTION public.g() RETURNS int IMMUTABLE LANGUAGE sql AS '1'",
            "g",
            "immutable",
        ),
    ],
)
def test_create_function_volatility(sql: str, name: str, volatility: str) -> None:
    [found] = statements(sql)
    assert isinstance(found, Routine)
    assert (found.name, found.volatility) == (name, volatility)


@pytest.mark.parametrize(
    ("default", "volatile", "unknown"),
    [
        ("now()", False, ()),
        ("pg_catalog.now()", False, ()),
        ("now(123)", False, ("now",)),
        ("audit.now()", False, ("audit.now",)),
        ("random()", True, ()),
        ("random(1, 6)", True, ()),
        ("random(1, 2, 3)", False, ("random",)),
        ("date_trunc('day', now())", False, ()),
    ],
)
def test_calls_are_the_builtin_only_with_its_signature(
    default: str, volatile: bool, unknown: tuple[str, ...]
) -> None:
    [found] = statements(f"ALTER TABLE t ADD COLUMN c timestamptz DEFAULT {default}")
    assert isinstance(found, TableChange)
    column = found.actions[0].column_def
    assert column is not None and column.default is not None
    assert (column.default.volatile, column.default.unknown_calls) == (volatile, unknown)


def test_a_query_of_index_validity() -> None:
    [check, other] = statements("SELECT i.indisvalid FROM pg_index i; SELECT relname FROM pg_class")
    assert isinstance(check, Query) and isinstance(other, Query)
    assert check.checks_index_validity and not other.checks_index_validity
