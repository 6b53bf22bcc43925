"""Autogenerate never loses data: renames, drops, narrowing and NOT NULL on populated tables.

Each case seeds thousands of rows (NULLs where the column is nullable), autogenerates, and runs
upgrade -> downgrade -> upgrade, comparing checksums of the values before and after.
"""

from __future__ import annotations

import io
import re

import pytest
from alembic import command
from tests.autogen.helpers import Shop
from tests.autogen.test_end_to_end import run_script

from migcheck.errors import MigcheckError

pytestmark = pytest.mark.usefixtures("pg_server")

CUSTOMERS = 5000


def populate(shop: Shop) -> None:
    """Thousands of customers; every seventh order without a ``weird name``, every fifth total."""
    shop.sql(
        "INSERT INTO customer SELECT g, 'name ' || g, CASE WHEN g %% 3 = 0 THEN NULL"
        " ELSE 'e' || g || '@example.com' END FROM generate_series(51, %s) g",
        CUSTOMERS,
    )
    shop.sql('UPDATE "order" SET "weird name" = NULL WHERE id % 7 = 0')
    shop.sql('UPDATE "order" SET total = NULL WHERE id % 5 = 0')


def checksum(shop: Shop, table: str, column: str) -> tuple[int, int, str]:
    """Rows, non-NULL values and an md5 of every (id, value) pair of one column."""
    query = (
        f"SELECT count(*), count({column}), md5(string_agg(id || ':' || coalesce({column}::text,"
        f" '<null>'), ',' ORDER BY id)) FROM {table}"
    )
    ((rows, values, digest),) = shop.sql(query)
    return rows, values, digest


def columns(shop: Shop, table: str) -> dict[str, bool]:
    """The table's columns and whether each is NOT NULL."""
    return dict(
        shop.sql(
            "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attnum > 0 AND NOT attisdropped",
            table,
        )
    )


def triggers(shop: Shop) -> list[tuple[str]]:
    return [tuple(r) for r in shop.sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")]


def upgrade_of(text: str) -> str:
    """The ``upgrade()`` part of a revision file."""
    return text.split("def downgrade(")[0]


def names(files: list[object]) -> list[str]:
    return [re.sub(r"^[0-9a-f]+_", "", getattr(p, "name", "")) for p in files]


def test_likely_column_rename_stops_before_changing_anything(shop: Shop) -> None:
    populate(shop)
    before = checksum(shop, "customer", "name")
    files = shop.revision(stage="rename_guess")
    texts = [upgrade_of(p.read_text()).replace("\\'", "'") for p in files]
    first = texts[0]
    assert "op.unsafe_change(" in first
    assert "column 'name' is dropped and 'full_name' added with the same type TEXT" in first
    assert "'renamed_from': 'name'" in first and "delete this line" in first
    assert "column 'weird name' is dropped and 'label' added" in first
    assert first.index("op.unsafe_change(") < first.index("op.add_column(")
    # the drops wait for the contract revision, after the backfill
    assert names(files)[-1].endswith("_contract.py")
    assert all("drop_column" not in text for text in texts[:-1])
    assert "op.drop_column('customer', 'name')" in texts[-1]

    with pytest.raises(MigcheckError, match=r"unsafe change stopped: .*'name' is dropped"):
        command.upgrade(shop.config(), "head")
    assert shop.current() == ["0001"]
    assert "full_name" not in columns(shop, "customer")
    assert checksum(shop, "customer", "name") == before

    output = io.StringIO()
    command.upgrade(shop.config(output=output), "0001:head", sql=True)
    assert "RAISE EXCEPTION 'migcheck: unsafe change stopped" in output.getvalue()


def test_likely_table_rename_stops(shop: Shop) -> None:
    populate(shop)
    files = shop.revision(stage="rename_table_guess")
    first = upgrade_of(files[0].read_text())
    assert "table customer is dropped and client created with the same columns" in first
    assert "'renamed_from': 'customer'" in first
    assert "op.drop_table('customer')" in files[-1].read_text()
    assert len(files) == 1 or "drop_table" not in first
    with pytest.raises(MigcheckError, match="unsafe change stopped: table customer"):
        command.upgrade(shop.config(), "head")
    assert shop.sql("SELECT count(*) FROM customer") == [(CUSTOMERS,)]
    assert shop.sql("SELECT to_regclass('client')") == [(None,)]


def _rename_checksums(shop: Shop, name: str, label: str) -> tuple[object, ...]:
    return checksum(shop, "customer", name), checksum(shop, '"order"', label)


def test_marked_column_rename_round_trips_without_loss(shop: Shop) -> None:
    populate(shop)
    before = _rename_checksums(shop, "name", '"weird name"')
    files = shop.revision(stage="rename")
    assert names(files) == [
        "shop_changes_expand.py",
        "shop_changes_backfill.py",
        "shop_changes_contract.py",
    ]
    expand, backfill, contract = (p.read_text() for p in files)
    assert "unsafe_change" not in expand and "drop_column" not in upgrade_of(expand)
    assert "op.add_column('customer', sa.Column('full_name', sa.Text(), nullable=True))" in expand
    assert "op.add_rename_sync('customer', 'name', 'full_name')" in expand
    assert "values={'full_name': sa.text('name')}" in backfill
    assert "op.add_not_null_constraint('customer', 'full_name')" in contract
    assert "op.drop_renamed_column(" in contract and "op.restore_renamed_column(" in contract

    expand_rev = files[0].name.split("_")[0]
    command.upgrade(shop.config(), expand_rev)
    # old code writes the old name, new code the new one: the trigger keeps both
    shop.sql("INSERT INTO customer (id, name) VALUES (100001, 'old code')")
    shop.sql("INSERT INTO customer (id, name, full_name) VALUES (100002, 'x', 'x')")
    shop.sql("UPDATE customer SET full_name = 'new code' WHERE id = 100002")
    assert shop.sql("SELECT id, name, full_name FROM customer WHERE id > 100000 ORDER BY id") == [
        (100001, "old code", "old code"),
        (100002, "new code", "new code"),
    ]
    shop.sql("DELETE FROM customer WHERE id > 100000")

    command.upgrade(shop.config(), "head")
    assert _rename_checksums(shop, "full_name", "label") == before
    assert columns(shop, "customer") == {"id": True, "full_name": True, "email": False}
    assert "weird name" not in columns(shop, '"order"')
    assert triggers(shop) == []

    command.downgrade(shop.config(), "0001")
    assert _rename_checksums(shop, "name", '"weird name"') == before
    assert columns(shop, "customer") == {"id": True, "name": True, "email": False}
    assert triggers(shop) == []

    command.upgrade(shop.config(), "head")
    assert _rename_checksums(shop, "full_name", "label") == before


def test_marked_column_rename_offline(shop: Shop) -> None:
    populate(shop)
    before = _rename_checksums(shop, "name", '"weird name"')
    shop.revision(stage="rename")
    up = io.StringIO()
    command.upgrade(shop.config(output=up), "0001:head", sql=True)
    run_script(shop, up.getvalue())
    assert _rename_checksums(shop, "full_name", "label") == before
    down = io.StringIO()
    command.downgrade(shop.config(output=down), "head:0001", sql=True)
    run_script(shop, down.getvalue())
    assert _rename_checksums(shop, "name", '"weird name"') == before
    assert columns(shop, "customer")["name"] is True


def test_marked_table_rename_keeps_old_name_working(shop: Shop) -> None:
    populate(shop)
    before = checksum(shop, "customer", "name")
    files = shop.revision(stage="rename_table")
    assert names(files) == ["shop_changes_expand.py", "shop_changes_contract.py"]
    expand, contract = (p.read_text() for p in files)
    assert "op.rename_table_behind_view('customer', 'client')" in expand
    assert "create_table" not in expand and "drop_table" not in contract
    assert "op.drop_rename_view('customer', 'client')" in contract

    command.upgrade(shop.config(), files[0].name.split("_")[0])
    assert checksum(shop, "client", "name") == before
    shop.sql("INSERT INTO customer (id, name) VALUES (100001, 'through the view')")
    assert shop.sql("SELECT name FROM client WHERE id = 100001") == [("through the view",)]
    shop.sql("DELETE FROM customer WHERE id = 100001")

    command.upgrade(shop.config(), "head")
    assert shop.sql("SELECT to_regclass('customer')") == [(None,)]
    assert checksum(shop, "client", "name") == before
    command.downgrade(shop.config(), "0001")
    assert shop.sql("SELECT relkind FROM pg_class WHERE relname = 'customer'") == [("r",)]
    assert checksum(shop, "customer", "name") == before
    command.upgrade(shop.config(), "head")
    assert checksum(shop, "client", "name") == before
