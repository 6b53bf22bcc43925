"""The pytest plugin: a team's own test suite verifies its project through the fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migcheck.pg import Server

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"

#: pytest-alembic (installed for the benches) fails on pytest 9: keep it out of the inner suite
ARGS = ("-p", "migcheck.pytest_plugin", "-p", "no:pytest_alembic")


def _suite(pytester: pytest.Pytester, project: str, pg_server: Server, test: str) -> None:
    shutil.copytree(FIXTURES / project, pytester.path / "project")
    url = pg_server.endpoint.url(pg_server.maintenance_db)
    pytester.makeconftest(
        f"""
import pytest

@pytest.fixture(scope="session")
def migcheck_database_url():
    return {url!r}
"""
    )
    pytester.makeini("[pytest]\nmigcheck_project = project\n")
    pytester.makepyfile(test_migrations=test)


def test_a_clean_history_passes(pytester: pytest.Pytester, pg_server: Server) -> None:
    _suite(
        pytester,
        "clean",
        pg_server,
        # its revisions carry lint warnings; the walk itself finds nothing
        "def test_migrations(migcheck):\n    migcheck.check(migcheck.verify(fail_on=None))\n",
    )
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(passed=1)


def test_lint_findings_fail_at_the_configured_level(
    pytester: pytest.Pytester, pg_server: Server
) -> None:
    _suite(
        pytester,
        "clean",
        pg_server,
        "def test_migrations(migcheck):\n    migcheck.check()\n",
    )
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*MC*warning*"])


def test_a_broken_downgrade_fails_with_the_report(
    pytester: pytest.Pytester, pg_server: Server
) -> None:
    _suite(
        pytester,
        "not_restored",
        pg_server,
        "def test_migrations(migcheck):\n    migcheck.check()\n",
    )
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not-restored*"])


def test_options_and_the_result_reach_the_test(
    pytester: pytest.Pytester, pg_server: Server
) -> None:
    _suite(
        pytester,
        "not_restored",
        pg_server,
        "def test_migrations(migcheck):\n"
        "    result = migcheck.verify(lint=False)\n"
        "    assert not result.linting\n"
        "    assert [r.status for r in result.revisions][-1] == 'fail'\n",
    )
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(passed=1)


def test_bad_input_is_one_line(pytester: pytest.Pytester, pg_server: Server) -> None:
    _suite(
        pytester,
        "clean",
        pg_server,
        "def test_migrations(migcheck):\n    migcheck.check()\n",
    )
    pytester.makeini("[pytest]\nmigcheck_project = nowhere\n")
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*migcheck: *nowhere: no alembic.ini found*"])
    assert "Traceback" not in result.stdout.str()
