"""Integer to bigint of a serial primary key and the foreign key referencing it, phased.

A revision ``0002`` creates ``ledger`` (serial integer key) and ``ledger_line`` (integer foreign
key); thousands of rows; the models then say bigint for both (stage ``pk_bigint``).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from alembic import command
from tests.autogen.helpers import Shop
from tests.autogen.test_data_safety import checksum
from tests.autogen.test_end_to_end import run_script
from tests.autogen.test_proof import lint, verify

from migcheck.errors import MigcheckError

pytestmark = pytest.mark.usefixtures("pg_server")

LEDGER = '''"""integer ledger"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("ledger", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "ledger_line",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "ledger_id",
            sa.Integer,
            sa.ForeignKey("ledger.id", name="ledger_line_ledger_id_fkey"),
            nullable=False,
        ),
        sa.Index("ix_ledger_line_ledger_id", "ledger_id"),
    )


def downgrade() -> None:
    op.drop_table("ledger_line")
    op.drop_table("ledger")
'''

INTEGER = [("integer",), ("integer",), ("integer",)]
BIGINT = [("bigint",), ("bigint",), ("bigint",)]


def _ledger(shop: Shop, rows: bool = True) -> None:
    (shop.versions / "0002_ledger.py").write_text(LEDGER)
    command.upgrade(shop.config(), "0002")
    if rows:
        shop.sql("INSERT INTO ledger SELECT FROM generate_series(1, 3000)")
        shop.sql("INSERT INTO ledger_line SELECT g, 1 + g % 3000 FROM generate_series(1, 7000) g")


def _types(shop: Shop) -> list[tuple[Any, ...]]:
    """The types of the key, the foreign key and the key's sequence, in that order."""
    return shop.sql(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = 'ledger'::regclass AND attname = 'id'"
        " UNION ALL SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = 'ledger_line'::regclass AND attname = 'ledger_id'"
        " UNION ALL SELECT format_type(seqtypid, NULL) FROM pg_sequence"
        " WHERE seqrelid = pg_get_serial_sequence('ledger', 'id')::regclass"
    )


def _schema(shop: Shop) -> list[tuple[Any, ...]]:
    """Constraints (validated), indexes, triggers and columns of both tables."""
    constraints = shop.sql(
        "SELECT conrelid::regclass::text, conname, contype, convalidated,"
        " pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid IN ('ledger'::regclass, 'ledger_line'::regclass) AND contype <> 'n'"
        " ORDER BY 1, 2"
    )
    indexes = shop.sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('ledger', 'ledger_line')"
        " ORDER BY 1"
    )
    triggers = shop.sql(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid IN ('ledger'::regclass, 'ledger_line'::regclass)"
    )
    columns = shop.sql(
        "SELECT attrelid::regclass::text, attname, attnotnull,"
        " pg_get_expr(adbin, adrelid) FROM pg_attribute LEFT JOIN pg_attrdef"
        " ON adrelid = attrelid AND adnum = attnum"
        " WHERE attrelid IN ('ledger'::regclass, 'ledger_line'::regclass) AND attnum > 0"
        " AND NOT attisdropped ORDER BY 1, 2"
    )
    return [*constraints, *indexes, *triggers, *columns]


def _sums(shop: Shop) -> tuple[Any, ...]:
    return checksum(shop, "ledger", "id"), checksum(shop, "ledger_line", "ledger_id")


def test_primary_key_and_foreign_key_widened_in_phases(shop: Shop) -> None:
    _ledger(shop)
    before, schema = _sums(shop), _schema(shop)
    files = shop.revision(stage="pk_bigint")
    assert len(files) == 3
    texts = [p.read_text() for p in files]
    assert all("unsafe_change" not in t and "op.alter_column(" not in t for t in texts)
    assert "op.swap_key(" in texts[-1] and "op.restore_key(" in texts[-1]
    # each table's new column in a transaction of its own (never two tables' locks at once)
    expand = texts[0].split("def downgrade(")[0]
    blocks = expand.split("lock_timeout_retries()")[1:]
    assert [block.count("op.add_column(") for block in blocks] == [1, 1]

    command.upgrade(shop.config(), "head")
    assert _types(shop) == BIGINT
    assert _sums(shop) == before
    widened = _schema(shop)
    assert ("ledger", "ledger_pkey", "p", True, "PRIMARY KEY (id)") in widened
    assert (
        "ledger_line",
        "ledger_line_ledger_id_fkey",
        "f",
        True,
        "FOREIGN KEY (ledger_id) REFERENCES ledger(id)",
    ) in widened
    assert ("ledger", "id", True, "nextval('ledger_id_seq'::regclass)") in widened
    assert not any(str(row[0]).endswith("_sync") for row in widened)
    shop.sql("INSERT INTO ledger DEFAULT VALUES")
    shop.sql("INSERT INTO ledger_line VALUES (7001, 3001)")
    before = _sums(shop)

    command.downgrade(shop.config(), "0002")
    assert _types(shop) == INTEGER
    assert _sums(shop) == before
    shop.sql("DELETE FROM ledger_line WHERE id = 7001")
    shop.sql("DELETE FROM ledger WHERE id = 3001")
    assert _schema(shop) == schema
    before = _sums(shop)
    command.upgrade(shop.config(), "head")
    assert _types(shop) == BIGINT
    assert _schema(shop) == widened
    assert _sums(shop) == before

    down = io.StringIO()
    command.downgrade(shop.config(output=down), "head:0002", sql=True)
    run_script(shop, down.getvalue())
    assert _types(shop) == INTEGER
    assert _schema(shop) == schema
    up = io.StringIO()
    command.upgrade(shop.config(output=up), "0002:head", sql=True)
    run_script(shop, up.getvalue())
    assert _types(shop) == BIGINT
    assert _schema(shop) == widened
    assert _sums(shop) == before


def test_downgrade_stops_before_changing_anything_when_a_value_does_not_fit(shop: Shop) -> None:
    _ledger(shop)
    shop.revision(stage="pk_bigint")
    command.upgrade(shop.config(), "head")
    head = shop.current()
    shop.sql("INSERT INTO ledger VALUES (3000000000)")
    schema = _schema(shop)
    with pytest.raises(MigcheckError, match=r"narrowing ledger.id to INTEGER stopped before"):
        command.downgrade(shop.config(), "0002")
    assert shop.current() == head and _schema(shop) == schema and _types(shop) == BIGINT

    shop.sql("DELETE FROM ledger WHERE id = 3000000000")
    shop.sql("SELECT setval(pg_get_serial_sequence('ledger', 'id'), 3000000000)")
    with pytest.raises(MigcheckError, match=r"its sequence has gone past the range"):
        command.downgrade(shop.config(), "0002")
    assert shop.current() == head and _schema(shop) == schema and _types(shop) == BIGINT


def test_generated_revisions_lint_clean(shop: Shop) -> None:
    _ledger(shop, rows=False)
    shop.revision(stage="pk_bigint")
    code, output = lint(shop)
    assert code == 0, output
    assert "0 findings" in output


def test_generated_revisions_pass_verify(shop: Shop) -> None:
    _ledger(shop, rows=False)
    revisions = len(shop.revision(stage="pk_bigint")) + 2
    code, output = verify(shop, "pk_bigint")
    assert "rewrote ledger_id_seq (new file node)" not in output
    assert code == 0, output
    assert f"{revisions} passed, 0 failed" in output and "0 drift" in output
