"""The precision classes of issue 18 (and the wrong-advice items of issue 16).

Each class is checked with the hazard and its nearest safe twin, by rule id and severity. The
table in docs/accuracy.md lists the classes and the PostgreSQL source that settles each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migcheck.config import Settings
from migcheck.lint.entry import lint_paths

#: a file prefix that silences MC111 (missing lock_timeout), so each case shows its own rule
TIMEOUT = "SET lock_timeout = '2s';\n"


def lint(
    sql: str, tmp_path: Path, *, in_transaction: bool = False, **changes: object
) -> list[tuple[str, str]]:
    """``(rule id, severity)`` of each finding for ``sql`` written to a file, sorted."""
    target = tmp_path / "migration.sql"
    target.write_text(sql, encoding="utf-8")
    report = lint_paths([str(target)], Settings().replace(**changes), in_transaction=in_transaction)
    return sorted((f.rule, f.severity.label) for f in report.findings)


def messages(sql: str, tmp_path: Path, *, in_transaction: bool = False) -> list[str]:
    """The messages of the findings for ``sql``, in report order."""
    target = tmp_path / "migration.sql"
    target.write_text(sql, encoding="utf-8")
    report = lint_paths([str(target)], Settings(), in_transaction=in_transaction)
    return [f"{f.rule} {f.message}" for f in report.findings]


# 1. option values are read by value


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("VACUUM (FULL) t;", [("MC117", "error")]),
        ("VACUUM FULL t;", [("MC117", "error")]),
        ("VACUUM (FULL true) t;", [("MC117", "error")]),
        ("VACUUM (FULL on, VERBOSE) t;", [("MC117", "error")]),
        ("VACUUM (FULL 1) t;", [("MC117", "error")]),
        ("VACUUM (FULL false) t;", []),
        ("VACUUM (FULL off, VERBOSE) t;", []),
        ("VACUUM (FULL 0) t;", []),
        ("VACUUM (FULL FALSE, ANALYZE) t;", []),
        ("REINDEX INDEX i;", [("MC114", "warning")]),
        ("REINDEX (CONCURRENTLY false) INDEX i;", [("MC114", "warning")]),
        ("REINDEX (CONCURRENTLY off) TABLE t;", [("MC114", "warning")]),
        ("REINDEX (CONCURRENTLY 0, VERBOSE) TABLE t;", [("MC114", "warning")]),
        ("REINDEX (CONCURRENTLY) INDEX i;", []),
        ("REINDEX (CONCURRENTLY true) INDEX i;", []),
        ("REINDEX (CONCURRENTLY 1) TABLE t;", []),
        ("REINDEX INDEX CONCURRENTLY i;", []),
    ],
)
def test_options_are_read_by_value(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(TIMEOUT + sql, tmp_path) == expected
