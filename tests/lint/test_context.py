"""Context the rules see: timeouts, transactions, created objects, prior schema, suppression."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.lint.helpers import lint_sql, rules_of

from migcheck.config import Settings
from migcheck.lint.entry import lint_paths
from migcheck.lint.suppress import scan
from migcheck.postgres.types import Change, TypeRef, type_change


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # a file that starts with SET LOCAL is written for a runner that wraps it in a transaction
        ("SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN a int;", []),
        # … but SET LOCAL after the file's own COMMIT does nothing
        (
            "BEGIN;\nCOMMIT;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN a int;",
            ["MC111", "MC402"],
        ),
        (
            "SET lock_timeout = '1s';\nRESET lock_timeout;\nALTER TABLE t ADD COLUMN a int;",
            ["MC111"],
        ),
        ("SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN a int;", ["MC111"]),
        ("SET lock_timeout TO '1s';\nALTER TABLE t ADD COLUMN a int;", []),
        # after COMMIT the ALTER autocommits, so MC402 (not idempotent) applies too
        (
            "BEGIN;\nSET LOCAL lock_timeout = '1s';\nCOMMIT;\nALTER TABLE t ADD COLUMN a int;",
            ["MC111", "MC402"],
        ),
        (
            "SET lock_timeout = '1s';\nBEGIN;\nCOMMIT;\n"
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;",
            [],
        ),
    ],
)
def test_lock_timeout_tracking(sql: str, expected: list[str], tmp_path: Path) -> None:
    assert rules_of(lint_sql(sql, tmp_path)) == expected


def test_set_local_preamble_means_the_runner_wraps_the_file(tmp_path: Path) -> None:
    """Eugene's E4 case: without BEGIN, but SET LOCAL says the whole file is one transaction."""
    sql = (
        "SET LOCAL lock_timeout = '2s';\n"
        "ALTER TABLE authors ADD COLUMN email text;\n"
        "SELECT count(*) FROM authors;\n"
    )
    assert rules_of(lint_sql(sql, tmp_path)) == ["MC112"]


def test_lock_timeout_is_reported_once_per_file(tmp_path: Path) -> None:
    sql = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\n"
    assert rules_of(lint_sql(sql, tmp_path)) == ["MC111"]


def test_assume_in_transaction(tmp_path: Path) -> None:
    target = tmp_path / "m.sql"
    target.write_text("CREATE INDEX CONCURRENTLY i ON t (a);\n")
    assert lint_paths([str(target)], Settings()).findings == []
    findings = lint_paths([str(target)], Settings(), in_transaction=True).findings
    assert rules_of(findings) == ["MC103"]


def test_created_tables_are_exempt_only_in_their_own_file(tmp_path: Path) -> None:
    first = tmp_path / "001.sql"
    second = tmp_path / "002.sql"
    first.write_text(
        "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(20));\n"
        "CREATE INDEX t_name_idx ON t (name);\n"
    )
    second.write_text(
        "SET lock_timeout = '1s';\nCREATE INDEX t_name2_idx ON t (name);\n"
        "ALTER TABLE t ALTER COLUMN name TYPE varchar(40);\n"
        "ALTER TABLE t ALTER COLUMN name TYPE varchar(10);\n"
    )
    findings = lint_paths([str(tmp_path)], Settings()).findings
    assert [(Path(f.location.path).name, f.location.line, f.rule) for f in findings] == [
        ("002.sql", 2, "MC101"),
        ("002.sql", 4, "MC109"),
    ]
    assert "rewrites the whole table and its indexes from varchar(40)" in findings[1].message


def test_primary_key_column_is_not_null_already(tmp_path: Path) -> None:
    sql = (
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE t ADD COLUMN c int;\n"
        "ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n"
    )
    # MC209: c is added here without a default, so the running release does not write it
    assert rules_of(lint_sql(sql, tmp_path)) == ["MC105", "MC209"]
    assert rules_of(lint_sql(sql, tmp_path, pg_version=11)) == ["MC105", "MC209"]


def test_dropped_check_no_longer_counts(tmp_path: Path) -> None:
    sql = (
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT c_nn;\n"
        "ALTER TABLE t DROP CONSTRAINT c_nn;\n"
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n"
    )
    assert rules_of(lint_sql(sql, tmp_path)) == ["MC105"]


def test_foreign_key_of_a_dropped_table_is_not_judged(tmp_path: Path) -> None:
    """A foreign key goes with its table: a table created again later has none of it."""
    sql = (
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id)\n"
        "    REFERENCES owners (id) NOT VALID;\n"
        "DROP TABLE items;\n"
        "CREATE TABLE items (id bigint PRIMARY KEY, owner_id bigint);\n"
    )
    assert "MC120" not in rules_of(lint_sql(sql, tmp_path))
    again = sql + "ALTER TABLE items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id)\n"
    again += "    REFERENCES owners (id) NOT VALID;\n"
    assert "MC120" in rules_of(lint_sql(again, tmp_path))


def test_volatile_default_depends_on_version(tmp_path: Path) -> None:
    sql = "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int DEFAULT 0;\n"
    assert rules_of(lint_sql(sql, tmp_path)) == []
    assert rules_of(lint_sql(sql, tmp_path, pg_version=10)) == ["MC106"]
    unknown = "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int DEFAULT f();\n"
    findings = lint_sql(unknown, tmp_path)
    assert rules_of(findings) == ["MC106"] and "may rewrite" in findings[0].message


def test_detach_partition_version(tmp_path: Path) -> None:
    sql = "SET lock_timeout = '1s';\nALTER TABLE p DETACH PARTITION p1;\n"
    assert rules_of(lint_sql(sql, tmp_path)) == []
    assert rules_of(lint_sql(sql, tmp_path, pg_version=14)) == ["MC115"]


def test_exclude_advice_never_suggests_not_valid(tmp_path: Path) -> None:
    sql = (
        "SET lock_timeout = '1s';\nALTER TABLE b ADD CONSTRAINT e EXCLUDE USING gist (r WITH &&);\n"
    )
    (finding,) = lint_sql(sql, tmp_path)
    assert "NOT VALID" not in finding.fix.replace("cannot be added NOT VALID", "")
    assert "cannot be added NOT VALID" in finding.fix


def test_messages_name_table_column_lock_and_effect(tmp_path: Path) -> None:
    sql = 'SET lock_timeout = \'1s\';\nALTER TABLE "Order" ALTER COLUMN "select" SET NOT NULL;\n'
    (finding,) = lint_sql(sql, tmp_path)
    assert '"Order"."select"' in finding.message
    assert "ACCESS EXCLUSIVE" in finding.message and "reads and writes" in finding.message
    assert finding.fix


@pytest.mark.parametrize(
    ("old", "new", "using", "expected"),
    [
        (TypeRef.of("varchar", (20,)), TypeRef.of("varchar", (40,)), False, Change.FREE),
        (TypeRef.of("varchar", (20,)), TypeRef.of("varchar"), False, Change.FREE),
        (TypeRef.of("varchar", (20,)), TypeRef.of("text"), False, Change.FREE),
        (TypeRef.of("text"), TypeRef.of("varchar"), False, Change.FREE),
        (TypeRef.of("text"), TypeRef.of("varchar", (10,)), False, Change.REWRITE),
        (TypeRef.of("varchar", (20,)), TypeRef.of("varchar", (10,)), False, Change.REWRITE),
        (TypeRef.of("numeric", (10, 2)), TypeRef.of("numeric", (12, 2)), False, Change.FREE),
        (TypeRef.of("numeric", (10, 2)), TypeRef.of("numeric", (12, 3)), False, Change.REWRITE),
        (TypeRef.of("numeric", (10, 2)), TypeRef.of("numeric"), False, Change.FREE),
        (TypeRef.of("int4"), TypeRef.of("int8"), False, Change.REWRITE),
        (TypeRef.of("cidr"), TypeRef.of("inet"), False, Change.FREE),
        (TypeRef.of("text"), TypeRef.of("text"), True, Change.REWRITE),
        (None, TypeRef.of("int8"), False, Change.UNKNOWN),
    ],
)
def test_type_change_table(
    old: TypeRef | None, new: TypeRef, using: bool, expected: Change
) -> None:
    assert type_change(old, new, using) is expected


def test_suppression_comment_forms(tmp_path: Path) -> None:
    sql = (
        "SET lock_timeout = '1s';\n"
        "-- migcheck: ignore MC101, MC112\n"
        "CREATE INDEX a ON t (x);\n"
        "CREATE INDEX b ON t (x); -- migcheck: ignore\n"
        "CREATE INDEX c ON t (x);\n"
        "-- migcheck: ignore MC302\n"
        "SELECT 1;\n"
    )
    findings = lint_sql(sql, tmp_path)
    assert [(f.rule, f.location.line) for f in findings] == [("MC101", 5), ("MC001", 6)]


def test_suppression_reasons_are_not_rule_ids(tmp_path: Path) -> None:
    sql = (
        "SET lock_timeout = '1s';\n"
        "-- migcheck: ignore MC101 -- built before launch, table is empty\n"
        "CREATE INDEX a ON t (x);\n"
        "CREATE INDEX b ON t (x); -- migcheck: ignore MC101: tiny table\n"
        "-- migcheck: ignore[MC101] (reviewed by the DBA, ticket 1234)\n"
        "CREATE INDEX c ON t (x);\n"
        "-- migcheck: ignore MC101 because the table has 10 rows\n"
        "CREATE INDEX d ON t (x);\n"
        "-- migcheck: ignore MC302 -- stale, nothing to silence\n"
        "SELECT 1;\n"
    )
    findings = lint_sql(sql, tmp_path)
    assert [(f.rule, f.location.line, f.message) for f in findings] == [
        ("MC001", 9, "migcheck ignore comment (MC302) does not silence any finding")
    ]


@pytest.mark.parametrize(
    ("comment", "rules"),
    [
        ("# migcheck: ignore[MC302] (column unused since v2.3)", {"MC302"}),
        ("# migcheck: ignore[MC302, MC111] reason with words, commas and MC5", {"MC302", "MC111"}),
        ("# migcheck: ignore MC302 -- reason", {"MC302"}),
        ("# migcheck: ignore MC302: reason", {"MC302"}),
        ("# migcheck: ignore MC302 (reason)", {"MC302"}),
        ("# migcheck: ignore: every rule, with a reason", set()),
        ("# migcheck: ignore MC3O2", {"MC3O2"}),
    ],
)
def test_scan_reason_forms(comment: str, rules: set[str]) -> None:
    (ignore,) = scan("rev.py", f'op.drop_column("t", "c")  {comment}\n', "#")
    assert ignore.rules == frozenset(rules)


def test_prose_mentioning_migcheck_ignored_is_no_directive() -> None:
    assert scan("rev.py", "x = 1  # migcheck: ignored for now\n", "#") == []


def test_scan_python_comments() -> None:
    source = 'op.drop_table("x")  # migcheck: ignore[MC301, MC111]\n# not: migcheck ignore\n'
    (ignore,) = scan("rev.py", source, "#")
    assert ignore.line == 1 and ignore.rules == frozenset({"MC301", "MC111"})
