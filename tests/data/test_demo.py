"""The demo shop at head (what bench/seed_speed.py measures) is filled completely."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from alembic import command

from migcheck.alembic_project.project import load_project, working_directory
from migcheck.data import checksums, compare, seed
from migcheck.pg import Database

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "alembic.ini"


def test_demo_at_head_is_filled_and_its_downgrade_loses_a_column(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_db.url)
    config = load_project(DEMO).config
    # its alembic.ini puts "." on sys.path for shop_models: run from there, as alembic would
    with (
        working_directory(DEMO.parent),
        psycopg.connect(fresh_db.conninfo, autocommit=True) as connection,
    ):
        command.upgrade(config, "head")
        report = seed(connection, 300)
        assert [entry.describe() for entry in report.tables] == [
            f"{table}: 300 of 300 rows"
            for table in ("customers", "order", "products", "order_lines")
        ]
        before = checksums(connection)
        command.downgrade(config, "9b4e1f7a3c58")  # drops customers.country_code and more
        messages = [change.message for change in compare(before, checksums(connection))]
    assert "customers.country_code: 300 non-null values lost (column dropped)" in messages
    assert "order.total: 300 non-null values lost (column dropped)" in messages
