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


# 2. transaction state as PostgreSQL keeps it


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # PostgreSQL ignores the inner BEGIN: one transaction, committed
        ("BEGIN;\nBEGIN;\nCOMMIT;\n", []),
        ("BEGIN;\nALTER TABLE t ADD COLUMN a int;\nBEGIN;\nCOMMIT;\nCOMMIT;\n", []),
        ("BEGIN;\nCOMMIT;\n", []),
        ("COMMIT;\n", []),
        # … but statements between the first COMMIT and the second ran without a transaction
        (
            "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nBEGIN;\nCOMMIT;\n"
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nCOMMIT;\n",
            [("MC403", "error")],
        ),
        (
            "BEGIN;\nBEGIN;\nROLLBACK;\nALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nROLLBACK;\n",
            [("MC403", "error")],
        ),
        # one BEGIN and two: the unclosed one is still an unclosed transaction
        ("BEGIN;\nALTER TABLE t ADD COLUMN a int;\n", [("MC403", "error")]),
        ("BEGIN;\nBEGIN;\nALTER TABLE t ADD COLUMN a int;\n", [("MC403", "error")]),
        # COMMIT AND CHAIN opens the next transaction at once
        ("BEGIN;\nCOMMIT AND CHAIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\n", []),
        ("BEGIN;\nCOMMIT AND CHAIN;\nALTER TABLE t ADD COLUMN a int;\n", [("MC403", "error")]),
    ],
)
def test_transaction_state_is_postgresql_s(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(TIMEOUT + sql, tmp_path) == expected


RUNNER_WRAPPED = (
    "COMMIT;\n"
    "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx;\n"
    "CREATE INDEX CONCURRENTLY t_a_idx ON t (a);\n"
    "BEGIN;\n"
    "SET LOCAL lock_timeout = '2s';\n"
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\n"
)


def test_runner_commits_what_the_file_leaves_open(tmp_path: Path) -> None:
    """--assume-in-transaction: the runner's final COMMIT closes the file's last BEGIN."""
    assert lint(RUNNER_WRAPPED, tmp_path, in_transaction=True) == []


def test_without_the_runner_the_last_begin_stays_open(tmp_path: Path) -> None:
    sql = RUNNER_WRAPPED.removeprefix("COMMIT;\n")
    assert lint(sql, tmp_path) == [("MC403", "error")]


def test_concurrent_build_inside_the_runner_s_transaction_fails(tmp_path: Path) -> None:
    sql = RUNNER_WRAPPED.removeprefix("COMMIT;\n")
    assert ("MC103", "error") in lint(sql, tmp_path, in_transaction=True)


# 3. wrong advice: MC402's own recipe, the table a DROP INDEX locks, DROP TABLE's parents

RECIPE = "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx;\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);"
MANAGED = "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\n"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # the recipe: drop what a failed build left, then build
        (RECIPE, []),
        (
            "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx;\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);",
            [],
        ),
        # IF NOT EXISTS keeps the INVALID index of a failed build
        ("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);", [("MC402", "warning")]),
        # a plain build fails on rerun
        ("CREATE INDEX CONCURRENTLY t_a_idx ON t (a);", [("MC402", "warning")]),
        # the drop of another index is not the recipe
        (
            RECIPE.replace("IF EXISTS t_a_idx", "IF EXISTS other_idx"),
            [("MC402", "warning")],
        ),
    ],
)
def test_concurrent_index_recipe_in_a_managed_file(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(MANAGED + sql + "\n", tmp_path) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);", [("MC402", "warning")]),
        (RECIPE, []),
        # a plain file fails loudly on rerun of a plain build: not flagged there
        ("CREATE INDEX CONCURRENTLY t_a_idx ON t (a);", []),
    ],
)
def test_concurrent_index_recipe_in_a_plain_file(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(sql + "\n", tmp_path) == expected


def test_drop_index_names_the_table_it_locks(tmp_path: Path) -> None:
    sql = (
        "CREATE TABLE tools (id bigint PRIMARY KEY, name text);\n"
        "CREATE INDEX ix_tools_name ON tools (name);\n"
    )
    (tmp_path / "001.sql").write_text(sql, encoding="utf-8")
    (tmp_path / "002.sql").write_text("DROP INDEX ix_tools_name;\nSELECT 1;\n", encoding="utf-8")
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    found = {f.rule: f.message for f in report.findings}
    assert sorted(found) == ["MC102", "MC111"]
    assert found["MC111"].startswith("Takes ACCESS EXCLUSIVE on tools with no lock_timeout")
    assert "on tools" in found["MC102"]


def test_drop_index_of_an_unknown_table_says_so(tmp_path: Path) -> None:
    found = messages("DROP INDEX ix_tools_name;\n", tmp_path)
    expected = "MC111 Takes ACCESS EXCLUSIVE on the table of index ix_tools_name with"
    assert any(m.startswith(expected) for m in found)


def test_exclusive_lock_of_drop_index_is_held_on_the_table(tmp_path: Path) -> None:
    sql = (
        "CREATE TABLE tools (id bigint PRIMARY KEY, name text);\n"
        "CREATE INDEX ix_tools_name ON tools (name);\n"
    )
    (tmp_path / "001.sql").write_text(sql, encoding="utf-8")
    later = "BEGIN;\nSET LOCAL lock_timeout = '2s';\nDROP INDEX ix_tools_name;\n"
    later += "UPDATE tools SET name = lower(name);\nCOMMIT;\n"
    (tmp_path / "002.sql").write_text(later, encoding="utf-8")
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    [mc112] = [f for f in report.findings if f.rule == "MC112"]
    assert "holds ACCESS EXCLUSIVE on tools (taken at line 3)" in mc112.message
    assert mc112.severity.label == "warning"


PARENT_CHILD = (
    "CREATE TABLE parent (id bigint PRIMARY KEY);\n"
    "CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);\n"
    "CREATE INDEX child_parent_id_idx ON child (parent_id);\n"
)


def test_drop_table_child_locks_its_parent(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text(PARENT_CHILD, encoding="utf-8")
    (tmp_path / "002.sql").write_text("DROP TABLE child;\n", encoding="utf-8")
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    found = {f.rule: (f.severity.label, f.message) for f in report.findings}
    assert sorted(found) == ["MC111", "MC301"]
    assert found["MC111"][1].startswith("Takes ACCESS EXCLUSIVE on child and parent with")
    assert found["MC301"][0] == "warning"
    assert "it also takes ACCESS EXCLUSIVE on parent" in found["MC301"][1]


def test_drop_table_without_foreign_keys_locks_only_itself(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text(PARENT_CHILD, encoding="utf-8")
    (tmp_path / "002.sql").write_text("DROP TABLE parent CASCADE;\n", encoding="utf-8")
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    found = {f.rule: f.message for f in report.findings}
    assert found["MC111"].startswith("Takes ACCESS EXCLUSIVE on parent with")
    assert "also takes" not in found["MC301"]


# 4. ALTER DOMAIN forms that check every stored value


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);", [("MC121", "error")]),
        ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;", []),
        ("ALTER DOMAIN d SET NOT NULL;", [("MC121", "error")]),
        ("ALTER DOMAIN d DROP NOT NULL;", []),
        ("ALTER DOMAIN d ADD CONSTRAINT c NOT NULL;", [("MC121", "error")]),
        ("ALTER DOMAIN d VALIDATE CONSTRAINT c;", [("MC121", "error")]),
        ("ALTER DOMAIN d DROP CONSTRAINT c;", []),
        ("ALTER DOMAIN d SET DEFAULT 0;", []),
        ("CREATE DOMAIN d AS int;\nALTER DOMAIN d SET NOT NULL;", []),
        ("CREATE DOMAIN d AS int;\nALTER DOMAIN d VALIDATE CONSTRAINT c;", []),
    ],
)
def test_alter_domain_scans(sql: str, expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected


def test_domain_validation_lets_writes_continue_from_postgresql_19(tmp_path: Path) -> None:
    sql = TIMEOUT + "ALTER DOMAIN d VALIDATE CONSTRAINT c;\n"
    assert lint(sql, tmp_path, pg_version=18) == [("MC121", "error")]
    assert lint(sql, tmp_path, pg_version=19) == []


# 5. one ALTER TABLE is judged by its strongest lock held for its longest work


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "ALTER TABLE t VALIDATE CONSTRAINT c, DROP COLUMN x;",
            [("MC112", "error"), ("MC302", "warning")],
        ),
        ("ALTER TABLE t VALIDATE CONSTRAINT c;", []),
        ("ALTER TABLE t VALIDATE CONSTRAINT c, SET (fillfactor = 70);", []),
        ("ALTER TABLE t DROP COLUMN x;", [("MC302", "warning")]),
        (
            "ALTER TABLE t ADD COLUMN y int, VALIDATE CONSTRAINT c;",
            [("MC112", "error")],
        ),
    ],
)
def test_strongest_lock_for_the_longest_work(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected


def test_strongest_lock_message_names_both_sub_commands(tmp_path: Path) -> None:
    found = messages(TIMEOUT + "ALTER TABLE t VALIDATE CONSTRAINT c, DROP COLUMN x;\n", tmp_path)
    assert found[0] == (
        "MC112 VALIDATE CONSTRAINT c scans t while this statement holds ACCESS EXCLUSIVE on it "
        "(for DROP COLUMN x): all reads and writes on t stay blocked for the whole scan, where "
        "VALIDATE CONSTRAINT alone takes SHARE UPDATE EXCLUSIVE and lets them run"
    )


def test_foreign_key_validated_under_another_sub_command_s_lock(tmp_path: Path) -> None:
    fk = "ADD CONSTRAINT t_p_fk FOREIGN KEY (p) REFERENCES p (id)"
    alone = messages(TIMEOUT + f"ALTER TABLE t {fk};\n", tmp_path)
    assert "holding SHARE ROW EXCLUSIVE on t and p" in alone[0]
    both = messages(TIMEOUT + f"ALTER TABLE t {fk}, DROP COLUMN x;\n", tmp_path)
    assert "holding ACCESS EXCLUSIVE on t (another sub-command" in both[0]


def test_configured_severity_wins_over_a_case_s_own(tmp_path: Path) -> None:
    from migcheck.result import Severity

    sql = TIMEOUT + "ALTER TABLE t VALIDATE CONSTRAINT c, DROP COLUMN x;\n"
    found = lint(sql, tmp_path, severity={"MC112": Severity.INFO})
    assert ("MC112", "info") in found


# 6. the current type decides a type change; when it is unknown, say "may rewrite"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER TABLE t ALTER COLUMN c TYPE text USING c::text;", [("MC109", "warning")]),
        ("ALTER TABLE t ALTER COLUMN c TYPE text;", [("MC109", "warning")]),
        ("ALTER TABLE t ALTER COLUMN c TYPE varchar(40);", [("MC109", "warning")]),
        # known current types settle it
        (
            "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN c varchar(20);\n"
            "ALTER TABLE t ALTER COLUMN c TYPE text USING c::text;",
            [],
        ),
        # an unknown type to a type nothing is free to: still the error
        ("ALTER TABLE t ALTER COLUMN c TYPE bigint;", [("MC109", "error")]),
        # a real USING expression always rewrites
        ("ALTER TABLE t ALTER COLUMN c TYPE text USING upper(c);", [("MC109", "error")]),
    ],
)
def test_unknown_prior_type(sql: str, expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected


def test_known_prior_type_from_an_earlier_file(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text("CREATE TABLE t (id int, c varchar(20), n int);\n")
    later = TIMEOUT + "ALTER TABLE t ALTER COLUMN c TYPE text USING c::text;\n"
    later += "ALTER TABLE t ALTER COLUMN n TYPE text USING n::text;\n"
    (tmp_path / "002.sql").write_text(later)
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    assert [(f.rule, f.severity.label, f.location.line) for f in report.findings] == [
        ("MC109", "error", 3)
    ]


def test_may_rewrite_says_what_would_make_it_safe(tmp_path: Path) -> None:
    sql = TIMEOUT + "ALTER TABLE t ALTER COLUMN c TYPE text USING c::text;\n"
    [found] = messages(sql, tmp_path)
    assert "may rewrite" in found and "if the current type is varchar or text" in found


# 7. a call that is not the built-in's signature is volatile until known


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();", []),
        ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT pg_catalog.now();", []),
        ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now(123);", [("MC106", "error")]),
        ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT myschema.now();", [("MC106", "error")]),
        ("ALTER TABLE t ADD COLUMN c text DEFAULT lower('X');", []),
        ("ALTER TABLE t ADD COLUMN c text DEFAULT lower('X', 'Y');", [("MC106", "error")]),
        ("ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();", [("MC106", "error")]),
        ("ALTER TABLE t ADD COLUMN c int DEFAULT f();", [("MC106", "error")]),
        # a function created in the run is as volatile as it is declared
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';\n"
            "ALTER TABLE t ADD COLUMN c int DEFAULT f();",
            [],
        ),
        (
            "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
            "ALTER TABLE t ADD COLUMN c int DEFAULT app.f();",
            [],
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
            "ALTER TABLE t ADD COLUMN c int DEFAULT f();",
            [("MC106", "error")],
        ),
    ],
)
def test_function_volatility(sql: str, expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected


def test_declared_volatile_function_rewrites_for_sure(tmp_path: Path) -> None:
    sql = TIMEOUT + "CREATE FUNCTION f() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 1';\n"
    sql += "ALTER TABLE t ADD COLUMN c int DEFAULT f();\n"
    [found] = messages(sql, tmp_path)
    assert "calling f(), declared VOLATILE, rewrites the whole table" in found


def test_unknown_signature_may_rewrite(tmp_path: Path) -> None:
    sql = TIMEOUT + "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now(123);\n"
    [found] = messages(sql, tmp_path)
    assert "calling now(), which may be volatile, and may rewrite" in found


# 8. changes that break the previous release's writes during a deploy


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "ALTER TABLE t ADD COLUMN f text DEFAULT 'x' NOT NULL;\n"
            "ALTER TABLE t ALTER COLUMN f DROP DEFAULT;",
            [("MC208", "warning")],
        ),
        ("ALTER TABLE t ADD COLUMN f text DEFAULT 'x' NOT NULL;", []),
        # a column the previous release already wrote (not added here)
        ("ALTER TABLE t ALTER COLUMN f DROP DEFAULT;", []),
        # nullable: old INSERTs leave it NULL, which is allowed
        (
            "ALTER TABLE t ADD COLUMN f text DEFAULT 'x';\n"
            "ALTER TABLE t ALTER COLUMN f DROP DEFAULT;",
            [],
        ),
        (
            "ALTER TABLE t ADD COLUMN f text;\n"
            "ALTER TABLE t ADD CONSTRAINT f_nn CHECK (f IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE t VALIDATE CONSTRAINT f_nn;\n"
            "ALTER TABLE t ALTER COLUMN f SET NOT NULL;",
            [("MC209", "warning")],
        ),
        (
            "ALTER TABLE t ADD COLUMN f text DEFAULT 'x';\n"
            "ALTER TABLE t ADD CONSTRAINT f_nn CHECK (f IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE t VALIDATE CONSTRAINT f_nn;\n"
            "ALTER TABLE t ALTER COLUMN f SET NOT NULL;",
            [],
        ),
        # a table created in the migration: no running code uses it
        (
            "CREATE TABLE n (id bigint PRIMARY KEY);\n"
            "ALTER TABLE n ADD COLUMN f text DEFAULT 'x' NOT NULL;\n"
            "ALTER TABLE n ALTER COLUMN f DROP DEFAULT;",
            [],
        ),
    ],
)
def test_breaking_the_previous_release(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected


@pytest.mark.parametrize(
    ("setting", "timeout"),
    [
        ("SET lock_timeout = '2s';", True),
        ("SET lock_timeout = 2000;", True),
        ("SET lock_timeout = 1.5;", True),
        ("SET lock_timeout TO '1min';", True),
        ("SELECT set_config('lock_timeout', '2s', false);", True),
        ("SET lock_timeout = 0;", False),
        ("SET lock_timeout = '0min';", False),
        ("SET lock_timeout = '0.0s';", False),
        ("SET lock_timeout = DEFAULT;", False),
        ("SELECT set_config('lock_timeout', '0', false);", False),
    ],
)
def test_timeout_values_are_read_by_value(setting: str, timeout: bool, tmp_path: Path) -> None:
    found = lint(setting + "\nALTER TABLE t ADD COLUMN a int;\n", tmp_path)
    assert found == ([] if timeout else [("MC111", "warning")])


def test_alter_domain_names_the_columns_known_to_use_it(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text(
        "CREATE DOMAIN email AS text;\nCREATE TABLE users (id bigint PRIMARY KEY, mail email);\n"
    )
    (tmp_path / "002.sql").write_text(TIMEOUT + "ALTER DOMAIN email SET NOT NULL;\n")
    report = lint_paths([str(tmp_path / "001.sql"), str(tmp_path / "002.sql")], Settings())
    [found] = report.findings
    assert (found.rule, found.severity.label) == ("MC121", "error")
    assert "uses the domain (known here: users.mail)" in found.message


def test_a_check_for_an_invalid_leftover_makes_if_not_exists_safe(tmp_path: Path) -> None:
    """migcheck's autogenerate looks for an INVALID index at run time, then builds."""
    check = (
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = 't_a_idx';\n"
    )
    build = "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t (a);\n"
    assert lint(MANAGED + check + build, tmp_path) == []
    other = "SELECT c.relname FROM pg_class c WHERE c.relname = 't_a_idx';\n"
    assert lint(MANAGED + other + build, tmp_path) == [("MC402", "warning")]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE t SET a = 1;", [("MC118", "warning")]),
        ("EXPLAIN ANALYZE UPDATE t SET a = 1;", [("MC118", "warning")]),
        ("EXPLAIN (ANALYZE on) UPDATE t SET a = 1;", [("MC118", "warning")]),
        ("EXPLAIN (ANALYZE false) UPDATE t SET a = 1;", []),
        ("EXPLAIN UPDATE t SET a = 1;", []),
    ],
)
def test_explain_analyze_runs_what_it_explains(
    sql: str, expected: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert lint(TIMEOUT + sql + "\n", tmp_path) == expected
