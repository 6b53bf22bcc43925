"""The libpg_query wrapper: positions, error recovery, and never crashing on any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcheck.sql.extract import statements
from migcheck.sql.facts import EnumChange, IndexBuild, Maintenance, Reindex, Setting, TableChange
from migcheck.sql.parser import parse_script
from migcheck.sql.splitter import split_statements


def test_positions_are_one_based_and_skip_comments() -> None:
    text = "SELECT 1;\n\n  -- note\n  /* block */ CREATE INDEX i ON t (a);\nSELECT 'é'; SELECT 2"
    raws = parse_script(text)
    assert [(r.line, r.column, r.kind) for r in raws] == [
        (1, 1, "SelectStmt"),
        (4, 15, "IndexStmt"),
        (5, 1, "SelectStmt"),
        (5, 13, "SelectStmt"),
    ]
    assert raws[1].text == "CREATE INDEX i ON t (a)"


def test_a_bad_statement_does_not_hide_the_rest() -> None:
    raws = parse_script(
        "SELECT 1;\nfoo bar;\nCREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMNN x int;\n"
    )
    assert [r.kind for r in raws] == ["SelectStmt", "", "IndexStmt", ""]
    assert [r.line for r in raws if r.error] == [2, 4]
    assert "syntax error" in (raws[1].error or "")


def test_unterminated_quote_resyncs_at_the_next_line() -> None:
    raws = parse_script("SELECT 1;\nSELECT 'oops;\nCREATE INDEX i ON t (a);\n")
    assert [r.line for r in raws] == [1, 2, 3]
    assert raws[1].error and "unterminated" in raws[1].error
    assert raws[2].kind == "IndexStmt"


def test_bodies_with_semicolons_stay_whole() -> None:
    text = (
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NEW; END $fn$;\n"
        "SELECT E'a\\';b', 'x'';y', \"we;ird\" FROM t;"
    )
    assert [r.kind for r in parse_script(text)] == ["DoStmt", "CreateFunctionStmt", "SelectStmt"]
    assert len(split_statements(text.encode())) == 3


def test_statements_the_rules_need_parse_to_facts() -> None:
    text = """
    ALTER TABLE measurements DETACH PARTITION m2020 CONCURRENTLY;
    ALTER TABLE measurements ATTACH PARTITION m2024 FOR VALUES FROM (1) TO (2);
    ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok';
    REINDEX (CONCURRENTLY) INDEX i;
    VACUUM (FULL) t;
    CLUSTER t USING i;
    LOCK TABLE a, b IN SHARE MODE;
    ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX ui;
    ALTER TABLE t VALIDATE CONSTRAINT c;
    SET LOCAL lock_timeout = '2s';
    """
    facts = statements(text)
    assert [s.kind.value for s in facts] == [
        "alter_table",
        "alter_table",
        "alter_enum",
        "reindex",
        "vacuum",
        "cluster",
        "lock",
        "alter_table",
        "alter_table",
        "set",
    ]
    detach, attach, enum, reindex, vacuum, _, lock, unique, validate, timeout = facts
    assert isinstance(detach, TableChange) and isinstance(attach, TableChange)
    assert isinstance(unique, TableChange) and isinstance(validate, TableChange)
    assert isinstance(enum, EnumChange) and isinstance(reindex, Reindex)
    assert isinstance(vacuum, Maintenance) and isinstance(lock, Maintenance)
    assert isinstance(timeout, Setting)
    assert detach.actions[0].concurrently and detach.no_transaction
    assert attach.actions[0].kind == "attach_partition" and attach.actions[0].partition == "m2024"
    assert (enum.enum, enum.value, enum.if_not_exists) == ("mood", "meh", True)
    assert reindex.concurrently
    assert vacuum.full
    assert lock.tables == ("a", "b") and lock.mode.label == "SHARE"
    constraint = unique.actions[0].constraint
    assert constraint is not None and constraint.using_index == "ui"
    assert validate.actions[0].kind == "validate_constraint"
    assert (timeout.name, timeout.value, timeout.local) == (
        "lock_timeout",
        "2s",
        True,
    )


def test_column_facts() -> None:
    (s,) = statements(
        "ALTER TABLE public.t ADD COLUMN a uuid DEFAULT gen_random_uuid() NOT NULL, "
        "ADD COLUMN b int DEFAULT my_func(), ADD COLUMN c timestamptz DEFAULT now(), "
        "ADD COLUMN d numeric GENERATED ALWAYS AS (x * 2) STORED, ADD COLUMN e bigserial, "
        "ADD COLUMN f int REFERENCES other (id)"
    )
    assert s.table == "t"
    a, b, c, d, e, f = (action.column_def for action in s.actions)
    assert a and a.default and a.default.volatile and a.not_null
    assert b and b.default and b.default.unknown_calls == ("my_func",)
    assert c and c.default and not c.default.volatile and not c.default.unknown_calls
    assert d and d.generated_stored
    assert e and e.serial
    assert f and f.constraints[0].kind == "foreign_key" and f.constraints[0].ref_table == "other"


def test_quoted_and_schema_qualified_names() -> None:
    (s,) = statements('CREATE INDEX "Weird Idx" ON "My Schema"."order" ("select")')
    assert isinstance(s, IndexBuild)
    assert s.table == "My Schema.order"
    assert s.index == "Weird Idx"
    assert s.columns == ("select",)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    from migcheck.config import Settings
    from migcheck.lint.engine import Engine
    from migcheck.report.lint_formats import render
    from migcheck.result import Report

    stmts = statements(text, "fuzz.sql")
    for s in stmts:
        assert s.line >= 1 and s.column >= 1
    engine = Engine(Settings())
    engine.run(stmts)
    for fmt in ("text", "json", "sarif", "github", "gitlab", "junit"):
        render(Report(findings=engine.findings), fmt)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "CREATE INDEX i ON t (a)",
                "ALTER TABLE t ADD COLUMN",
                "'",
                "$$",
                "/*",
                "--",
                "\n",
                ";",
                "BEGIN",
                "COMMIT",
                "E'\\'",
                '"',
                "$x$ ; $x$",
                "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
            ]
        ),
        max_size=30,
    )
)
def test_sql_like_fragments_never_crash(parts: list[str]) -> None:
    from migcheck.config import Settings
    from migcheck.lint.engine import Engine

    stmts = statements(" ".join(parts))
    Engine(Settings(enable=frozenset({"MC501", "MC502", "MC503", "MC504", "MC505"}))).run(stmts)


def test_do_block_statements_are_checked_on_their_lines() -> None:
    text = (
        "DO $$\n"
        "BEGIN\n"
        "  UPDATE t SET a = 1;\n"
        "  EXECUTE 'DROP INDEX i';\n"
        "  EXECUTE format('DROP INDEX %I', 'j');\n"
        "END\n"
        "$$;\n"
        "DO LANGUAGE plpgsql $$ BEGIN RAISE NOTICE 'x'; END $$;\n"
        "DO $$ this is not plpgsql $$;\n"
    )
    facts = statements(text)
    assert [(s.kind.value, s.line, s.nested) for s in facts] == [
        ("do", 1, False),
        ("update", 3, True),
        ("drop_index", 4, True),
        ("do", 8, False),
        ("do", 9, False),
    ]


def test_where_clause_bounds() -> None:
    cases = {
        "UPDATE t SET a = 1 WHERE id = 5": (True, True),
        "UPDATE t SET a = 1 WHERE user_id IN (1, 2, 3) AND a IS NULL": (True, True),
        "UPDATE t SET a = 1 WHERE id BETWEEN 1 AND 1000": (True, False),
        "UPDATE t SET a = 1 WHERE id >= 1 AND id < 1000 AND a IS NULL": (True, False),
        "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE old LIMIT 500)": (True, False),
        "UPDATE t SET a = 1 WHERE a IS NULL": (False, False),
        "UPDATE t SET a = 1 WHERE id < 10 OR a IS NULL": (False, False),
        "UPDATE t SET a = 1 WHERE status = 'x'": (False, False),
        "DELETE FROM t": (False, False),
    }
    for sql, expected in cases.items():
        (s,) = statements(sql)
        assert (s.batched, s.by_key) == expected, sql


TRICKY = """SELECT 1;
CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));
CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;
DO $$ BEGIN PERFORM 1; END $$;
SELECT 'a;
b'; /* c; */ SELECT E'\\';';
-- x; y
SELECT 3
"""


def test_semicolons_inside_statements_do_not_split_them() -> None:
    """Rule actions, BEGIN ATOMIC bodies, dollar quotes, strings and comments stay whole."""
    assert [(r.line, r.text.split()[0], r.error) for r in parse_script(TRICKY)] == [
        (1, "SELECT", None),
        (2, "CREATE", None),
        (3, "CREATE", None),
        (4, "DO", None),
        (5, "SELECT", None),
        (6, "SELECT", None),
        (8, "SELECT", None),
    ]


#: scripts where a ``;`` that PostgreSQL's scanner sees as top level does not end a statement
#: (``BEGIN ATOMIC`` bodies, rule action lists), next to strings, comments, dollar quotes and
#: syntax errors, for cuts after every statement or two
CHUNKED = [
    TRICKY,
    "SELECT 0;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
    "  SELECT 2;\nEND;\nSELECT 3;\nSELECT 4;\n",
    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1);\n"
    " INSERT INTO b VALUES (2));\nSELECT 1;\nSELECT 2;\n",
    "SELECT 1;\nSELECT 2;\nSELECT 3;\nfoo bar;\nSELECT 5;\nSELECT 6;\n",
    "SELECT 1;\nSELECT 'a;\nb;';\n/* c; */ SELECT 2;\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 3",
    "SELECT 1;\nSELECT 'unterminated;\nSELECT 2;\n",
    "",
]


def _without_locations(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items() if k != "location"}
    if isinstance(value, list):
        return [_without_locations(v) for v in value]
    return value


def _summary(script: str) -> list[tuple[object, ...]]:
    return [
        (r.text, r.line, r.column, r.end_line, r.error, _without_locations(r.tree))
        for r in parse_script(script)
    ]


@pytest.mark.parametrize("ahead", [True, False])
@pytest.mark.parametrize("chunk", [1, 2, 3])
@pytest.mark.parametrize("script", CHUNKED, ids=range(len(CHUNKED)))
def test_a_script_parsed_in_chunks_gives_the_same_statements(
    monkeypatch: pytest.MonkeyPatch, script: str, chunk: int, ahead: bool
) -> None:
    """Only node ``location`` fields differ (they count from the chunk); nothing reads them.

    The same with the next chunks parsed in a thread (migcheck.speed) or not.
    """
    from migcheck import speed
    from migcheck.sql import parser

    whole = _summary(script)
    monkeypatch.setattr(parser, "CHUNK_STATEMENTS", chunk)
    monkeypatch.setattr(speed, "PARSE_AHEAD", ahead)
    assert _summary(script) == whole
    assert sum(len(c) for c in parser.parse_chunks(script)) == len(whole)
    plain = "SELECT 1;\n" * 6
    assert [len(c) for c in parser.parse_chunks(plain)] == [chunk] * (6 // chunk)


def test_the_parse_ahead_thread_ends_with_the_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """A syntax error early on, or a caller that stops, leaves no thread parsing behind."""
    import threading

    from migcheck.sql import parser

    monkeypatch.setattr(parser, "CHUNK_STATEMENTS", 1)
    script = "SELECT 1;\nfoo bar;\n" + "SELECT 2;\n" * 50
    assert [r.error is not None for r in parse_script(script)][:3] == [False, True, False]
    chunks = parser.parse_chunks("SELECT 3;\n" * 50)
    assert len(next(chunks)) == 1
    chunks.close()
    assert not any(t.name == "migcheck-parse-ahead" for t in threading.enumerate())
