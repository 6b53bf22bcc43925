"""``op.copy_rows``: batched, resumable, verified copies between tables, online and offline."""

from __future__ import annotations

import io
import re
import textwrap

import psycopg
import pytest
from alembic import command
from tests.autogen.helpers import Shop, operations
from tests.autogen.test_data_safety import populate
from tests.autogen.test_end_to_end import run_script

from migcheck.errors import MigcheckError

pytestmark = pytest.mark.usefixtures("pg_server")

TARGET = "CREATE TABLE order_total (id bigint PRIMARY KEY, cents bigint, label text)"
COLUMNS = {"id": "id", "cents": "total * 100", "label": '"weird name"'}

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.execute("{target}")
    op.copy_rows(
        "order",
        "order_total",
        columns={columns!r},
        where="id > 100",
        batch_size=300,
    )


def downgrade():
    op.drop_table("order_total")
"""


def copies(shop: Shop) -> list[tuple[object, ...]]:
    return shop.sql("SELECT count(*), sum(cents), count(label) FROM order_total")


def expected(shop: Shop, low: int = 0) -> list[tuple[object, ...]]:
    return shop.sql(
        'SELECT count(*), sum(total * 100), count("weird name") FROM "order" WHERE id > %s', low
    )


def test_copy_resumes_after_an_interruption_and_verifies(shop: Shop) -> None:
    populate(shop)
    shop.sql(TARGET)
    # an interrupted earlier run copied the first 1,000 rows
    shop.sql(
        'INSERT INTO order_total SELECT id, total * 100, "weird name" FROM "order" WHERE id <= 1000'
    )
    with operations(shop.db) as op:
        op.copy_rows("order", "order_total", COLUMNS, batch_size=300)
    assert copies(shop) == expected(shop)
    assert shop.sql(
        'SELECT count(*) FROM order_total t JOIN "order" o USING (id)'
        ' WHERE t.cents IS DISTINCT FROM o.total * 100 OR t.label IS DISTINCT FROM o."weird name"'
    ) == [(0,)]
    with operations(shop.db) as op:  # a rerun finds nothing left to copy
        op.copy_rows("order", "order_total", COLUMNS, batch_size=300)
    assert copies(shop) == expected(shop)


def test_copy_fails_in_one_line_when_copies_differ(shop: Shop) -> None:
    shop.sql(TARGET)
    shop.sql("INSERT INTO order_total VALUES (5, -1, 'stale')")
    with operations(shop.db) as op, pytest.raises(MigcheckError) as failed:
        op.copy_rows("order", "order_total", COLUMNS)
    message = str(failed.value)
    assert "\n" not in message
    assert "verification failed: 2500 source rows, 2496 copies, checksums differ" in message


def test_copy_needs_the_key_among_the_columns(shop: Shop) -> None:
    shop.sql(TARGET)
    with operations(shop.db) as op, pytest.raises(MigcheckError, match="must copy the key 'id'"):
        op.copy_rows("order", "order_total", {"cents": "total"})


def test_copy_online_and_offline_in_a_revision(shop: Shop) -> None:
    populate(shop)
    text = REVISION.format(target=TARGET, columns=COLUMNS)
    (shop.versions / "0002_copy.py").write_text(textwrap.dedent(text))
    command.upgrade(shop.config(), "head")
    assert copies(shop) == expected(shop, 100)
    command.downgrade(shop.config(), "0001")

    output = io.StringIO()
    command.upgrade(shop.config(output=output), "0001:head", sql=True)
    script = output.getvalue()
    assert "DO $migcheck$" in script
    # a commit and a rest after every batch
    assert re.search(r"\bLOOP\n.*COMMIT;.*pg_sleep.*END LOOP", script, re.DOTALL)
    assert "%%" not in script
    run_script(shop, script.replace("UPDATE alembic_version", "SELECT 1 --"))
    assert copies(shop) == expected(shop, 100)

    shop.sql("UPDATE order_total SET cents = 0 WHERE id = 200")
    shop.sql("DELETE FROM order_total WHERE id > 2000")
    with pytest.raises(psycopg.errors.RaiseException, match="verification failed"):
        run_script(shop, "\n\n".join(s for s in script.split(";\n\n") if "DO $migcheck$" in s))
