"""pytest plugin: run ``migcheck verify`` inside a team's own test suite.

Installed with migcheck (entry point ``pytest11``), it adds three fixtures::

    def test_migrations(migcheck):
        migcheck.check()                      # the whole history, up → down → up, drift at head

    def test_new_revisions(migcheck):
        result = migcheck.verify(start="ae1027a6acf")
        assert not result.drift
        migcheck.check(result)

``migcheck_database_url`` (session scope) names the server to verify on: ``None`` (the default)
starts a throwaway embedded PostgreSQL; override it to return the URL of the team's own
database fixture (a role that may ``CREATE DATABASE``: migcheck creates and drops its own
databases there and touches no other). ``migcheck_project`` is the alembic.ini or its directory
(default: the ``migcheck_project`` ini option, else the rootdir). Nothing is imported from
migcheck until a test asks for a fixture, so the plugin costs other test runs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from migcheck.verify.results import VerifyResult
    from migcheck.verify.walk import VerifyOptions


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini options: ``migcheck_project`` and ``migcheck_pg_backend``."""
    parser.addini(
        "migcheck_project",
        "alembic.ini (or its directory) the migcheck fixture verifies; default: rootdir",
        default="",
    )
    parser.addini(
        "migcheck_pg_backend",
        "server backend when migcheck_database_url is None: auto, embedded, docker",
        default="auto",
    )


@dataclass
class Migcheck:
    """What the ``migcheck`` fixture gives a test: verify the project, check a result."""

    project: str
    database_url: str | None
    pg_backend: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)

    def verify(self, **overrides: Any) -> VerifyResult:
        """Walk the project and return the result; ``overrides`` are VerifyOptions fields.

        Bad input (no alembic.ini, a broken env.py) fails the test with its one-line message.
        """
        from migcheck.errors import MigcheckError
        from migcheck.verify.run import run_verify

        try:
            return run_verify(
                self.project,
                self._options(**overrides),
                pg_backend="url" if self.database_url else self.pg_backend,
                database_url=self.database_url,
            )
        except MigcheckError as error:
            pytest.fail(f"migcheck: {error}", pytrace=False)

    def check(self, result: VerifyResult | None = None) -> VerifyResult:
        """Fail the test with the text report unless ``result`` (default: a new walk) is ok."""
        from migcheck.report import verify_text

        if result is None:
            result = self.verify()
        if not result.ok:
            pytest.fail(verify_text.render(result), pytrace=False)
        return result

    def _options(self, **overrides: Any) -> VerifyOptions:
        from migcheck.config import load_settings
        from migcheck.verify.walk import VerifyOptions

        root = os.path.dirname(self.project) if os.path.isfile(self.project) else self.project
        settings = load_settings(root)
        options = VerifyOptions(settings=settings, fail_on=settings.fail_on)
        return replace(options, **{**self.options, **overrides})


@pytest.fixture(scope="session")
def migcheck_database_url() -> str | None:
    """The server to verify on; None starts a throwaway one. Override in your conftest.py."""
    return None


@pytest.fixture(scope="session")
def migcheck_project(pytestconfig: pytest.Config) -> str:
    """The alembic.ini (or its directory) to verify. Override in your conftest.py."""
    configured = str(pytestconfig.getini("migcheck_project") or "")
    if not configured:
        return str(pytestconfig.rootpath)
    return str(pytestconfig.rootpath / configured)


@pytest.fixture(scope="session")
def migcheck(
    pytestconfig: pytest.Config, migcheck_project: str, migcheck_database_url: str | None
) -> Migcheck:
    """Verify the project from a test: ``migcheck.check()`` or ``migcheck.verify(**options)``."""
    backend = str(pytestconfig.getini("migcheck_pg_backend") or "auto")
    return Migcheck(migcheck_project, migcheck_database_url, backend)
