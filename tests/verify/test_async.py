"""Async projects: the ``alembic init -t async`` env.py with asyncpg and with psycopg's async
driver, and Alembic's asyncio connection-sharing recipe, on fixtures/verify/clean's history.

Each must give what the sync env.py gives on the same history: statuses, problems, drift, lint
findings and the lock trace.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from migcheck.alembic_project.project import load_project
from migcheck.pg import Server
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"


def observed(result: VerifyResult) -> dict[str, Any]:
    """Everything the walk found, without times and backend pids."""
    return {
        "ok": result.ok,
        "drift": [str(item) for item in result.drift],
        "drift_checked": result.drift_checked,
        "notes": result.notes,
        "revisions": [
            (
                r.revision,
                r.status,
                [(p.step, p.kind, p.message) for p in r.problems],
                sorted(
                    (f.step, f.finding.rule, f.finding.location.line, f.finding.message)
                    for f in r.findings
                ),
                [
                    (
                        s.sql,
                        s.line,
                        [(lock.relation, lock.label, lock.new_relation) for lock in s.locks],
                        [(lock.relation, lock.label) for lock in s.held],
                        s.rewritten,
                    )
                    for s in r.locks
                ],
            )
            for r in result.revisions
        ],
    }


@pytest.fixture(scope="module")
def sync_result(pg_server: Server) -> dict[str, Any]:
    return observed(verify_project(load_project(FIXTURES / "clean"), pg_server))


@pytest.mark.parametrize("fixture", ["async_asyncpg", "async_psycopg", "async_shared"])
def test_async_project_gives_what_the_sync_one_gives(
    pg_server: Server, sync_result: dict[str, Any], fixture: str
) -> None:
    project = load_project(FIXTURES / fixture)
    result = verify_project(project, pg_server, VerifyOptions())
    assert result.ok, observed(result)
    # env.py got the driver its ini names (asyncpg), else migcheck's psycopg
    driver = "asyncpg" if fixture == "async_asyncpg" else "psycopg"
    assert (project.config.get_main_option("sqlalchemy.url") or "").startswith(
        f"postgresql+{driver}://"
    )
    assert observed(result) == sync_result
    assert result.drift_checked
    assert any(r.locks for r in result.revisions)  # the trace is there, not empty on both sides


ASYNC_ENV = """
import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config

config = context.config


def do_run_migrations(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    connectable = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


asyncio.run(run_async_migrations())
"""


def test_asyncpg_database_error_reads_as_psycopgs(pg_server: Server, tmp_path: Path) -> None:
    # fixtures/verify/db_error: a2 drops a table a foreign key depends on
    project = tmp_path / "db_error"
    shutil.copytree(FIXTURES / "db_error", project)
    (project / "migrations" / "env.py").write_text(ASYNC_ENV)
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("postgresql+psycopg://", "postgresql+asyncpg://"))
    sync = verify_project(load_project(FIXTURES / "db_error"), pg_server, VerifyOptions())
    result = verify_project(load_project(project), pg_server, VerifyOptions())
    assert observed(result) == observed(sync)
    [problem] = result.revisions[1].problems
    assert problem.message.startswith(
        "upgrade() raised DependentObjectsStillExist: cannot drop table users because other "
        "objects depend on it DETAIL: constraint fk_orders_user on table orders depends on "
        "table users HINT: Use DROP ... CASCADE"
    )
