"""Shared fixtures: one real throwaway PostgreSQL per test session, a fresh database per test.

The backend follows ``MIGCHECK_TEST_PG_BACKEND`` (default ``auto``: ``MIGCHECK_DATABASE_URL``
when set, else docker when an engine answers, else the embedded server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from migcheck.pg import Database, Server, start_server

#: pytester runs the pytest plugin's tests in a suite of their own
pytest_plugins = ("pytester",)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    backend = os.environ.get("MIGCHECK_TEST_PG_BACKEND", "auto")
    with start_server(backend) as server:
        yield server


@pytest.fixture
def fresh_db(pg_server: Server) -> Iterator[Database]:
    database = pg_server.create_database()
    yield database
    pg_server.drop_database(database)
