"""verify runs a project as ``alembic upgrade`` does (fixtures/verify/faithful, import_lock).

env.py on the main thread, revision files imported once env.py runs its migrations, the URL
variable set before anything imports, a step committed only when env.py would commit it, every
session with a lock_timeout, and Ctrl-C leaving nothing behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from migcheck.alembic_project.project import load_project
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"


def revision(result: VerifyResult, rev: str) -> RevisionResult:
    return next(r for r in result.revisions if r.revision == rev)


def kinds(result: VerifyResult) -> list[str]:
    return [p.kind for r in result.revisions for p in r.problems]


@pytest.fixture
def clean_imports() -> Iterator[None]:
    """Forget what a fixture's env.py put on sys.path and in sys.modules."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


@pytest.mark.usefixtures("clean_imports")
def test_env_py_runs_on_the_main_thread_and_revisions_import_after_it(pg_server: Server) -> None:
    # env.py installs a signal handler (main thread only) and puts lib/ on sys.path, which
    # revision a1 imports from; a1's upgrade() checks it runs on env.py's thread
    project = load_project(FIXTURES / "faithful")
    assert not project.loaded  # nothing of the project is imported before env.py runs
    result = verify_project(project, pg_server, VerifyOptions())
    assert kinds(result) == []
    assert [r.status for r in result.revisions] == ["pass", "pass"]
    state = sys.modules["faithful_state"]
    assert threading.main_thread().ident == state.ENV_THREAD
    # the URL variable was set before a1 was imported: it names the throwaway database
    assert state.URL_AT_IMPORT.startswith("postgresql+psycopg://")
    assert "not_a_database" not in state.URL_AT_IMPORT


@pytest.mark.usefixtures("clean_imports")
def test_lock_held_by_a_session_left_idle_at_import_is_named(pg_server: Server) -> None:
    project = load_project(FIXTURES / "import_lock")
    try:
        result = verify_project(project, pg_server, VerifyOptions(lock_timeout_ms=500))
    finally:
        settings = project.get("a1").module._settings  # the session a1 left idle in transaction
        settings.close()
        settings.engine.dispose()
    assert revision(result, "a1").status == "pass"
    [problem] = revision(result, "a2").problems
    assert problem.kind == "upgrade-failed"
    message = problem.message
    assert message.startswith("upgrade() raised LockNotAvailable: canceling statement due to lock")
    assert "(at a2_alter_settings.py:16)" in message
    assert "while `ALTER TABLE app_settings ADD COLUMN description TEXT` waited for a lock" in (
        message
    )
    assert "(idle in transaction) whose last query was: SELECT value FROM app_settings" in message
    assert "did not answer" not in message


def _project(tmp_path: Path, env: str, revision_a1: str | None = None) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "never_commits", project)
    (project / "migrations" / "env.py").write_text(env)
    if revision_a1 is not None:
        (project / "migrations" / "versions" / "a1_create_users.py").write_text(revision_a1)
    return project


ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(
    config.get_section(config.config_ini_section, {{}}),
    prefix="sqlalchemy.",
    poolclass=pool.NullPool,
)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None{options})
{body}
"""

IN_TRANSACTION = """    with context.begin_transaction():
        context.run_migrations()"""

OWN_SESSION = '''"""A revision that opens a session of its own and writes down its lock_timeout

Revision ID: a1
Revises:
"""
import pathlib

import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    engine = sa.create_engine(op.get_bind().engine.url, poolclass=sa.pool.NullPool)
    with engine.connect() as other:
        value = other.exec_driver_sql("SHOW lock_timeout").scalar()
    pathlib.Path(__file__).parents[2].joinpath("seen.txt").write_text(value)
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("users")
'''


def test_every_session_on_the_database_gets_a_lock_timeout(
    pg_server: Server, tmp_path: Path
) -> None:
    project = _project(tmp_path, ENV.format(options="", body=IN_TRANSACTION), OWN_SESSION)
    result = verify_project(load_project(project), pg_server, VerifyOptions(lock_timeout_ms=4321))
    assert kinds(result) == []
    assert (project / "seen.txt").read_text() == "4321ms"


@pytest.mark.parametrize(
    ("options", "body", "expected"),
    [
        # begin_transaction() commits
        ("", IN_TRANSACTION, []),
        # no commit anywhere: closing the connection rolls everything back
        ("", "    context.run_migrations()", ["never-committed"]),
        # a commit() that never runs (reading env.py's source for commit() was fooled by it)
        (
            "",
            "    context.run_migrations()\n    if config.get_main_option('commit') == 'yes':\n"
            "        connection.commit()",
            ["never-committed"],
        ),
        # a commit() after the migrations
        ("", "    context.run_migrations()\n    connection.commit()", []),
        # Alembic commits each migration itself
        (", transaction_per_migration=True", "    context.run_migrations()", []),
    ],
    ids=["begin-transaction", "no-commit", "commit-never-reached", "commit-after", "per-migration"],
)
def test_a_step_counts_as_committed_only_when_env_py_commits_it(
    pg_server: Server, tmp_path: Path, options: str, body: str, expected: list[str]
) -> None:
    project = _project(tmp_path, ENV.format(options=options, body=body))
    result = verify_project(load_project(project), pg_server, VerifyOptions())
    assert kinds(result) == expected
    assert result.ok is not bool(expected)


SHARED_CONNECTION = """
from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
context.run_migrations()
"""


def test_shared_connection_left_open_is_its_owners_to_commit(
    pg_server: Server, tmp_path: Path
) -> None:
    # pytest-alembic's style: the caller owns the connection and commits it
    project = _project(tmp_path, SHARED_CONNECTION)
    result = verify_project(load_project(project), pg_server, VerifyOptions())
    assert kinds(result) == []


INTERRUPTED = '''"""A signal while upgrade() runs

Revision ID: a1
Revises:
"""
import os
import signal
import time

import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None
DATABASE = []


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
    DATABASE.append(op.get_bind().exec_driver_sql("SELECT current_database()").scalar())
    os.kill(os.getpid(), getattr(signal, os.environ["MIGCHECK_TEST_SIGNAL"]))
    time.sleep(30)


def downgrade():
    op.drop_table("users")
'''


@pytest.mark.parametrize(
    ("name", "raised"),
    [("SIGINT", KeyboardInterrupt), ("SIGTERM", SystemExit)],  # start_server: SIGTERM unwinds
)
def test_a_signal_stops_the_walk_and_leaves_no_session(
    pg_server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    raised: type[BaseException],
) -> None:
    if name == "SIGTERM" and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        pytest.skip("the test server was not started on the main thread: SIGTERM would kill")
    monkeypatch.setenv("MIGCHECK_TEST_SIGNAL", name)
    project = load_project(
        _project(tmp_path, ENV.format(options="", body=IN_TRANSACTION), INTERRUPTED)
    )
    before = os.environ.get("DATABASE_URL")
    with pytest.raises(raised):
        verify_project(project, pg_server, VerifyOptions())
    assert not [t for t in threading.enumerate() if t.name == "migcheck-walk"]
    assert os.environ.get("DATABASE_URL") == before
    [database] = project.get("a1").module.DATABASE
    assert _sessions_on(pg_server, database) == []
    pg_server.drop_database(database)  # nothing holds it


def _sessions_on(server: Server, database: str) -> list[tuple[str, str]]:
    """The sessions still connected to ``database`` once closed ones had time to exit.

    A client's close() does not wait for its backend to exit: a closed session can stay in
    pg_stat_activity for a moment. An open one stays there for good.
    """
    sql = "SELECT state, query FROM pg_stat_activity WHERE datname = %s"
    for _ in range(50):
        left = server.admin.execute(sql, (database,)).fetchall()
        if not left:
            break
        time.sleep(0.1)
    return [(str(state), str(query)) for state, query in left]


def test_env_py_exiting_with_success_is_bad_input_not_a_pass(
    pg_server: Server, tmp_path: Path
) -> None:
    # `alembic upgrade` would end with status 0 and nothing migrated
    project = _project(tmp_path, "import sys\n\nsys.exit(0)\n")
    with pytest.raises(MigcheckError, match=r"env.py failed: SystemExit: 0$"):
        verify_project(load_project(project), pg_server, VerifyOptions())


STUCK = '''"""A migration that never returns

Revision ID: a1
Revises:
"""
import time

from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    {stuck}


def downgrade():
    pass
'''


@pytest.mark.parametrize(
    "stuck",
    ['op.execute("SELECT pg_sleep(3600)")', "time.sleep(3600)"],
    ids=["on-the-database", "in-python"],
)
def test_env_py_that_never_answers_is_stopped_and_named(
    pg_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stuck: str
) -> None:
    # env.py runs on the main thread: the walk must be able to stop it, or migcheck hangs
    from migcheck.verify import session

    monkeypatch.setattr(session, "ENV_TIMEOUT", 1.0)
    project = _project(
        tmp_path, ENV.format(options="", body=IN_TRANSACTION), STUCK.format(stuck=stuck)
    )
    with pytest.raises(MigcheckError, match=r"env.py did not answer within 1 s"):
        verify_project(load_project(project), pg_server, VerifyOptions())
    assert not [t for t in threading.enumerate() if t.name == "migcheck-walk"]
