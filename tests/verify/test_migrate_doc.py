"""docs/migrating-from-pytest-alembic.md, run: its commands on its fixture give what it claims.

The fixture is fixtures/migrate_from_pytest_alembic: a project with a pytest-alembic conftest
(skip_revisions, minimum_downgrade_revision, before_revision_data). Its pytest-alembic tests are
run for real (in a subprocess, with pytest-alembic's own test functions), so the doc's claim
that they pass is checked along with what migcheck finds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.pg import Server

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "migrate_from_pytest_alembic"
DOC = ROOT / "docs" / "migrating-from-pytest-alembic.md"

Invoke = Callable[..., tuple[int, dict[str, Any]]]

#: Every `migcheck verify` command the doc shows, run from the fixture's directory below.
COMMANDS = {
    "equivalent": ("--skip", "a3", "--allow-floor", "--seed-data", "seed_rows.py"),
    "bare": (),
    "from": ("--from", "a4"),
}

#: Runs pytest-alembic's built-in test functions with the fixture's conftest settings; one fresh
#: database per test, as pytest-alembic's function-scoped engine gives. Its pytest plugin does
#: not load under pytest 9, so the functions are called the way the plugin calls them.
PYTEST_ALEMBIC = """
import json, sys
import sqlalchemy as sa
from pytest_alembic.config import Config
from pytest_alembic.runner import runner
from pytest_alembic.tests import default, experimental
from seed_rows import BEFORE_REVISION_DATA

tests = [
    ("test_single_head_revision", default.test_single_head_revision, ["a3"]),
    ("test_upgrade", default.test_upgrade, ["a3"]),
    ("test_model_definitions_match_ddl", default.test_model_definitions_match_ddl, ["a3"]),
    ("test_up_down_consistency", default.test_up_down_consistency, ["a3"]),
    ("test_downgrade_leaves_no_trace", experimental.test_downgrade_leaves_no_trace, ["a3"]),
    ("a5 skipped", experimental.test_downgrade_leaves_no_trace, ["a3", "a5"]),
]
outcomes = {}
for (name, test, skip), url in zip(tests, sys.argv[1:]):
    config = Config(
        skip_revisions=skip,
        minimum_downgrade_revision="a2",
        before_revision_data=BEFORE_REVISION_DATA,
    )
    engine = sa.create_engine(url)
    try:
        with runner(config=config, engine=engine) as alembic_runner:
            test(alembic_runner)
        outcomes[name] = "passed"
    except Exception as error:
        outcomes[name] = "failed: " + str(error).splitlines()[0]
    finally:
        engine.dispose()
print(json.dumps(outcomes))
"""


@pytest.fixture
def invoke(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `migcheck verify ARGS --format json` from the fixture's directory, as the doc does."""
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url(pg_server.maintenance_db))
    monkeypatch.chdir(FIXTURE)

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(cli, ["verify", *args, "--format", "json"])
        assert result.exit_code in (0, 1), result.stdout + result.stderr
        return result.exit_code, json.loads(result.stdout)

    return run


def statuses(data: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {
        r["revision"]: (r["status"], [p["kind"] for p in r["problems"]]) for r in data["revisions"]
    }


@pytest.fixture
def databases(pg_server: Server) -> Iterator[list[str]]:
    created = [pg_server.create_database() for _ in range(6)]
    yield [database.url for database in created]
    for database in created:
        pg_server.drop_database(database)


def test_the_doc_shows_exactly_the_commands_this_module_runs() -> None:
    shown = {
        line.strip()
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("migcheck verify")
    }
    assert shown == {" ".join(["migcheck verify", *args]).strip() for args in COMMANDS.values()}


def test_pytest_alembic_passes_what_migcheck_fails(databases: list[str]) -> None:
    pytest.importorskip("pytest_alembic")
    completed = subprocess.run(
        [sys.executable, "-c", PYTEST_ALEMBIC, *databases],
        cwd=FIXTURE,
        capture_output=True,
        text=True,
        check=True,
    )
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    default_tests = [
        "test_single_head_revision",
        "test_upgrade",
        "test_model_definitions_match_ddl",
        "test_up_down_consistency",
    ]
    assert [outcomes[name] for name in default_tests] == ["passed"] * 4, outcomes
    # the experimental test sees the column a5's empty downgrade leaves behind ...
    assert outcomes["test_downgrade_leaves_no_trace"].startswith(
        "failed: There is a difference between the pre-'a5'-upgrade `MetaData`"
    )
    # ... but not the enum type a7's downgrade leaves behind: it compares reflected tables
    assert outcomes["a5 skipped"] == "passed"


def test_the_conftest_equivalent(invoke: Invoke) -> None:
    code, data = invoke(*COMMANDS["equivalent"])
    assert code == 1
    assert statuses(data) == {
        "a1": ("pass", []),
        "a2": ("pass", ["declared-floor"]),
        "a3": ("pass", ["skipped"]),
        "a4": ("pass", []),
        "a5": ("fail", ["empty-downgrade", "not-restored", "reupgrade-failed"]),
        "a6": ("pass", []),
        "a7": ("fail", ["not-restored"]),
    }
    assert data["drift_checked"] and data["drift"] == []
    a5, a6, a7 = data["revisions"][4:]
    assert a7["problems"][0]["message"] == (
        "enum type mood exists after downgrade to a6 but did not before"
    )
    assert "column orders.currency exists after downgrade to a4" in a5["problems"][1]["message"]
    # the two seed rows were in users when a6 ran: its lock holds count them
    assert {hold["rows"] for hold in a6["holds"] if hold["relation"] == "users"} == {2}
    # locks of what ran, and lint of it
    index = next(s for s in a6["locks"] if s["statement"].startswith("CREATE INDEX"))
    assert [(lock["relation"], lock["mode"]) for lock in index["locks"]] == [("users", "SHARE")]
    assert {"MC101", "MC105"} <= {f["rule"] for f in a6["findings"]}


def test_without_the_settings_the_floor_and_the_broken_revision_fail(invoke: Invoke) -> None:
    code, data = invoke(*COMMANDS["bare"])
    assert code == 1
    found = statuses(data)
    assert found["a2"] == ("fail", ["declared-floor"])
    assert found["a3"] == ("fail", ["downgrade-failed"])
    assert 'view "active_user" does not exist' in data["revisions"][2]["problems"][0]["message"]


def test_from_checks_only_the_revisions_above(invoke: Invoke) -> None:
    code, data = invoke(*COMMANDS["from"])
    assert code == 1
    assert data["applied_only"] == ["a1", "a2", "a3"]
    assert [r["revision"] for r in data["revisions"]] == ["a4", "a5", "a6", "a7"]
    assert statuses(data)["a5"][0] == "fail"
