"""The lock tracer against a real server: the locks PostgreSQL reports, per statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from migcheck.pg import Database
from migcheck.postgres.locks import Lock
from migcheck.verify.trace import LockTracer, TracedStatement, install


@pytest.fixture
def engine(fresh_db: Database) -> Iterator[sa.Engine]:
    engine = sa.create_engine(fresh_db.url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE "order" (id bigint PRIMARY KEY, "weird name" int)')
        conn.exec_driver_sql('INSERT INTO "order" SELECT g, g FROM generate_series(1, 100) g')
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32))")
    yield engine
    engine.dispose()


@pytest.fixture(params=[False, True], ids=["sql", "installed"], autouse=True)
def installed(request: pytest.FixtureRequest) -> bool:
    """Every test runs with the probes sent as SQL and with the installed probe functions."""
    global _INSTALLED
    _INSTALLED = bool(request.param)
    return _INSTALLED


_INSTALLED = False


def _trace(engine: sa.Engine, *statements: str, autocommit: bool = False) -> list[TracedStatement]:
    with engine.connect() as conn:
        if autocommit:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if _INSTALLED:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            install(cursor.execute)
            conn.commit()
        with LockTracer(conn, ignore={"alembic_version"}, installed=_INSTALLED) as tracer:
            for statement in statements:
                conn.exec_driver_sql(statement)
        if not autocommit:
            conn.commit()
    return tracer.statements


def _modes(traced: TracedStatement) -> set[tuple[str, Lock]]:
    return {(lock.relation, lock.mode) for lock in traced.locks}


def test_plain_create_index_takes_share_lock(engine: sa.Engine) -> None:
    [traced] = _trace(engine, 'CREATE INDEX ix_weird ON "order" ("weird name")')
    assert ("order", Lock.SHARE) in _modes(traced)
    assert traced.strongest is not None
    assert traced.strongest.mode == Lock.SHARE
    assert traced.strongest.blocks == "all writes (INSERT, UPDATE, DELETE)"
    assert traced.in_transaction


def test_type_change_rewrites_under_access_exclusive(engine: sa.Engine) -> None:
    [traced] = _trace(engine, 'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE bigint')
    assert ("order", Lock.ACCESS_EXCLUSIVE) in _modes(traced)
    assert "order" in traced.rewritten
    assert traced.strongest is not None
    assert traced.strongest.blocks == "all reads and writes"


def test_metadata_only_change_does_not_rewrite(engine: sa.Engine) -> None:
    [traced] = _trace(engine, "ALTER TABLE \"order\" ADD COLUMN note text DEFAULT 'x'")
    assert ("order", Lock.ACCESS_EXCLUSIVE) in _modes(traced)
    assert traced.rewritten == []


def test_new_table_locks_are_marked_new(engine: sa.Engine) -> None:
    [traced] = _trace(engine, "CREATE TABLE fresh (id int)")
    assert traced.locks
    assert all(lock.new_relation for lock in traced.locks)
    assert traced.strongest is None


def test_locks_already_held_are_not_counted_twice(engine: sa.Engine) -> None:
    traced = _trace(
        engine,
        'LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE',
        'ALTER TABLE "order" ADD COLUMN extra int',
    )
    assert [t.sql for t in traced] == [
        'LOCK TABLE "order" IN ACCESS EXCLUSIVE MODE',
        'ALTER TABLE "order" ADD COLUMN extra int',
    ]
    assert ("order", Lock.ACCESS_EXCLUSIVE) in _modes(traced[0])
    assert traced[1].locks == []
    held = traced[1].strongest_held
    assert held is not None and held.mode == Lock.ACCESS_EXCLUSIVE and held.relation == "order"


def test_index_locks_are_reported_on_their_table(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE INDEX ix_weird ON "order" ("weird name")')
    [traced] = _trace(engine, "REINDEX INDEX ix_weird")
    assert {lock.relation for lock in traced.locks} == {"order"}
    strongest = traced.strongest
    assert strongest is not None and strongest.mode == Lock.ACCESS_EXCLUSIVE
    assert strongest.indexes == ("ix_weird",)
    assert traced.rebuilt == ["order.ix_weird"]
    assert traced.rewritten == []


def test_rewrite_after_an_earlier_rewrite_is_seen(engine: sa.Engine) -> None:
    # the first rewrite leaves "order" with a file node above every relation's OID: the next
    # trace's horizon must include file nodes, or a table rewritten again looks unchanged
    [first] = _trace(engine, 'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE bigint')
    [again] = _trace(engine, 'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE int')
    [untouched] = _trace(engine, 'ALTER TABLE "order" ADD COLUMN extra int')
    assert first.rewritten == ["order"]
    assert again.rewritten == ["order"]
    assert untouched.rewritten == []


def test_each_rewrite_of_one_transaction_is_its_own(engine: sa.Engine) -> None:
    traced = _trace(
        engine,
        'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE bigint',
        'ALTER TABLE "order" ADD COLUMN note text',
        'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE int',
    )
    assert [t.rewritten for t in traced] == [["order"], [], ["order"]]


def test_truncate_writes_a_new_file(engine: sa.Engine) -> None:
    [truncated] = _trace(engine, 'TRUNCATE "order"')
    assert truncated.rewritten == ["order"]


def test_relations_created_in_the_trace_are_new(engine: sa.Engine) -> None:
    traced = _trace(
        engine,
        "CREATE TABLE fresh (id int)",
        "ALTER TABLE fresh ALTER COLUMN id TYPE bigint",
        "CREATE INDEX ix_fresh ON fresh (id)",
        'CREATE INDEX ix_order ON "order" (id)',
    )
    assert all(lock.new_relation for t in traced[:3] for lock in t.locks)
    assert [(lock.relation, lock.new_relation) for lock in traced[3].locks] == [("order", False)]


def test_version_bookkeeping_is_left_out(engine: sa.Engine) -> None:
    traced = _trace(
        engine,
        "INSERT INTO alembic_version VALUES ('a1')",
        'ALTER TABLE "order" ADD COLUMN flag boolean',
    )
    assert [t.sql for t in traced] == ['ALTER TABLE "order" ADD COLUMN flag boolean']


def test_version_updates_are_left_out_however_spelled(engine: sa.Engine) -> None:
    traced = _trace(
        engine,
        "UPDATE public.\"alembic_version\" SET version_num = 'a2'",
        "DELETE FROM alembic_version WHERE version_num = 'a2'",
        'UPDATE "order" SET "weird name" = 1 WHERE id = 1',
    )
    assert [t.sql for t in traced] == ['UPDATE "order" SET "weird name" = 1 WHERE id = 1']
    assert _modes(traced[0]) == {("order", Lock.ROW_EXCLUSIVE)}


def test_concurrently_runs_outside_a_transaction(engine: sa.Engine) -> None:
    [traced] = _trace(engine, 'CREATE INDEX CONCURRENTLY ix_c ON "order" (id)', autocommit=True)
    assert not traced.in_transaction
    assert traced.locks == []


def test_failed_statement_is_recorded(engine: sa.Engine) -> None:
    with (
        engine.connect() as conn,
        LockTracer(conn) as tracer,
        pytest.raises(sa.exc.ProgrammingError),
    ):
        conn.exec_driver_sql("ALTER TABLE missing ADD COLUMN x int")
    assert [t.failed for t in tracer.statements] == [True]
