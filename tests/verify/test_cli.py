"""`migcheck verify` from the command line: exit codes, formats, one-line errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.pg import Server

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"

Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def invoke(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI against the session's server (url backend) to avoid a second server start."""
    admin = pg_server.endpoint
    url = admin.url(pg_server.maintenance_db)
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", url)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["verify", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def test_clean_project_exits_0_with_json_shape(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "clean"), "--format", "json", "--fail-on", "never")
    assert code == 0, out
    data = json.loads(out)
    assert data["schema_version"] == 1 and data["kind"] == "verify"
    assert data["coverage"] == {"linted": True, "checked": 3, "total": 3, "unchecked": []}
    assert data["ok"] is True and data["drift"] == [] and data["fail_on"] is None
    assert [r["revision"] for r in data["revisions"]] == ["a1", "a2", "a3"]
    first = data["revisions"][0]
    assert set(first) == {
        "revision",
        "path",
        "message",
        "status",
        "elapsed_ms",
        "problems",
        "locks",
        "findings",
        "linted",
        "unlinted",
        "notes",
        "data_loss",
        "holds",
        "load",
    }
    assert first["linted"] == ["upgrade", "downgrade"]
    assert first["status"] == "pass" and first["path"].endswith("a1_create_users.py")


def test_locks_each_statement_took_are_reported(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "clean"), "--format", "json", "--fail-on", "never")
    assert code == 0, out
    a2 = json.loads(out)["revisions"][1]
    index = next(s for s in a2["locks"] if s["statement"].startswith("CREATE INDEX"))
    assert index["in_transaction"] is True
    assert {
        "relation": "users",
        "kind": "table",
        "mode": "SHARE",
        "blocks": "all writes (INSERT, UPDATE, DELETE)",
        "new_relation": False,
        "indexes": [],
    } in index["locks"]
    code, text, _ = invoke(str(FIXTURES / "clean"))
    assert "locks observed on existing tables:" in text
    assert "takes SHARE on users (blocks all writes (INSERT, UPDATE, DELETE))" in text


def test_no_trace_locks_leaves_locks_empty(invoke: Invoke) -> None:
    code, out, _ = invoke(
        str(FIXTURES / "clean"), "--format", "json", "--no-trace-locks", "--fail-on", "never"
    )
    assert code == 0, out
    assert all(r["locks"] == [] for r in json.loads(out)["revisions"])


def test_failures_exit_1_with_problems_in_json(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "leftover_enum" / "alembic.ini"), "--format", "json")
    assert code == 1
    data = json.loads(out)
    a2 = data["revisions"][1]
    assert data["ok"] is False and a2["status"] == "fail"
    assert a2["problems"][0] == {
        "step": "downgrade",
        "kind": "not-restored",
        "message": "enum type mood exists after downgrade to a1 but did not before",
    }


def test_junit_and_text_formats(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "drift"), "--format", "junit")
    assert code == 1
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    code, out, _ = invoke(str(FIXTURES / "leftover_index"))
    assert code == 1
    assert "index ix_users_created_at on users exists after downgrade to a1" in out
    assert out.splitlines()[-1].startswith("FAILED: 2 revisions, 1 passed, 1 failed")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["/nonexistent/project"], "no alembic.ini"),
        ([str(FIXTURES / "broken_env")], "myapp_models_that_do_not_exist"),
        ([str(FIXTURES / "clean"), "--name", "other"], "no [other] section"),
        (
            [str(FIXTURES / "import_error")],
            "migrations/versions/a1_create_items.py:11: cannot load revision: "
            "KeyError: 'MIGCHECK_FIXTURE_UNSET_TABLE'",
        ),
        (
            [str(FIXTURES / "missing_module")],
            "migrations/versions/a1_create_items.py:5: cannot load revision: "
            "ModuleNotFoundError: No module named 'myapp_constants_not_installed'",
        ),
        (
            [str(FIXTURES / "missing_extension")],
            'needs extension "migcheck_absent_extension"',
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(invoke: Invoke, args: list[str], expected: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("migcheck: error:")
    assert expected in lines[0]


def test_no_revisions_compares_the_models(invoke: Invoke, tmp_path: Path) -> None:
    """Before its first revision a project is not bad input: its models drift (issue 19)."""
    project = tmp_path / "empty"
    shutil.copytree(FIXTURES / "clean", project)
    for path in (project / "migrations" / "versions").glob("*.py"):
        path.unlink()
    code, out, _ = invoke(str(project))
    assert code == 1
    assert "the project has no revisions yet" in out and "models differ" in out


def test_runs_in_the_directory_of_alembic_ini(invoke: Invoke, tmp_path: Path) -> None:
    """Relative script_location and prepend_sys_path = . resolve as under `alembic`."""
    project = tmp_path / "service"
    shutil.copytree(FIXTURES / "clean", project)
    ini = project / "alembic.ini"
    text = ini.read_text().replace("%(here)s/migrations", "migrations")
    ini.write_text(
        text.replace("[alembic]\n", "[alembic]\nprepend_sys_path = .\npath_separator = os\n", 1)
    )
    (project / "clean_models.py").rename(project / "service_models.py")  # not imported yet
    env = project / "migrations" / "env.py"
    env.write_text(
        env.read_text()
        .replace(
            "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n",
            "",
        )
        .replace("from clean_models import", "from service_models import")
    )
    code, out, err = invoke(str(project), "--format", "json", "--fail-on", "never")
    assert code == 0, err
    assert json.loads(out)["revisions"][0]["path"] == "migrations/versions/a1_create_users.py"


def test_junit_carries_the_lock_trace(invoke: Invoke) -> None:
    from xml.etree import ElementTree as ET

    code, out, _ = invoke(str(FIXTURES / "clean"), "--format", "junit", "--fail-on", "never")
    assert code == 0, out
    cases = {c.get("name", "").split()[0]: c for c in ET.fromstring(out).iter("testcase")}
    system_out = cases["a2"].findtext("system-out") or ""
    assert "CREATE INDEX ix_users_created_at ON users (created_at)" in system_out
    assert "takes SHARE on users (blocks all writes (INSERT, UPDATE, DELETE))" in system_out
