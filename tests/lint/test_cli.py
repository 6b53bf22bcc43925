"""`migcheck lint` on SQL files: exit codes, usage errors, colour, settings, what it imports."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from tests.lint.helpers import FIXTURES

from migcheck.cli import cli

BAD = FIXTURES / "rules" / "MC101" / "bad.sql"
GOOD = FIXTURES / "rules" / "MC101" / "good.sql"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", *args], env=env)
    return result.exit_code, result.output


def test_exit_codes() -> None:
    assert run(str(GOOD))[0] == 0
    assert run(str(BAD))[0] == 1
    assert run("--fail-on", "never", str(BAD))[0] == 0
    info_only = FIXTURES / "rules" / "MC503" / "bad.sql"
    assert run("--enable", "MC503", str(info_only))[0] == 0
    assert run("--enable", "MC503", "--fail-on", "info", str(info_only))[0] == 1


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "missing.sql"))
    assert code == 2 and out.count("\n") == 1 and "missing.sql: no such file" in out
    code, out = run()
    assert code == 2 and "nothing to lint" in out
    code, out = run("--enable", "MC777", str(GOOD))
    assert code == 2 and "unknown rule 'MC777'" in out
    code, out = run("--from", "abc", str(GOOD))
    assert code == 2 and "--alembic" in out
    code, _ = run("--format", "yaml", str(GOOD))
    assert code == 2


def test_directory_is_searched_for_sql_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.sql").write_text("SET lock_timeout = '1s';\nDROP INDEX i;\n")
    (tmp_path / "1.sql").write_text("SELECT 1;\n")
    (tmp_path / "notes.txt").write_text("DROP TABLE x;\n")
    code, out = run("--format", "json", str(tmp_path))
    document = json.loads(out)
    assert code == 1
    assert document["summary"]["files"] == 2
    assert [f["rule"] for f in document["findings"]] == ["MC102"]


def test_directory_expansion_order_and_links(tmp_path: Path) -> None:
    """Files sorted by path components, hidden ones included, symlinked directories not followed."""
    from migcheck.lint.entry import sql_files

    for name in ("a/1.sql", "a/sub/2.sql", ".hidden/3.sql", "a-c.sql", "other/4.sql", "a/n.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;\n")
    (tmp_path / "a" / "link").symlink_to(tmp_path / "other")
    (tmp_path / "d.sql").mkdir()
    found = [os.path.relpath(p, tmp_path) for p in sql_files([str(tmp_path)])]
    assert found == [".hidden/3.sql", "a/1.sql", "a/sub/2.sql", "a-c.sql", "other/4.sql"]


def test_text_output_no_color_when_piped_or_no_color(tmp_path: Path) -> None:
    _, out = run(str(BAD))
    assert "\x1b[" not in out
    assert f"{BAD}:2:1: error MC101 create-index-non-concurrently" in out.replace(
        os.path.relpath(BAD), str(BAD)
    )
    assert out.rstrip().endswith("1 finding (1 error) in 1 file, 2 statements")


def test_color_only_on_a_tty_without_no_color() -> None:
    from migcheck.cli.lint import _use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    os.environ.pop("NO_COLOR", None)
    assert _use_color(Tty())
    os.environ["NO_COLOR"] = "1"
    try:
        assert not _use_color(Tty())
    finally:
        del os.environ["NO_COLOR"]
    assert not _use_color(object())


def test_pyproject_settings_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migcheck]\ndisable = ["MC101"]\nenable = ["MC502"]\n'
        '[tool.migcheck.severity]\nMC502 = "error"\n'
    )
    sql = tmp_path / "m.sql"
    sql.write_text(
        "SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\nCREATE TABLE x (id int PRIMARY KEY);\n"
    )
    code, out = run("--format", "json", str(sql))
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("MC502", "error")]
    assert code == 1
    code, out = run("--format", "json", "--disable", "integer-primary-key", str(sql))
    assert json.loads(out)["findings"] == [] and code == 0


def test_pg_version_option(tmp_path: Path) -> None:
    sql = tmp_path / "m.sql"
    sql.write_text(
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
    )
    assert run(str(sql))[0] == 0
    code, out = run("--pg-version", "11", "--format", "json", str(sql))
    assert code == 1 and [f["rule"] for f in json.loads(out)["findings"]] == ["MC105"]


def test_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "-"], input="DELETE FROM t;\n")
    findings = json.loads(result.output)["findings"]
    assert [(f["rule"], f["path"]) for f in findings] == [("MC118", "<stdin>")]


def _imported_by_lint(target: Path, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` ``migcheck lint TARGET`` imports, in a fresh interpreter."""
    code = (
        "import sys\nbefore = set(sys.modules)\n"
        "from migcheck.cli import main\n"
        "try:\n"
        f"    main(['lint', '--format', 'json', {str(target)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"names = {names!r}\n"
        "sys.stderr.write(repr([m for m in names if m in sys.modules and m not in before]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found: list[str] = ast.literal_eval(done.stderr.strip().splitlines()[-1])
    return found


def test_lint_of_sql_never_imports_sqlalchemy_alembic_or_psycopg() -> None:
    heavy = ("sqlalchemy", "alembic", "psycopg", "google.protobuf")
    assert _imported_by_lint(BAD, heavy) == []


def test_the_program_exits_with_the_right_code_and_complete_output() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", "--format", "json", str(BAD)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["MC101"]
    clean = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", str(GOOD)], capture_output=True, check=False
    )
    assert clean.returncode == 0


def test_help_and_missing_files_from_the_program(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "--assume-in-transaction" in shown.stdout
    done = subprocess.run(
        [sys.executable, "-m", "migcheck", "lint", str(tmp_path / "x.sql")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == f"migcheck: error: {tmp_path / 'x.sql'}: no such file or directory\n"
