"""How env.py is pointed at the throwaway database, and what happens when it looks elsewhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from migcheck.alembic_project.project import load_project
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.verify.walk import VerifyOptions, verify_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"

ENV_FIXED_URL = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine({url!r})
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""

ENV_CUSTOM_VARIABLE = """
import os

from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["APP_DB"])
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def copy_with_env(tmp_path: Path, env: str) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "floor", project)
    (project / "migrations" / "env.py").write_text(env)
    return project


def test_env_py_using_another_database_is_refused(pg_server: Server, tmp_path: Path) -> None:
    url = pg_server.endpoint.url(pg_server.maintenance_db)
    project = load_project(copy_with_env(tmp_path, ENV_FIXED_URL.format(url=url)))
    with pytest.raises(MigcheckError, match="connected to database 'postgres'") as caught:
        verify_project(project, pg_server)
    assert "--url-env" in str(caught.value)


def test_url_env_names_the_variable_env_py_reads(
    pg_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_DB", raising=False)
    project = load_project(copy_with_env(tmp_path, ENV_CUSTOM_VARIABLE))
    result = verify_project(
        project, pg_server, VerifyOptions(url_env=("APP_DB",), allow_floor=True)
    )
    assert result.ok
    assert [r.status for r in result.revisions] == ["pass", "pass", "pass"]
    assert "APP_DB" not in os.environ  # restored afterwards
