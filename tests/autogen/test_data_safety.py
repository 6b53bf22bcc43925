"""Autogenerate never loses data: renames, drops, narrowing and NOT NULL on populated tables.

Each case seeds thousands of rows (NULLs where the column is nullable), autogenerates, and runs
upgrade -> downgrade -> upgrade, comparing checksums of the values before and after.
"""

from __future__ import annotations

import io
import re

import psycopg
import pytest
from alembic import command
from tests.autogen.helpers import Shop, operations
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


def _long_emails(shop: Shop, *ids: int) -> None:
    for id_ in ids:
        shop.sql("UPDATE customer SET email = repeat('x', 150) WHERE id = %s", id_)


def test_narrowing_stops_unless_every_value_fits(shop: Shop) -> None:
    populate(shop)
    _long_emails(shop, 2500, 4001)
    files = shop.revision(stage="narrow")
    expand, backfill, contract = (upgrade_of(p.read_text()) for p in files)
    assert expand.index("op.check_values_fit('customer', 'email', sa.String(length=100)") < (
        expand.index("op.add_column(")
    )
    assert "using='email')" in expand and "VARCHAR(100)'" not in expand + backfill + contract
    assert "values={'email_new': sa.text('email')}" in backfill

    # checked in key-range batches of 1,000: the first bad key is in the third batch
    with pytest.raises(MigcheckError, match=r"2 rows do not fit \(e\.g\. id=2500\)"):
        command.upgrade(shop.config(), "head")
    assert shop.current() == ["0001"]
    assert "email_new" not in columns(shop, "customer")

    output = io.StringIO()
    command.upgrade(shop.config(output=output), "0001:head", sql=True)
    with pytest.raises(psycopg.errors.RaiseException, match=r"2 rows \(e\.g\. id=2500\)"):
        run_script(shop, output.getvalue())
    assert "email_new" not in columns(shop, "customer")

    shop.sql("UPDATE customer SET email = left(email, 100) WHERE id IN (2500, 4001)")
    before = checksum(shop, "customer", "email")
    command.upgrade(shop.config(), "head")
    assert checksum(shop, "customer", "email") == before
    assert shop.sql(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = 'customer'::regclass AND attname = 'email'"
    ) == [("character varying(100)",)]
    # a value written later that does not fit fails loudly instead of being cut
    command.downgrade(shop.config(), "0001")
    assert checksum(shop, "customer", "email") == before
    command.upgrade(shop.config(), files[0].name.split("_")[0])
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        shop.sql("UPDATE customer SET email = repeat('y', 101) WHERE id = 1")
    command.upgrade(shop.config(), "head")
    assert checksum(shop, "customer", "email") == before


def test_not_null_with_server_default_backfills_first(shop: Shop) -> None:
    populate(shop)
    kept = shop.sql('SELECT count(*), sum(total) FROM "order" WHERE total IS NOT NULL')
    files = shop.revision(stage="not_null_default")
    assert names(files) == ["shop_changes_backfill.py", "shop_changes_contract.py"]
    backfill, contract = (upgrade_of(p.read_text()) for p in files)
    assert "values={'total': sa.text(\"'0'\")}" in backfill and "where='total IS NULL'" in backfill
    assert "op.add_not_null_constraint('order', 'total')" in contract
    for _ in range(2):
        command.upgrade(shop.config(), "head")
        assert shop.sql('SELECT count(*) FROM "order" WHERE total = 0') == [(500,)]
        assert shop.sql('SELECT count(*), sum(total) FROM "order" WHERE total <> 0') == kept
        assert columns(shop, '"order"')["total"] is True
        command.downgrade(shop.config(), "0001")
        assert columns(shop, '"order"')["total"] is False
        shop.sql('UPDATE "order" SET total = NULL WHERE total = 0')


def test_not_null_over_nulls_stops_before_changing_anything(shop: Shop) -> None:
    populate(shop)
    with operations(shop.db) as op, pytest.raises(MigcheckError) as stopped:
        op.add_not_null_constraint("order", "weird name")
    message = str(stopped.value)
    assert "\n" not in message
    assert 'NOT NULL on "order"."weird name" stopped before changing anything' in message
    assert "values={'weird name': FILL_IN}" in message
    assert message.endswith("357 rows are NULL (e.g. id=7)")
    assert (
        shop.sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = '\"order\"'::regclass"
            " AND contype = 'c'"
        )
        == []
    )
    shop.sql('UPDATE "order" SET "weird name" = \'w\' WHERE "weird name" IS NULL')
    with operations(shop.db) as op:
        op.add_not_null_constraint("order", "weird name")
    assert columns(shop, '"order"')["weird name"] is True


def test_type_change_it_cannot_phase_stops_saying_why(shop: Shop) -> None:
    populate(shop)
    before = checksum(shop, '"order"', "total")
    (path,) = shop.revision(stage="check_bigint_guess")
    text = upgrade_of(path.read_text()).replace("\\'", "'")
    assert '"order".total: INTEGER to BIGINT rewrites the table under ACCESS EXCLUSIVE' in text
    assert "it is in the CHECK constraint order_total_check" in text
    assert "ALTER SEQUENCE <pg_get_serial_sequence('order', 'total')> AS BIGINT" in text
    assert text.index("op.unsafe_change(") < text.index("op.alter_column(")
    with pytest.raises(MigcheckError, match="cannot phase it: it is in the CHECK"):
        command.upgrade(shop.config(), "head")
    assert shop.current() == ["0001"]
    assert checksum(shop, '"order"', "total") == before
    assert shop.sql("SELECT conname FROM pg_constraint WHERE conname = 'order_total_check'") == []
