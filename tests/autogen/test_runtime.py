"""migcheck's operations run directly against PostgreSQL: retries, leftovers, backfill."""

from __future__ import annotations

import io
import logging
import re
import threading

import psycopg
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from tests.autogen.helpers import operations

from migcheck.config import Settings
from migcheck.errors import MigcheckError
from migcheck.pg import Database

FAST = Settings(lock_timeout="50ms", retries=2, retry_backoff=0.01)


def run(db: Database, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def constraints(db: Database, *kinds: str) -> list[tuple[object, ...]]:
    """(name, validated) of the public schema's constraints of the given contype letters."""
    letters = ", ".join(f"'{k}'" for k in kinds)
    return run(
        db,
        "SELECT conname, convalidated FROM pg_constraint"
        f" WHERE connamespace = 'public'::regnamespace AND contype IN ({letters})",
    )


@pytest.fixture
def orders(fresh_db: Database) -> Database:
    run(
        fresh_db,
        'CREATE TABLE "order" (id bigint PRIMARY KEY, "weird name" text, priority int, total int);'
        " INSERT INTO \"order\" SELECT g, 'w' || g, NULL, g FROM generate_series(1, 2500) g",
    )
    return fresh_db


def test_lock_timeout_gives_up_after_bounded_retries(
    orders: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with psycopg.connect(orders.conninfo) as holder:
        holder.execute('LOCK TABLE "order" IN ACCESS SHARE MODE')
        with operations(orders, FAST) as op, caplog.at_level(logging.WARNING, "alembic.migcheck"):
            with pytest.raises(MigcheckError, match=r"lock not granted .* after 3 attempts"):
                op.add_not_null_constraint("order", "weird name")
            (lock_timeout,) = op.get_bind().exec_driver_sql("SHOW lock_timeout").one()
    assert lock_timeout == "0"  # the session setting did not leak
    assert len([r for r in caplog.records if "retrying" in r.message]) == 2
    assert constraints(orders, "c") == []


def test_retry_succeeds_once_the_lock_is_released(orders: Database) -> None:
    patient = Settings(lock_timeout="50ms", retries=20, retry_backoff=0.02)
    holder = psycopg.connect(orders.conninfo)
    holder.execute('LOCK TABLE "order" IN ACCESS SHARE MODE')
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        with operations(orders, patient) as op:
            op.add_not_null_constraint("order", "weird name")
    finally:
        release.join()
        holder.close()
    assert run(
        orders,
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = '\"order\"'::regclass"
        " AND attname = 'weird name'",
    ) == [(True,)]
    assert constraints(orders, "c") == []


def test_concurrent_index_restores_session_lock_timeout(orders: Database) -> None:
    with operations(orders, FAST) as op:
        op.get_bind().exec_driver_sql("SET lock_timeout = '7s'")
        op.get_bind().commit()
        op.create_index_concurrently("ix_order_total", "order", ["total"])
        (lock_timeout,) = op.get_bind().exec_driver_sql("SHOW lock_timeout").one()
    assert lock_timeout == "7s"
    assert run(
        orders, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_order_total'::regclass"
    ) == [(True,)]


def test_failed_unique_build_leaves_no_invalid_index(orders: Database) -> None:
    run(orders, 'UPDATE "order" SET total = 1 WHERE id <= 2')
    with operations(orders, FAST) as op, pytest.raises(MigcheckError) as failed:
        op.create_index_concurrently("ux_order_total", "order", ["total"], unique=True)
    message = str(failed.value)
    assert "\n" not in message
    assert "create index ux_order_total failed, the INVALID index it left was dropped" in message
    assert "Key (total)=(1) is duplicated" in message
    assert run(orders, "SELECT to_regclass('ux_order_total')") == [(None,)]


def test_invalid_leftover_index_is_rebuilt(orders: Database) -> None:
    run(orders, 'UPDATE "order" SET total = 1 WHERE id <= 2')
    with pytest.raises(psycopg.errors.UniqueViolation):
        run(orders, 'CREATE UNIQUE INDEX CONCURRENTLY ux_order_total ON "order" (total)')
    assert run(
        orders, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ux_order_total'::regclass"
    ) == [(False,)]
    run(orders, 'UPDATE "order" SET total = -1 WHERE id = 1')
    with operations(orders, FAST) as op:
        op.create_index_concurrently("ux_order_total", "order", ["total"], unique=True)
    assert run(
        orders, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ux_order_total'::regclass"
    ) == [(True,)]


def test_rerun_after_partial_not_null_resumes(orders: Database) -> None:
    run(
        orders,
        'ALTER TABLE "order" ADD CONSTRAINT "order_weird name_not_null"'
        ' CHECK ("weird name" IS NOT NULL) NOT VALID',
    )
    with operations(orders, FAST) as op:
        op.add_not_null_constraint("order", "weird name")
        op.add_not_null_constraint("order", "weird name")
    assert constraints(orders, "c") == []


def test_not_null_stops_on_nulls_before_adding_anything(orders: Database) -> None:
    with operations(orders, FAST) as op, pytest.raises(MigcheckError, match="rows are NULL"):
        op.add_not_null_constraint("order", "priority")
    assert (
        run(
            orders,
            "SELECT conname FROM pg_constraint WHERE contype = 'c'"
            " AND conrelid = '\"order\"'::regclass",
        )
        == []
    )


def test_backfill_in_batches_and_resumes(
    orders: Database, caplog: pytest.LogCaptureFixture
) -> None:
    run(orders, 'UPDATE "order" SET priority = 5 WHERE id > 2000')
    with operations(orders, FAST) as op, caplog.at_level(logging.INFO, "alembic.migcheck"):
        op.backfill(
            "order",
            values={"priority": sa.text("total * 2")},
            where="priority IS NULL",
            batch_size=300,
        )
    done = [r.getMessage() for r in caplog.records if "done" in r.getMessage()]
    found = re.search(r"done, (\d+) rows in (\d+) batches", done[0] if done else "")
    assert found is not None
    assert int(found.group(1)) == 2000
    assert int(found.group(2)) >= 7  # never more than batch_size rows at once
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority = total * 2') == [(2000,)]
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority = 5') == [(500,)]


def test_backfill_placeholder_fails_loudly(orders: Database) -> None:
    from migcheck.alembic import FILL_IN

    with operations(orders, FAST) as op, pytest.raises(MigcheckError, match="FILL_IN"):
        op.backfill("order", values={"priority": FILL_IN}, where="priority IS NULL")
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority IS NULL') == [(2500,)]


def test_foreign_key_and_unique_constraint(orders: Database) -> None:
    run(orders, "CREATE TABLE customer (id bigint PRIMARY KEY); INSERT INTO customer VALUES (1)")
    run(orders, 'ALTER TABLE "order" ADD COLUMN customer_id bigint')
    run(orders, 'UPDATE "order" SET customer_id = 1')
    with operations(orders, FAST) as op:
        op.create_foreign_key_not_valid(
            "order_customer_id_fkey", "order", "customer", ["customer_id"], ["id"]
        )
        op.validate_constraint("order_customer_id_fkey", "order")
        op.create_unique_constraint_concurrently("order_total_key", "order", ["total"])
        op.create_unique_constraint_concurrently("order_total_key", "order", ["total"])
        op.drop_constraint_if_exists("order_total_key", "order")
        op.drop_constraint_if_exists("order_total_key", "order")
    assert constraints(orders, "f", "u") == [("order_customer_id_fkey", True)]


def test_column_sync_follows_writes_and_swap_round_trips(orders: Database) -> None:
    run(orders, 'ALTER TABLE "order" ADD COLUMN "weird new" text')
    with operations(orders, FAST) as op:
        op.add_column_sync("order", "weird name", "weird new", using='upper("weird name")')
        run(orders, """UPDATE "order" SET "weird name" = 'x' WHERE id = 1""")
        run(orders, """INSERT INTO "order" (id, "weird name") VALUES (9999, 'y')""")
        assert run(orders, 'SELECT "weird new" FROM "order" WHERE id IN (1, 9999) ORDER BY id') == [
            ("X",),
            ("Y",),
        ]
        op.backfill(
            "order",
            values={"weird new": sa.text('upper("weird name")')},
            where='"weird new" IS NULL',
        )
        swap = {
            "existing_type": sa.Text(),
            "using": 'upper("weird name")',
            "using_back": 'lower("weird name")',
            "key": "id",
        }
        op.replace_column("order", "weird name", "weird new", **swap)
        assert run(orders, 'SELECT "weird name" FROM "order" WHERE id = 2') == [("W2",)]
        op.restore_column("order", "weird name", "weird new", **swap)
    assert run(orders, 'SELECT "weird name", "weird new" FROM "order" WHERE id = 2') == [
        ("w2", "W2")
    ]
    assert [r[0] for r in run(orders, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")] == [
        "order_weird new_sync"
    ]


def test_operations_in_a_schema_with_a_space(fresh_db: Database) -> None:
    run(
        fresh_db,
        'CREATE SCHEMA "app space"; CREATE TABLE "app space".customer (id bigint PRIMARY KEY);'
        ' INSERT INTO "app space".customer VALUES (1);'
        ' CREATE TABLE "app space"."order" (id bigint PRIMARY KEY, customer_id bigint, n int);'
        ' INSERT INTO "app space"."order" SELECT g, 1, NULL FROM generate_series(1, 500) g',
    )
    schema = "app space"
    with operations(fresh_db, FAST) as op:
        op.create_index_concurrently("ix_n", "order", ["n"], schema=schema)
        op.create_foreign_key_not_valid(
            "fk",
            "order",
            "customer",
            ["customer_id"],
            ["id"],
            source_schema=schema,
            referent_schema=schema,
        )
        op.validate_constraint("fk", "order", schema=schema)
        op.backfill("order", values={"n": 1}, where="n IS NULL", batch_size=100, schema=schema)
        op.add_not_null_constraint("order", "n", schema=schema)
        op.create_unique_constraint_concurrently("uq_id_n", "order", ["id", "n"], schema=schema)
    assert run(
        fresh_db,
        "SELECT conname, convalidated FROM pg_constraint"
        " WHERE connamespace = '\"app space\"'::regnamespace AND contype IN ('f', 'u') ORDER BY 1",
    ) == [("fk", True), ("uq_id_n", True)]
    assert run(
        fresh_db,
        "SELECT attnotnull FROM pg_attribute"
        " WHERE attrelid = '\"app space\".\"order\"'::regclass AND attname = 'n'",
    ) == [(True,)]
    assert run(fresh_db, """SELECT count(*) FROM "app space"."order" WHERE n = 1""") == [(500,)]


def test_plain_operations_block_retries_until_the_lock_is_free(orders: Database) -> None:
    patient = Settings(lock_timeout="50ms", retries=20, retry_backoff=0.02)
    holder = psycopg.connect(orders.conninfo)
    holder.execute('LOCK TABLE "order" IN ACCESS SHARE MODE')
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        with operations(orders, patient) as op:
            for attempt in op.lock_timeout_retries():
                with attempt:
                    op.add_column("order", sa.Column("note", sa.Text()))
    finally:
        release.join()
        holder.close()
    assert run(orders, "SELECT count(*) FROM pg_attribute WHERE attname = 'note'") == [(1,)]


def test_plain_operations_block_gives_up(orders: Database) -> None:
    with psycopg.connect(orders.conninfo) as holder:
        holder.execute('LOCK TABLE "order" IN ACCESS SHARE MODE')
        with operations(orders, FAST) as op, pytest.raises(MigcheckError, match="3 attempts"):
            for attempt in op.lock_timeout_retries():
                with attempt:
                    op.add_column("order", sa.Column("note", sa.Text()))
    assert run(orders, "SELECT count(*) FROM pg_attribute WHERE attname = 'note'") == [(0,)]


def test_concurrent_index_behind_a_long_transaction(orders: Database) -> None:
    with psycopg.connect(orders.conninfo) as holder:
        # an open writing transaction: CREATE INDEX CONCURRENTLY waits for it to finish
        holder.execute('UPDATE "order" SET total = total WHERE id = 1')
        with operations(orders, FAST) as op, pytest.raises(MigcheckError, match="lock not granted"):
            op.create_index_concurrently("ix_order_total", "order", ["total"])
    assert run(
        orders, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_order_total'::regclass"
    ) == [(False,)]  # the failed build's leftover
    with operations(orders, FAST) as op:
        op.create_index_concurrently("ix_order_total", "order", ["total"])
    assert run(
        orders, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_order_total'::regclass"
    ) == [(True,)]


#: about half a millisecond per row, so a batch of 100 rows takes longer than the 20 ms target
SLOW_VALUE = sa.text("total + length(pg_sleep(0.0005)::text)")


def batch_sizes(db: Database, table: str = '"order"', where: str = "id <= 400") -> list[int]:
    """Rows written per transaction, in the order the transactions ran (one xmin each)."""
    rows = run(
        db, f"SELECT xmin::text::bigint, count(*) FROM {table} WHERE {where} GROUP BY 1 ORDER BY 1"
    )
    return [int(str(count)) for _, count in rows]


def assert_shrinking(sizes: list[int]) -> None:
    """Each batch its own transaction; batches over the target halve (never grow back here)."""
    assert sum(sizes) == 400
    assert sizes[:3] == [200, 100, 50]
    assert sizes == sorted(sizes, reverse=True)


def test_backfill_batches_are_short_transactions_that_shrink_when_slow(orders: Database) -> None:
    with operations(orders, FAST) as op:
        op.backfill(
            "order", values={"priority": SLOW_VALUE}, where="id <= 400", batch_size=200, pause=0
        )
    assert_shrinking(batch_sizes(orders))
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority = total') == [(400,)]


def test_offline_backfill_shrinks_slow_batches_too(orders: Database) -> None:
    output = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"as_sql": True, "output_buffer": output, "migcheck_settings": FAST},
    )
    Operations(context).backfill(
        "order", values={"priority": SLOW_VALUE}, where="id <= 400", key="id", batch_size=200
    )
    (block,) = [s for s in output.getvalue().split(";\n\n") if "DO $migcheck$" in s]
    run(orders, block)
    assert_shrinking(batch_sizes(orders))
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority = total') == [(400,)]


def test_copy_batches_shrink_when_slow(orders: Database) -> None:
    run(orders, "CREATE TABLE order_copy (id bigint PRIMARY KEY, total int)")
    with operations(orders, FAST) as op:
        op.copy_rows(
            "order",
            "order_copy",
            {"id": "id", "total": str(SLOW_VALUE)},
            where="id <= 400",
            batch_size=200,
        )
    assert_shrinking(batch_sizes(orders, "order_copy", "true"))


def test_backfill_reads_rows_by_key_even_when_statistics_mislead(orders: Database) -> None:
    """Statistics taken while the column was full call ``IS NULL`` rare: still no index on it."""
    run(orders, 'CREATE UNIQUE INDEX order_priority_key ON "order" (priority)')
    run(orders, 'UPDATE "order" SET priority = id')
    run(orders, 'ANALYZE "order"')
    run(orders, 'UPDATE "order" SET priority = NULL')
    with operations(orders, FAST) as op:
        op.backfill("order", values={"priority": sa.text("id")}, where="priority IS NULL")
    assert run(orders, 'SELECT count(*) FROM "order" WHERE priority = id') == [(2500,)]
    scans = "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = %s"
    for _ in range(100):  # the migration's session reports its statistics as it ends
        if run(orders, scans.replace("%s", "'order_pkey'")) != [(0,)]:
            break
        threading.Event().wait(0.05)
    assert run(orders, scans.replace("%s", "'order_pkey'")) != [(0,)]
    assert run(orders, scans.replace("%s", "'order_priority_key'")) == [(0,)]
