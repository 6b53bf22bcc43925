"""Unnamed constraints are named in messages by PostgreSQL's default name."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.lint.helpers import lint_sql

from migcheck.postgres.naming import default_constraint_name
from migcheck.sql.facts import Constraint


@pytest.mark.parametrize(
    ("table", "con", "expected"),
    [
        (
            "package",
            Constraint("foreign_key", columns=("revision_id",)),
            "package_revision_id_fkey",
        ),
        ("app.t", Constraint("foreign_key", columns=("a", "b")), "t_a_b_fkey"),
        ("users", Constraint("unique", columns=("email",)), "users_email_key"),
        ("users", Constraint("primary_key", columns=("id",)), "users_pkey"),
        ("users", Constraint("check", columns=("age",)), "users_age_check"),
        ("users", Constraint("check"), None),
        (
            "t" * 40,
            Constraint("foreign_key", columns=("c" * 40,)),
            "t" * 29 + "_" + "c" * 28 + "_fkey",
        ),
    ],
)
def test_default_constraint_name(table: str, con: Constraint, expected: str | None) -> None:
    assert default_constraint_name(table, con.kind, con.columns) == expected


def test_unnamed_foreign_key_message_uses_the_default_name(tmp_path: Path) -> None:
    sql = "ALTER TABLE package ADD FOREIGN KEY (revision_id) REFERENCES revision (id);"
    (hit,) = [f for f in lint_sql(sql, tmp_path) if f.rule == "MC104"]
    assert "the constraint" not in hit.message + hit.fix
    assert "package_revision_id_fkey (unnamed" in hit.message
    assert "VALIDATE CONSTRAINT package_revision_id_fkey " in hit.fix


def test_unnamed_check_without_known_column_says_unnamed(tmp_path: Path) -> None:
    (hit,) = [
        f for f in lint_sql("ALTER TABLE t ADD CHECK (a > b);", tmp_path) if f.rule == "MC104"
    ]
    assert "CHECK constraint (unnamed)" in hit.message
    assert "ADD CONSTRAINT <name> CHECK" in hit.fix


def test_validate_by_default_name_matches_the_unnamed_constraint(tmp_path: Path) -> None:
    """VALIDATE CONSTRAINT <default name> in the same transaction as the NOT VALID add: MC113."""
    sql = (
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\n"
        "ALTER TABLE package ADD FOREIGN KEY (revision_id) REFERENCES revision (id) NOT VALID;\n"
        "ALTER TABLE package VALIDATE CONSTRAINT package_revision_id_fkey;\nCOMMIT;\n"
    )
    assert "MC113" in {f.rule for f in lint_sql(sql, tmp_path)}
