"""seed(): every common type, NOT NULL and NULLs, keys, CHECKs, skips with reasons, determinism."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from tests.data.schema import SCHEMA, UNFILLABLE

from migcheck.data import SeedReport, checksums, parse_rows, seed
from migcheck.errors import MigcheckError
from migcheck.pg import Database, Server

ROWS = 1000


def _database(server: Server) -> Database:
    database = server.create_database()
    with psycopg.connect(database.conninfo) as connection:
        connection.execute(SCHEMA)
    return database


@pytest.fixture(scope="module")
def seeded(pg_server: Server) -> Iterator[tuple[psycopg.Connection[Any], SeedReport]]:
    database = _database(pg_server)
    with psycopg.connect(database.conninfo, autocommit=True) as connection:
        report = seed(connection, ROWS, seed=3)
        yield connection, report
    pg_server.drop_database(database)


def _one(connection: psycopg.Connection[Any], query: str) -> Any:
    row = connection.execute(query).fetchone()
    assert row is not None
    return row[0]


def test_fills_every_table_it_can(seeded: tuple[psycopg.Connection[Any], SeedReport]) -> None:
    connection, report = seeded
    for table in ("Product Line", "customers", "app.orders", "order_lines", "profiles"):
        entry = report.get(table)
        assert (entry.skipped, entry.inserted) == (None, ROWS), entry.describe()
    assert report.get("only_ids").inserted == ROWS
    assert _one(connection, 'SELECT count(*) FROM "Product Line"') == ROWS
    assert _one(connection, "SELECT count(*) FROM app.orders") == ROWS
    assert "alembic_version" not in [entry.table for entry in report.tables]
    assert _one(connection, "SELECT count(*) FROM alembic_version") == 0


def test_every_column_type_gets_values(seeded: tuple[psycopg.Connection[Any], SeedReport]) -> None:
    connection, _ = seeded
    columns = [
        row[0]
        for row in connection.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = '\"Product Line\"'::regclass "
            "AND attnum > 0 AND NOT attisdropped"
        )
    ]
    assert len(columns) > 20
    for column in columns:
        query = sql.SQL('SELECT count(DISTINCT CAST({} AS text)) FROM "Product Line"').format(
            sql.Identifier(column)
        )
        distinct = _one(connection, query.as_string(connection))
        assert distinct >= 2, f"{column} has {distinct} distinct values"


def test_lengths_enums_and_checks_are_respected(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, _ = seeded
    row = connection.execute(
        "SELECT max(length(sku)), min(price), max(weight), min(weight), min(stock), "
        "array_agg(DISTINCT size ORDER BY size), array_agg(DISTINCT grade ORDER BY grade), "
        'array_agg(DISTINCT feel ORDER BY feel)::text[] FROM "Product Line"'
    ).fetchone()
    assert row is not None
    max_sku, min_price, max_weight, min_weight, min_stock, sizes, grades, feels = row
    assert max_sku <= 12
    assert min_price > 0 and min_weight >= 0.5 and max_weight <= 20 and min_stock >= 0
    assert sizes == ["L", "M", "S", None]
    assert grades == [1, 2, 3, None]
    assert feels == ["sad", "ok", "happy"]
    assert _one(connection, "SELECT count(*) FROM customers WHERE email NOT LIKE '%@%'") == 0


def test_nullable_columns_get_about_a_tenth_nulls(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, _ = seeded
    for column in ("ratio", "tags", "attrs", "launched", "host", "feels", "qty"):
        nulls = _one(
            connection,
            sql.SQL('SELECT count(*) FROM "Product Line" WHERE {} IS NULL')
            .format(sql.Identifier(column))
            .as_string(connection),
        )
        assert 0.05 * ROWS <= nulls <= 0.15 * ROWS, f"{column}: {nulls} NULLs"
    assert _one(connection, "SELECT count(*) FROM customers WHERE country IS NULL") > 0


def test_foreign_keys_point_at_parent_rows(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, report = seeded
    customers = _one(connection, "SELECT count(DISTINCT customer_id) FROM app.orders")
    assert customers > ROWS / 2  # spread over the parents, not all on one
    # a foreign key that is also the primary key takes each parent once
    assert _one(connection, "SELECT count(DISTINCT customer_id) FROM profiles") == ROWS
    # a composite primary key of two foreign keys stays distinct
    assert (
        _one(connection, "SELECT count(DISTINCT (order_id, product_id)) FROM order_lines") == ROWS
    )
    # a nullable self-reference is left NULL, and said so
    assert _one(connection, "SELECT count(parent_id) FROM categories") == 0
    assert any("parent_id left NULL" in note for note in report.get("categories").notes)


def test_tables_that_cannot_be_filled_are_skipped_with_the_reason(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, report = seeded
    for table, reason in UNFILLABLE.items():
        entry = report.get(table)
        assert entry.skipped is not None and reason in entry.skipped, entry.describe()
        assert entry.describe().startswith(f"{table}: skipped (")
        assert _one(connection, f"SELECT count(*) FROM {table}") == 0


def test_a_short_unique_column_caps_the_rows(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, report = seeded
    entry = report.get("countries")
    assert entry.inserted == 99
    assert entry.notes == ("at most 99 rows: code has 99 distinct values",)
    assert _one(connection, "SELECT count(DISTINCT code) FROM countries") == 99


def test_partitioned_table_gets_the_rows_its_partitions_accept(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, report = seeded
    entry = report.get("events")
    assert 0 < entry.inserted < ROWS
    assert "turned away" in entry.notes[0] and "partition bounds" in entry.notes[0]
    assert _one(connection, "SELECT count(*) FROM events_2021") > 0
    assert _one(connection, "SELECT count(*) FROM events_2022") > 0


def test_tables_already_holding_rows_are_left_alone(
    seeded: tuple[psycopg.Connection[Any], SeedReport],
) -> None:
    connection, _ = seeded
    again = seed(connection, ROWS, seed=3)
    assert again.rows == 0
    assert again.get("customers").skipped == "already holds rows"
    assert _one(connection, "SELECT count(*) FROM customers") == ROWS


def test_same_seed_same_data_other_seed_other_data(pg_server: Server) -> None:
    sums = []
    for value in (5, 5, 6):
        database = _database(pg_server)
        with psycopg.connect(database.conninfo) as connection:
            seed(connection, {"*": 200, "customers": 300}, seed=value)
            sums.append(checksums(connection))
            assert sums[-1]["customers"].rows == 300
            assert sums[-1]["app.orders"].rows == 200
        pg_server.drop_database(database)
    assert sums[0] == sums[1]
    assert sums[0]["Product Line"] != sums[2]["Product Line"]
    assert sums[0]["Product Line"].rows == sums[2]["Product Line"].rows


def test_inside_the_callers_transaction_nothing_is_committed(fresh_db: Database) -> None:
    with psycopg.connect(fresh_db.conninfo) as connection:
        connection.execute("CREATE TABLE t (id int PRIMARY KEY, label text NOT NULL)")
        connection.commit()
        connection.execute("SELECT 1")  # the caller's transaction is open
        report = seed(connection, 10)
        assert report.get("t").inserted == 10
        connection.rollback()
        assert _one(connection, "SELECT count(*) FROM t") == 0


def test_parse_rows() -> None:
    assert parse_rows(["10000", "orders=200000", "app.items=5"]) == {
        "*": 10000,
        "orders": 200000,
        "app.items": 5,
    }
    for bad in ("many", "orders=", "=5", "orders=-1"):
        with pytest.raises(MigcheckError, match=f"--rows '{bad}': expected a row count"):
            parse_rows([bad])
