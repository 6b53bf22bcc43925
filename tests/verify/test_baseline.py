"""``--baseline``: a history that begins from a stamped database (fixtures/verify/baseline).

The project's a1 is empty (the database was built by ``create_all()`` and stamped at a1) and a2
alters a table only that schema has. ``schema.sql`` is ``pg_dump --schema-only`` of it (owned by
a role ``app`` and granted to ``reporting``, which the throwaway server does not have);
``baseline_models.py`` holds the models as they were at a1.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcheck.alembic_project.project import load_project
from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.verify.baseline import Baseline
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "verify" / "baseline"
SCHEMA = str(PROJECT / "schema.sql")
MODELS = "metadata:baseline_models:metadata"


def walk(server: Server, project: Path, baseline: Baseline | None) -> VerifyResult:
    return verify_project(load_project(project), server, VerifyOptions(baseline=baseline))


def summary(result: VerifyResult) -> list[tuple[str, str, list[str]]]:
    return [(r.revision, r.status, [p.kind for p in r.problems]) for r in result.revisions]


def test_without_a_baseline_the_history_cannot_start(pg_server: Server) -> None:
    result = walk(pg_server, PROJECT, None)
    assert not result.ok
    assert 'relation "users" does not exist' in result.revisions[1].problems[0].message


@pytest.mark.parametrize("source", [SCHEMA, MODELS], ids=["pg_dump", "metadata"])
def test_baseline_is_stamped_and_the_revisions_after_it_are_checked(
    pg_server: Server, source: str
) -> None:
    result = walk(pg_server, PROJECT, Baseline(source, "a1"))
    assert summary(result) == [("a2", "pass", []), ("a3", "pass", [])]
    assert result.ok
    assert result.drift_checked and result.drift == []
    a3 = result.revisions[1]
    assert [lock.label for s in a3.locks for lock in s.locks] == ["SHARE"]


def test_baseline_at_base_checks_every_revision(pg_server: Server) -> None:
    result = walk(pg_server, PROJECT, Baseline(SCHEMA, "base"))
    assert summary(result) == [("a1", "pass", []), ("a2", "pass", []), ("a3", "pass", [])]


def test_a_rebuild_starts_from_the_baseline(pg_server: Server, tmp_path: Path) -> None:
    # a2's downgrade leaves the column: its re-upgrade fails and the database is rebuilt, which
    # must start from the baseline schema (an empty database cannot replay a2)
    project = tmp_path / "baseline"
    shutil.copytree(PROJECT, project)
    a2 = project / "migrations" / "versions" / "a2_add_email.py"
    a2.write_text(a2.read_text().replace('op.drop_column("users", "email")', "pass"))
    result = walk(pg_server, project, Baseline(SCHEMA, "a1"))
    assert summary(result) == [
        ("a2", "fail", ["empty-downgrade", "not-restored", "reupgrade-failed"]),
        ("a3", "pass", []),
    ]


Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def invoke(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url(pg_server.maintenance_db))

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["verify", str(PROJECT), "--no-lint", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def test_cli_baseline_passes(invoke: Invoke) -> None:
    code, out, err = invoke("--baseline", SCHEMA, "--baseline-revision", "a1")
    assert code == 0, err
    assert out.splitlines()[-1].startswith("ok: 2 revisions, 2 passed")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--baseline", SCHEMA], "--baseline and --baseline-revision go together"),
        (["--baseline-revision", "a1"], "--baseline and --baseline-revision go together"),
        (["--baseline", "/nonexistent/schema.sql", "--baseline-revision", "a1"], "no such file"),
        (
            ["--baseline", "metadata:baseline_models", "--baseline-revision", "a1"],
            "metadata:module",
        ),
        (
            ["--baseline", "metadata:no_such_models:metadata", "--baseline-revision", "a1"],
            "--baseline metadata:no_such_models:metadata: cannot import no_such_models: "
            "ModuleNotFoundError",
        ),
        (
            ["--baseline", "metadata:baseline_models:nothing", "--baseline-revision", "a1"],
            "--baseline metadata:baseline_models:nothing: module baseline_models has no nothing",
        ),
        (
            ["--baseline", "metadata:baseline_models:sa", "--baseline-revision", "a1"],
            "baseline_models.sa is not a SQLAlchemy MetaData or a declarative base",
        ),
        (["--baseline", SCHEMA, "--baseline-revision", "zz"], "--baseline-revision: revision 'zz'"),
    ],
)
def test_bad_baseline_exits_2_with_one_line(invoke: Invoke, args: list[str], expected: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("migcheck: error:")
    assert expected in lines[0]


def test_sql_error_names_the_file_and_line(invoke: Invoke, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE users (id int);\n\nCREATE INDEX ON missing (id);\n")
    code, _, err = invoke("--baseline", str(schema), "--baseline-revision", "a1")
    assert code == 2
    assert f"--baseline {schema}:3: UndefinedTable: relation " in err


def test_only_ownership_and_privileges_are_skipped(pg_server: Server, tmp_path: Path) -> None:
    # a column named "owner" renamed TO something is schema, not ownership: it runs
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE users (id serial PRIMARY KEY, owner text NOT NULL);\n"
        "ALTER TABLE users RENAME COLUMN owner TO name;\n"
        "ALTER TABLE users OWNER TO app;\n"
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reporting;\n"
    )
    result = walk(pg_server, PROJECT, Baseline(str(schema), "a1"))
    assert summary(result) == [("a2", "pass", []), ("a3", "pass", [])]
    assert result.drift_checked and result.drift == []
