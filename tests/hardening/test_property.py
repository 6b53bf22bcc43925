"""Properties over generated and deeply nested SQL (files, lint and verify of op.execute), settings.

Every command exits 0, 1 or 2; exit 2 comes with exactly one ``migcheck: error:`` line on stderr;
nothing ever raises out of the program (a traceback); machine formats always parse. Bounded for a
2-core CI: a few dozen examples each, no deadline (nothing here measures time).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hardening.helpers import MACHINE_FORMATS, assert_parses, make_project

from migcheck.cli import main

_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 0
        else:
            code = 0
    return code, out.getvalue(), err.getvalue()


def _check(code: int, fmt: str, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("migcheck: error: "), err
    elif fmt != "text":
        assert_parses(fmt, out)


_ATOMS = st.sampled_from(["1", "x", "'a'", "now()", "NULL", "t.a", "$1", "ARRAY[1]", "'é'"])


@st.composite
def _nested(draw: st.DrawFn) -> str:
    """An expression or query nested ``depth`` times in one of the shapes that broke the parser."""
    depth = draw(st.integers(min_value=0, max_value=1200))
    atom = draw(_ATOMS)
    shape = draw(st.sampled_from(["concat", "case", "paren", "subquery", "union", "call", "array"]))
    if shape == "concat":
        return "SELECT " + " || ".join([atom] * (depth + 1))
    if shape == "union":
        return " UNION ALL ".join([f"SELECT {atom}"] * (depth + 1))
    text = atom if shape != "subquery" else f"SELECT {atom}"
    for level in range(depth):
        text = {
            "case": f"CASE WHEN x THEN {text} ELSE 0 END",
            "paren": f"({text})",
            "subquery": f"SELECT * FROM ({text}) AS s{level}",
            "call": f"coalesce({text}, 0)",
            "array": f"ARRAY[{text}]",
        }[shape]
    return text if shape == "subquery" else f"SELECT {text}"


_STATEMENTS = st.sampled_from(
    [
        "CREATE INDEX ix ON t (a)",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)",
        "ALTER TABLE t ADD COLUMN c int NOT NULL",
        "ALTER TABLE t ALTER COLUMN c TYPE bigint",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
        "DROP TABLE t",
        "BEGIN",
        "COMMIT",
        "SET lock_timeout = '2s'",
        "DO $$ BEGIN EXECUTE 'CREATE INDEX i ON t (a)'; END $$",
        "UPDATE t SET a = 1",
        "CREATE TABLE t (id serial PRIMARY KEY, ts timestamp)",
        "-- migcheck: ignore[MC101]",
        "SELEC 1",
    ]
)

#: fragments that stress the scanner: quotes, dollar quotes, comments, control characters
_NOISE = st.sampled_from(
    [
        "'",
        '"',
        "$$",
        "$a$",
        "--",
        "/*",
        "*/",
        "(",
        ")",
        ";",
        "\\",
        "\x00",
        "\x1b[31m",
        "\ufeff",
        "é",
    ]
)


@st.composite
def _script(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(_nested(), _STATEMENTS, _NOISE, st.text(max_size=20)), min_size=1, max_size=6
        )
    )
    return "".join(part + draw(st.sampled_from([";\n", "\n", " ", ";"])) for part in parts)


@_SETTINGS
@given(script=_script())
def test_lint_of_any_sql_file_in_every_format(script: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "generated.sql"
        target.write_text(script, encoding="utf-8")
        for fmt in ("text", *MACHINE_FORMATS):
            code, out, err = _run(["lint", "--format", fmt, str(target)])
            _check(code, fmt, out, err)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql=st.one_of(_nested(), _STATEMENTS))
def test_lint_of_op_execute_with_any_sql(sql: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        project = make_project(Path(directory), [("a1", f"op.execute({sql!r})")])
        code, out, err = _run(["lint", "--format", "json", "--alembic", str(project)])
        _check(code, "json", out, err)


_TOML_VALUES = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.sampled_from(["MC101", "MC1O1", "mc501", "", "create-index"]), max_size=3),
)
_KEYS = st.sampled_from(
    [
        "pg-version",
        "enable",
        "disable",
        "fail-on",
        "lock-timeout",
        "statement-timeout",
        "retries",
        "retry-backoff",
        "backfill-batch-size",
        "severity",
        "unknown-key",
    ]
)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


@_SETTINGS
@given(table=st.dictionaries(_KEYS, _TOML_VALUES, max_size=4))
def test_any_settings_table(table: dict[str, object]) -> None:
    body = "".join(f"{key} = {_toml(value)}\n" for key, value in table.items())
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "pyproject.toml").write_text(f"[tool.migcheck]\n{body}", "utf-8")
        target = Path(directory) / "a.sql"
        target.write_text("CREATE INDEX ix ON t (a);\n", encoding="utf-8")
        code, out, err = _run(["lint", "--format", "json", str(target)])
        _check(code, "json", out, err)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql=st.one_of(_nested(), _STATEMENTS), fmt=st.sampled_from(["json", "junit"]))
def test_verify_of_op_execute_with_any_sql(sql: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        project = make_project(Path(directory), [("a1", f"op.execute({sql!r})")])
        code, out, err = _run(["verify", "--format", fmt, str(project)])
        _check(code, fmt, out, err)
