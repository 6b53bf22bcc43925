"""Targeted snapshots (event-trigger log) see everything a full snapshot sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.catalog.executor import executor

from migcheck.alembic_project.project import load_project
from migcheck.catalog import snapshot as schema_snapshot
from migcheck.catalog.diff import describe_all
from migcheck.catalog.snapshot import SnapshotTaker
from migcheck.pg import Database, Server
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

ROOT = Path(__file__).resolve().parents[2] / "fixtures"

#: Each step changes something others depend on, or something event triggers report oddly.
STEPS = [
    "CREATE TABLE users (id serial PRIMARY KEY, name text, email text)",
    "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id))",
    "CREATE VIEW v_users AS SELECT id, name FROM users",
    "CREATE INDEX ix_users_lower ON users (lower(email))",
    "CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'select lower(t)'",
    "CREATE INDEX ix_orders_norm ON orders (norm(id::text))",
    "ALTER TABLE users RENAME COLUMN id TO user_id",
    "ALTER TABLE users RENAME TO people",
    "ALTER FUNCTION norm(text) RENAME TO normalize",
    "ALTER TABLE people ADD COLUMN age int",
    "ALTER TABLE people DROP COLUMN age",
    "DROP INDEX ix_users_lower",
    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
    "ALTER TABLE orders ADD COLUMN moods mood[]",
    "ALTER TYPE mood RENAME TO feeling",
    "ALTER TYPE feeling ADD VALUE 'happy'",
    "CREATE SEQUENCE loose",
    "ALTER SEQUENCE loose OWNED BY orders.id",
    "ALTER SEQUENCE loose OWNED BY NONE",
    "DROP SEQUENCE loose",
    "ALTER TABLE orders ALTER COLUMN id DROP DEFAULT",
    "DROP SEQUENCE orders_id_seq",
    "CREATE TABLE p (k int) PARTITION BY RANGE (k)",
    "CREATE TABLE p1 (k int)",
    "ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM (1) TO (10)",
    "ALTER TABLE p ADD COLUMN extra text",
    "ALTER TABLE p DETACH PARTITION p1",
    "COMMENT ON COLUMN orders.user_id IS 'who'",
    "DO $$ BEGIN EXECUTE 'CREATE INDEX ix_in_do ON orders (user_id)'; END $$",
    "CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS 'begin return new; end'",
    "CREATE TRIGGER t_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION tg()",
    "DROP FUNCTION tg() CASCADE",
    "CREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS 'begin null; end'",
    "CREATE EVENT TRIGGER users_own ON ddl_command_end EXECUTE FUNCTION evt()",
    "SET session_replication_role = replica",
    "CREATE TABLE while_replica (a int)",
    "RESET session_replication_role",
    "CREATE SCHEMA app",
    "ALTER TABLE orders SET SCHEMA app",
    "ALTER SCHEMA app RENAME TO shop",
    "DROP TABLE people CASCADE",
    "DROP EVENT TRIGGER users_own",
    # a table with a serial column dropped (its default is reported as dropped on its own)
    "CREATE TABLE gone (id serial PRIMARY KEY, note text DEFAULT 'x')",
    "DROP TABLE gone",
    "DO $$ BEGIN DROP TABLE while_replica; CREATE TABLE while_replica (b int); END $$",
    # what belongs to views and types, each listed outside tables
    "CREATE VIEW v_orders AS SELECT k FROM p",
    "CREATE FUNCTION vtg() RETURNS trigger LANGUAGE plpgsql AS 'begin return new; end'",
    "CREATE TRIGGER t_v INSTEAD OF INSERT ON v_orders FOR EACH ROW EXECUTE FUNCTION vtg()",
    "CREATE RULE r_v AS ON DELETE TO v_orders DO INSTEAD NOTHING",
    "COMMENT ON VIEW v_orders IS 'orders'",
    "DROP TRIGGER t_v ON v_orders",
    "DROP RULE r_v ON v_orders",
    "CREATE MATERIALIZED VIEW mv AS SELECT k FROM p",
    "CREATE INDEX ix_mv ON mv (k)",
    "DROP INDEX ix_mv",
    "DROP MATERIALIZED VIEW mv",
    "CREATE DOMAIN positive AS int CONSTRAINT pos CHECK (VALUE > 0)",
    "ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100) NOT VALID",
    "ALTER DOMAIN positive VALIDATE CONSTRAINT small",
    "ALTER DOMAIN positive DROP CONSTRAINT pos",
    "CREATE TYPE pair AS (a int, b feeling)",
    "ALTER TYPE feeling RENAME TO mood",
    "COMMENT ON TYPE pair IS 'two'",
    "DROP DOMAIN positive",
    "CREATE STATISTICS st_p ON k, extra FROM p",
    "DROP STATISTICS st_p",
    "CREATE SEQUENCE free",
    "COMMENT ON SEQUENCE free IS 'numbers'",
    "ALTER SEQUENCE free INCREMENT BY 2",
    "DROP SEQUENCE free",
    "DROP VIEW v_orders",
]


@pytest.fixture
def connection(fresh_db: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(fresh_db.conninfo, autocommit=True) as conn:
        yield conn


def test_targeted_snapshots_match_full_ones_after_every_statement(
    connection: psycopg.Connection[Any], fresh_db: Database
) -> None:
    execute = executor(connection)

    schema_snapshot.install(execute, track=True)
    taker = SnapshotTaker()
    previous = taker.take(execute, None)
    for statement in STEPS:
        if statement.startswith("CREATE TABLE p1"):  # on another connection
            with psycopg.connect(fresh_db.conninfo, autocommit=True) as other:
                other.execute(statement)
        else:
            connection.execute(statement)
        targeted = taker.take(execute, None)
        full = schema_snapshot.take(execute, None)
        assert targeted == full, (statement, describe_all(full, targeted, "full", "targeted"))
        assert describe_all(previous, targeted) == describe_all(previous, full), statement
        previous = full
    # migcheck's own tracking never shows up
    names = {
        name for category in full.objects.values() for identity in category for name in identity
    }
    assert not any(name.startswith("migcheck") for name in names)


def test_tracking_leaves_the_schema_and_migrations_alone(
    connection: psycopg.Connection[Any],
) -> None:
    execute = executor(connection)

    schema_snapshot.install(execute)
    before = schema_snapshot.take(execute, None)
    schema_snapshot.install(execute, track=True)
    schema_snapshot.install(execute, track=True)  # idempotent
    assert schema_snapshot.take(execute, None) == before
    connection.execute("CREATE TABLE t (a int)")
    with connection.transaction():
        connection.execute("ALTER TABLE t ADD COLUMN b int")
        locked = connection.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE l.pid = pg_backend_pid() AND n.nspname = 'public' AND c.relname <> 't'"
        ).fetchone()
    assert locked == (0,)


def _outcomes(result: VerifyResult) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """Per revision: status and problems, a blocking backend's pid left out (it differs per run)."""
    return [
        (
            r.revision,
            r.status,
            [(p.step, p.kind, re.sub(r"backend \d+", "backend N", p.message)) for p in r.problems],
        )
        for r in result.revisions
    ]


def _same(a: VerifyResult, b: VerifyResult) -> None:
    assert _outcomes(a) == _outcomes(b)
    assert a.drift == b.drift and a.notes == b.notes


DEPENDENTS = {
    "a1_users.py": """
    op.execute("CREATE TABLE users (id serial PRIMARY KEY, email text)")
    op.execute("CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id))")
    op.execute("CREATE VIEW v_users AS SELECT id, email FROM users")
    op.execute("CREATE INDEX ix_users_email ON users (lower(email))")
""",
    "a2_rename.py": """
    op.execute("ALTER TABLE users RENAME COLUMN id TO user_id")
    op.execute("ALTER TABLE users RENAME TO people")
""",
}


ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
with engine_from_config(
    config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def _dependents_project(tmp_path: Path) -> Path:
    """A history whose second step renames a table a view and a foreign key depend on."""
    project = tmp_path / "dependents"
    versions = project / "migrations" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://x@127.0.0.1:1/x\n"
    )
    (project / "migrations" / "env.py").write_text(ENV_PY)
    downgrades = {
        "a1_users.py": 'op.execute("DROP TABLE orders, users CASCADE")',
        # forgets to rename the table back: the view and the foreign key name "people"
        "a2_rename.py": 'op.execute("ALTER TABLE people RENAME COLUMN user_id TO id")',
    }
    previous = None
    for name, body in DEPENDENTS.items():
        revision = name.split("_")[0]
        (versions / name).write_text(
            f"from alembic import op\n\nrevision = {revision!r}\ndown_revision = {previous!r}\n"
            f"branch_labels = None\ndepends_on = None\n\n\ndef upgrade():{body}\n\n"
            f"def downgrade():\n    {downgrades[name]}\n"
        )
        previous = revision
    return project


def test_walks_agree_with_full_snapshots(pg_server: Server, tmp_path: Path) -> None:
    projects = [p for p in sorted((ROOT / "verify").iterdir()) if (p / "alembic.ini").exists()]
    projects += [ROOT / "demo", _dependents_project(tmp_path)]
    checked = 0
    for path in projects:
        try:
            project = load_project(path)
            options = VerifyOptions(allow_multiple_heads=True)
            targeted = verify_project(project, pg_server, options)
        except Exception:  # fixtures of bad input (broken env.py, ...): no walk to compare
            continue
        full_options = VerifyOptions(allow_multiple_heads=True, full_snapshots=True)
        full = verify_project(load_project(path), pg_server, full_options)
        _same(targeted, full)
        checked += 1
    assert checked >= 15
    dependents = verify_project(load_project(projects[-1]), pg_server)
    a2 = [p.message for p in dependents.revisions[1].problems]
    assert any("view v_users" in m and "people" in m for m in a2), a2
    assert any("fk" in m.lower() or "orders" in m for m in a2), a2
