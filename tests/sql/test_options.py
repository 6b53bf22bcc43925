"""Statement options are read by value, as PostgreSQL's defGetBoolean reads them."""

from __future__ import annotations

import pytest

from migcheck.sql.extract import statements
from migcheck.sql.facts import Maintenance, Reindex


@pytest.mark.parametrize(
    ("sql", "full"),
    [
        ("VACUUM FULL t", True),
        ("VACUUM (FULL) t", True),
        ("VACUUM (FULL TRUE) t", True),
        ("VACUUM (FULL on) t", True),
        ("VACUUM (FULL 1) t", True),
        ("VACUUM (FULL false) t", False),
        ("VACUUM (FULL OFF) t", False),
        ("VACUUM (FULL 0) t", False),
        ("VACUUM (VERBOSE) t", False),
    ],
)
def test_vacuum_full_is_read_by_value(sql: str, full: bool) -> None:
    found = statements(sql)[0]
    assert isinstance(found, Maintenance)
    assert found.full is full
    assert found.locks[0][1].label == ("ACCESS EXCLUSIVE" if full else "SHARE UPDATE EXCLUSIVE")


def test_every_option_is_kept_by_value() -> None:
    found = statements("VACUUM (FULL false, VERBOSE, ANALYZE 0, INDEX_CLEANUP auto, PARALLEL 4) t")
    assert isinstance(found[0], Maintenance)
    assert found[0].options == {
        "full": False,
        "verbose": True,
        "analyze": False,
        "index_cleanup": "auto",
        "parallel": "4",
    }


@pytest.mark.parametrize(
    ("sql", "concurrently"),
    [
        ("REINDEX INDEX CONCURRENTLY i", True),
        ("REINDEX (CONCURRENTLY) INDEX i", True),
        ("REINDEX (CONCURRENTLY on, TABLESPACE x) TABLE t", True),
        ("REINDEX (CONCURRENTLY false) INDEX i", False),
        ("REINDEX (CONCURRENTLY 0) TABLE t", False),
        ("REINDEX INDEX i", False),
    ],
)
def test_reindex_concurrently_is_read_by_value(sql: str, concurrently: bool) -> None:
    found = statements(sql)[0]
    assert isinstance(found, Reindex)
    assert found.concurrently is concurrently
    assert found.no_transaction is concurrently
