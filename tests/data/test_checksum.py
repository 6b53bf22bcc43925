"""checksums() and compare(): lost rows and values, changed values, and nothing when unchanged."""

from __future__ import annotations

import psycopg

from migcheck.data import checksums, compare, seed
from migcheck.pg import Database

SCHEMA = """
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    total numeric(12, 2) NOT NULL,
    legacy text,
    placed_at timestamptz NOT NULL
);
CREATE TABLE untouched (id int PRIMARY KEY, label text);
"""


def _seeded(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    connection = psycopg.connect(database.conninfo, autocommit=True)
    connection.execute(SCHEMA)
    seed(connection, 1000, seed=1)
    return connection


def test_unchanged_data_reports_nothing(fresh_db: Database) -> None:
    with _seeded(fresh_db) as connection:
        before = checksums(connection)
        assert before["orders"].rows == 1000
        assert before["orders"].columns["total"].non_null == 1000
        assert 850 <= before["orders"].columns["legacy"].non_null <= 950
        connection.execute("UPDATE orders SET total = total")
        assert compare(before, checksums(connection)) == []


def test_a_dropped_column_loses_its_values(fresh_db: Database) -> None:
    with _seeded(fresh_db) as connection:
        before = checksums(connection)
        kept = before["orders"].columns["legacy"].non_null
        connection.execute("ALTER TABLE orders DROP COLUMN legacy")
        connection.execute("ALTER TABLE orders ADD COLUMN legacy text")
        changes = compare(before, checksums(connection))
        assert [(c.table, c.column, c.kind, c.before, c.after) for c in changes] == [
            ("orders", "legacy", "values lost", kept, 0)
        ]
        assert changes[0].message.startswith(f"orders.legacy: {kept:,} non-null values lost")


def test_a_replacement_column_swapped_in_under_the_old_name_loses_nothing(
    fresh_db: Database,
) -> None:
    """What op.replace_column does: the new column takes the old one's name, the old one goes."""
    with _seeded(fresh_db) as connection:
        connection.execute("ALTER TABLE orders ADD COLUMN legacy_new text")
        connection.execute("UPDATE orders SET legacy_new = legacy")
        before = checksums(connection)
        connection.execute("ALTER TABLE orders DROP COLUMN legacy")
        connection.execute("ALTER TABLE orders RENAME COLUMN legacy_new TO legacy")
        assert compare(before, checksums(connection)) == []
        connection.execute("ALTER TABLE orders DROP COLUMN legacy")
        changes = compare(before, checksums(connection))
        assert [(c.column, c.kind) for c in changes] == [
            ("legacy", "column dropped"),
            ("legacy_new", "column dropped"),
        ]


def test_a_narrowed_value_is_a_change(fresh_db: Database) -> None:
    with _seeded(fresh_db) as connection:
        before = checksums(connection)
        connection.execute("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 0)")
        connection.execute("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2)")
        changes = compare(before, checksums(connection))
        assert [(c.column, c.kind) for c in changes] == [("total", "values changed")]
        assert changes[0].message == "orders.total: values changed (1,000 non-null values)"


def test_lost_rows_columns_and_tables(fresh_db: Database) -> None:
    with _seeded(fresh_db) as connection:
        before = checksums(connection)
        connection.execute("DELETE FROM orders WHERE id <= 100")
        connection.execute("ALTER TABLE orders DROP COLUMN placed_at")
        connection.execute("DROP TABLE untouched")
        after = checksums(connection)
        kinds = {(c.table, c.column, c.kind): c for c in compare(before, after)}
        assert set(kinds) == {
            ("orders", None, "rows lost"),
            ("orders", "placed_at", "column dropped"),
            ("untouched", None, "table dropped"),
        }
        assert kinds["orders", None, "rows lost"].message == (
            "orders: 100 rows lost (1,000 before, 900 after)"
        )
        assert kinds["untouched", None, "table dropped"].before == 1000


def test_checksums_of_chosen_tables(fresh_db: Database) -> None:
    with _seeded(fresh_db) as connection:
        assert list(checksums(connection, ["untouched"])) == ["untouched"]
