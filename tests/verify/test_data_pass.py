"""verify with rows in the tables (--rows, --data, --seed-data, --table-sizes), on real PostgreSQL.

Each test writes a small Alembic project: a first revision creates the tables (seeded before
the second one upgrades), the second does what the test is about. The seeder honours every
constraint the tables have, so the revisions under test add the constraint the rows break.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcheck.alembic_project.project import load_project
from migcheck.cli import cli
from migcheck.data.seed_data import load_seed_rows
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.postgres.locks import Lock
from migcheck.postgres.scaling import growth
from migcheck.verify.data_pass import DataOptions
from migcheck.verify.durations import TableSize, load_table_sizes, lock_holds
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.trace import LockTaken, TracedStatement
from migcheck.verify.walk import VerifyOptions, verify_project

ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(
    config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
    poolclass=pool.NullPool,
)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = """
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
"""

TABLES = """
op.execute(
    "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, "
    "country_code varchar(2), legacy text, price numeric(10, 2), ref integer)"
)
op.execute("CREATE TABLE orders (id serial PRIMARY KEY, customer_ref integer)")
"""
DROP_TABLES = 'op.execute("DROP TABLE orders")\nop.execute("DROP TABLE customers")'


def project(tmp_path: Path, *revisions: tuple[str, str]) -> Path:
    """A project whose first revision creates customers and orders, then ``revisions``."""
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "sqlalchemy.url = postgresql+psycopg://nobody@127.0.0.1:1/nothing\n"
    )
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text(ENV)
    (tmp_path / "migrations" / "script.py.mako").write_text("")
    steps = [(TABLES, DROP_TABLES), *revisions]
    down = None
    for number, (upgrade, downgrade) in enumerate(steps, start=1):
        rev = f"a{number}"
        (versions / f"{rev}.py").write_text(
            REVISION.format(
                rev=rev,
                down=down,
                upgrade=textwrap.indent(upgrade.strip(), "    "),
                downgrade=textwrap.indent(downgrade.strip(), "    "),
            )
        )
        down = rev
    return tmp_path


def walk(server: Server, path: Path, **data: object) -> VerifyResult:
    options = VerifyOptions(data=DataOptions(**data))  # type: ignore[arg-type]
    return verify_project(load_project(path / "alembic.ini"), server, options)


def revision(result: VerifyResult, rev: str) -> RevisionResult:
    return next(r for r in result.revisions if r.revision == rev)


def problems(result: VerifyResult, rev: str, kind: str) -> list[str]:
    return [p.message for p in revision(result, rev).problems if p.kind == kind]


# -- seeding in the walk -------------------------------------------------------------------------
def test_tables_are_seeded_before_the_next_revision_and_unfillable_ones_named(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.execute("CREATE TABLE nodes (id int PRIMARY KEY, '
            'parent int NOT NULL REFERENCES nodes (id))")',
            'op.execute("DROP TABLE nodes")',
        ),
        (
            'op.execute("ALTER TABLE customers ADD COLUMN note text")',
            'op.drop_column("customers", "note")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 200, "orders": 50})
    assert result.ok, [(r.revision, r.problems) for r in result.revisions]
    assert result.seeded_rows == 250  # customers 200 and orders 50, once each
    assert revision(result, "a3").notes == [
        "table nodes not filled before a3: foreign key nodes_parent_fkey references the table "
        "itself from NOT NULL column(s) parent"
    ]
    # reported once, not again before a later revision
    assert not any("nodes" in note for note in result.notes)


def test_without_rows_the_walk_takes_no_checksums(pg_server: Server, tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.drop_column("customers", "legacy")',
            'op.add_column("customers", sa.Column("legacy", sa.Text()))',
        ),
    )
    result = walk(pg_server, path)
    assert result.ok and result.seeded_rows == 0
    assert revision(result, "a2").data_loss == []


# -- data-dependent failures ---------------------------------------------------------------------
def test_set_not_null_over_nulls_names_the_rows_and_a_sample_key(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.alter_column("customers", "country_code", nullable=False)',
            'op.alter_column("customers", "country_code", nullable=True)',
        ),
    )
    result = walk(pg_server, path, rows={"*": 1000})
    assert revision(result, "a2").status == "fail"
    [message] = problems(result, "a2", "data-dependent-failure")
    assert message.startswith("SET NOT NULL fails: ")
    assert " rows of customers have NULL country_code (e.g. id = " in message
    assert message.endswith(") — backfill first")
    count = int(message.split()[4].replace(",", ""))
    assert 0 < count < 1000  # about one row in ten is NULL


def test_add_not_null_column_without_default_counts_the_rows(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.add_column("orders", sa.Column("total", sa.Integer(), nullable=False))',
            'op.drop_column("orders", "total")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 300})
    assert problems(result, "a2", "data-dependent-failure") == [
        "ADD COLUMN total NOT NULL without a default fails: orders has 300 rows — add it "
        "nullable, backfill, then SET NOT NULL (or give it a default)"
    ]


def test_unique_index_over_duplicates_counts_the_duplicated_values(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.create_index("ix_country", "customers", ["country_code"], unique=True)',
            'op.drop_index("ix_country")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 500})
    [message] = problems(result, "a2", "data-dependent-failure")
    assert message.startswith("unique ix_country fails: ")
    assert "values of customers.country_code appear more than once (" in message
    assert "(e.g. country_code = " in message and message.endswith("— deduplicate first")


def test_foreign_key_over_orphans_counts_them(pg_server: Server, tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.create_foreign_key("fk_orders_customer", "orders", "customers", '
            '["customer_ref"], ["id"])',
            'op.drop_constraint("fk_orders_customer", "orders")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 400})
    [message] = problems(result, "a2", "data-dependent-failure")
    assert message.startswith("foreign key fk_orders_customer fails: ")
    assert " rows of orders have a customer_ref with no row in customers (e.g. id = " in message
    count = int(message.split()[4].replace(",", ""))
    assert 300 < count <= 400  # customer_ref is 1…1,000,000: almost every row is an orphan


def test_narrowing_type_change_counts_the_values_that_do_not_fit(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.alter_column("customers", "name", type_=sa.String(3))',
            'op.alter_column("customers", "name", type_=sa.Text())',
        ),
    )
    result = walk(pg_server, path, rows={"*": 250})
    assert problems(result, "a2", "data-dependent-failure") == [
        problems(result, "a2", "data-dependent-failure")[0]
    ]
    message = problems(result, "a2", "data-dependent-failure")[0]
    assert message.startswith(
        "type change of customers.name to VARCHAR(3) fails: 250 values do not fit (e.g. id = 1, "
    )


def test_a_failure_the_rows_do_not_cause_gets_no_data_problem(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(tmp_path, ('op.execute("SELECT * FROM missing_table")', "pass"))
    result = walk(pg_server, path, rows={"*": 50})
    assert problems(result, "a2", "upgrade-failed")
    assert problems(result, "a2", "data-dependent-failure") == []


# -- data preservation ---------------------------------------------------------------------------
def test_dropped_column_is_data_loss_risk_and_its_downgrade_does_not_restore_it(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.drop_column("customers", "legacy")',
            'op.add_column("customers", sa.Column("legacy", sa.Text()))',
        ),
        (
            'op.alter_column("customers", "price", type_=sa.Integer())',
            'op.alter_column("customers", "price", type_=sa.Numeric(10, 2))',
        ),
    )
    result = walk(pg_server, path, rows={"*": 1000})
    [loss] = revision(result, "a2").data_loss
    assert (loss.table, loss.column, loss.kind) == ("customers", "legacy", "column dropped")
    assert 800 < loss.rows < 1000
    assert loss.message == f"customers.legacy: {loss.rows:,} non-null values lost (column dropped)"
    assert problems(result, "a2", "data-not-restored") == [
        f"downgrade of a2 does not restore customers.legacy: {loss.rows:,} non-null values lost "
        f"({loss.rows:,} before, 0 after)"
    ]
    [lossy] = revision(result, "a3").data_loss
    assert (lossy.column, lossy.kind) == ("price", "values changed")
    assert lossy.message.endswith("; type numeric(10,2) → integer)")
    assert problems(result, "a3", "data-not-restored") == [
        f"downgrade of a3 does not restore customers.price: values changed "
        f"({lossy.rows:,} non-null values)"
    ]


def test_a_faithful_round_trip_has_no_data_finding(pg_server: Server, tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.alter_column("customers", "name", new_column_name="full_name")',
            'op.alter_column("customers", "full_name", new_column_name="name")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 300})
    assert result.ok, revision(result, "a2").problems
    assert revision(result, "a2").data_loss == []


# -- durations -----------------------------------------------------------------------------------
def test_lock_holds_are_measured_and_projected_with_their_model(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.create_index("ix_ref", "customers", ["ref"])\n'
            'op.execute("UPDATE customers SET legacy = name")',
            'op.drop_index("ix_ref")',
        ),
    )
    sizes = {"customers": TableSize(2_000_000)}
    result = walk(pg_server, path, rows={"*": 2000}, table_sizes=sizes)
    hold, update = revision(result, "a2").holds
    assert update.mode == "ROW EXCLUSIVE"
    # the index build's window runs to the end of its transaction: the UPDATE and the version's
    assert hold.statements == update.statements + 1 == 3
    assert (hold.relation, hold.mode, hold.rows) == ("customers", "SHARE", 2000)
    assert hold.statement.startswith("CREATE INDEX ix_ref ON customers")
    assert hold.held_ms > hold.statement_ms > 0
    assert hold.projection is not None
    assert hold.projection.models == ("index build: n log n", "scan: linear in rows")
    assert (hold.projection.rows, hold.projection.measured_rows) == (2_000_000, 2000)
    assert hold.projection.held_ms > hold.held_ms
    assert "measured at 2,000 rows" in hold.describe()
    assert "projected" in hold.describe() and "at 2,000,000 rows" in hold.describe()


def test_table_sizes_file_is_read_and_bad_entries_are_named(tmp_path: Path) -> None:
    good = tmp_path / "sizes.json"
    good.write_text(json.dumps({"orders": 5, "public.customers": [7, 8192], "x": {"rows": 1}}))
    assert load_table_sizes(good) == {
        "orders": TableSize(5),
        "customers": TableSize(7, 8192),
        "x": TableSize(1),
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"orders": -1}))
    with pytest.raises(MigcheckError, match=r"--table-sizes .*bad.json: 'orders': expected rows"):
        load_table_sizes(bad)
    with pytest.raises(MigcheckError, match="not JSON"):
        load_table_sizes(_write(tmp_path, "x.json", "{"))


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


# -- the team's own data -------------------------------------------------------------------------
def test_fixture_sql_is_loaded_once_its_tables_exist(pg_server: Server, tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.alter_column("customers", "country_code", nullable=False)',
            'op.alter_column("customers", "country_code", nullable=True)',
        ),
    )
    fixture = _write(
        tmp_path,
        "fixture.sql",
        "INSERT INTO customers (name) VALUES ('Ada');\n"
        "INSERT INTO customers (name) VALUES ('Grace');\n",
    )
    result = walk(pg_server, path, fixtures=[fixture])
    assert f"--data {fixture}: loaded before revision a2" in result.notes
    assert problems(result, "a2", "data-dependent-failure") == [
        "SET NOT NULL fails: 2 rows of customers have NULL country_code (e.g. id = 1) "
        "— backfill first"
    ]


def test_fixture_sql_that_never_fits_is_a_note(pg_server: Server, tmp_path: Path) -> None:
    path = project(tmp_path)
    fixture = _write(tmp_path, "fixture.sql", "INSERT INTO nowhere VALUES (1);")
    result = walk(pg_server, path, fixtures=[fixture])
    assert result.ok
    assert result.notes[-1] == (f'--data {fixture}: not loaded (relation "nowhere" does not exist)')


def test_seed_data_goes_in_before_its_revision_and_combines_with_rows(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        ('op.create_index("ux_ref", "customers", ["ref"], unique=True)', 'op.drop_index("ux_ref")'),
    )
    seed = _write(
        tmp_path,
        "seed.json",
        json.dumps({"a2": {"customers": [{"name": "Ada", "ref": 7}, {"name": "Bob", "ref": 7}]}}),
    )
    result = walk(pg_server, path, rows={"*": 100}, seed_rows=load_seed_rows(seed))
    assert result.seeded_rows == 200  # the synthetic rows went in too
    [message] = problems(result, "a2", "data-dependent-failure")
    assert message.startswith("unique ux_ref fails: 1 values of customers.ref appear more than ")
    assert "(2 rows) (e.g. ref = 7)" in message


def test_seed_data_that_does_not_insert_is_a_problem(pg_server: Server, tmp_path: Path) -> None:
    path = project(tmp_path, ('op.execute("SELECT 1")', "pass"))
    seed = _write(tmp_path, "seed.py", "SEED_DATA = {'a2': {'customers': {'nope': 1}}}\n")
    result = walk(pg_server, path, seed_rows=load_seed_rows(seed))
    assert problems(result, "a2", "seed-data-failed") == [
        '--seed-data for a2: column "nope" of relation "customers" does not exist'
    ]


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("s.json", "[1]", "expected a mapping of revision"),
        ("s.yaml", "a2:\n  customers: 3\n", "revision a2, table customers: expected rows"),
        ("s.py", "X = 1\n", "defines neither SEED_DATA nor before_revision_data"),
        ("s.json", "{", "not readable"),
    ],
)
def test_bad_seed_data_files_are_named(tmp_path: Path, name: str, text: str, error: str) -> None:
    with pytest.raises(MigcheckError, match=f"--seed-data .*{name}: {error}"):
        load_seed_rows(_write(tmp_path, name, text))


# -- the command line ----------------------------------------------------------------------------
def test_cli_bad_data_options_exit_2(tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.alter_column("customers", "country_code", nullable=False)',
            'op.alter_column("customers", "country_code", nullable=True)',
        ),
    )
    runner = CliRunner()
    bad = runner.invoke(cli, ["verify", str(path), "--rows", "many"])
    assert bad.exit_code == 2
    assert "--rows 'many': expected a row count" in bad.output
    assert "Traceback" not in bad.output
    sizes = _write(tmp_path, "sizes.json", '{"customers": "big"}')
    bad = runner.invoke(cli, ["verify", str(path), "--table-sizes", str(sizes)])
    assert bad.exit_code == 2 and "'customers': expected rows" in bad.output
    bad = runner.invoke(cli, ["verify", str(path), "--load"])
    assert bad.exit_code == 2 and "--load: needs rows to work on" in bad.output


# -- proof under load ----------------------------------------------------------------------------
def test_load_records_latencies_of_a_workload_during_each_first_upgrade(
    pg_server: Server, tmp_path: Path
) -> None:
    path = project(
        tmp_path,
        (
            'op.create_index("ix_ref", "customers", ["ref"])\n'
            'op.execute("UPDATE customers SET legacy = name")',
            'op.drop_index("ix_ref")\nop.execute("UPDATE customers SET legacy = NULL")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 5000}, load=True)
    assert revision(result, "a1").load is None  # no table existed before it
    stats = revision(result, "a2").load
    assert stats is not None
    assert stats.statements > 0 and stats.errors == 0
    assert stats.worst_ms >= stats.p99_ms > 0
    assert stats.worst.split()[0] in ("read", "update")
    assert stats.describe().startswith("under load: worst ")
    # the workload's updates change no value: the data checks see the rows they left
    assert problems(result, "a2", "data-not-restored") == [
        problems(result, "a2", "data-not-restored")[0]
    ]
    assert "customers.legacy" in problems(result, "a2", "data-not-restored")[0]
    assert walk(pg_server, path, rows={"*": 50}).revisions[1].load is None


def test_fixture_sql_that_breaks_is_bad_input(pg_server: Server, tmp_path: Path) -> None:
    path = project(tmp_path, ('op.execute("SELECT 1")', "pass"))
    fixture = _write(tmp_path, "fixture.sql", "INSERT INTO customers (name) VALUES (NULL);")
    with pytest.raises(MigcheckError, match=r"--data .*fixture.sql: null value in column \"name\""):
        walk(pg_server, path, fixtures=[fixture])


def test_check_over_breaking_rows_counts_them(pg_server: Server, tmp_path: Path) -> None:
    path = project(
        tmp_path,
        (
            'op.create_check_constraint("ck_small_ref", "customers", "ref < 1000")',
            'op.drop_constraint("ck_small_ref", "customers")',
        ),
    )
    result = walk(pg_server, path, rows={"*": 300})
    [message] = problems(result, "a2", "data-dependent-failure")
    assert message.startswith("CHECK ck_small_ref fails: ")
    assert " rows of customers break it (e.g. id = " in message
    assert message.endswith(
        "— fix the rows first, or add it NOT VALID and VALIDATE it once they are fixed"
    )
    count = int(message.split()[3].replace(",", ""))
    assert 250 < count <= 300  # ref is 1…1,000,000: hardly any is below 1000


# -- the models, on statements as the tracer records them ----------------------------------------
@pytest.mark.parametrize(
    ("statement", "model"),
    [
        ("CREATE INDEX ix ON orders (customer_id)", "index build: n log n"),
        ("ALTER TABLE orders ADD CONSTRAINT uq UNIQUE (code)", "index build: n log n"),
        ("ALTER TABLE orders ADD CONSTRAINT uq UNIQUE USING INDEX ix", "catalog only: constant"),
        ("ALTER TABLE orders ALTER COLUMN total SET NOT NULL", "scan: linear in rows"),
        ("ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0)", "scan: linear in rows"),
        (
            "ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0) NOT VALID",
            "catalog only: constant",
        ),
        ("ALTER TABLE orders VALIDATE CONSTRAINT ck", "scan: linear in rows"),
        ("UPDATE orders SET total = 0", "scan: linear in rows"),
        ("ALTER TABLE orders ADD COLUMN note text", "catalog only: constant"),
        ("CREATE TABLE lines (id int REFERENCES orders (id))", "catalog only: constant"),
    ],
)
def test_growth_models(statement: str, model: str) -> None:
    assert growth(statement).model == model
    if not statement.startswith("CREATE TABLE"):  # a new table has nothing to rewrite
        assert growth(statement, rewrote=True).model == "rewrite: linear in rows"


def test_a_hold_runs_to_the_end_of_its_transaction_and_scales_by_each_statement() -> None:
    share = LockTaken("orders", "table", Lock.SHARE)
    statements = [
        TracedStatement("CREATE INDEX ix ON orders (code)", True, [share], duration_ms=10.0),
        TracedStatement("ALTER TABLE orders ADD COLUMN note text", True, duration_ms=1.0),
        TracedStatement("UPDATE lines SET n = 1", True, duration_ms=4.0),
        TracedStatement("SELECT 1", True, duration_ms=100.0, began=True),  # the next transaction
    ]
    sizes = {"orders": TableSize(100_000), "lines": TableSize(20_000)}
    [hold] = lock_holds(statements, {"orders": 1000, "lines": 2000}, sizes)
    assert (hold.relation, hold.mode, hold.held_ms, hold.statements) == ("orders", "SHARE", 15, 3)
    assert hold.projection is not None
    # 10 ms by n log n (100 times the rows, log 100,000 / log 1,000 = 5/3) + 1 ms + 4 ms by 10
    assert hold.projection.held_ms == pytest.approx(10 * 100 * 5 / 3 + 1 + 40)
    assert hold.projection.models == (
        "index build: n log n",
        "catalog only: constant",
        "scan: linear in rows",
    )
    again = [dataclasses.replace(s, duration_ms=s.duration_ms / 2) for s in statements[:1]]
    assert lock_holds(statements, again=again)[0].held_ms == 10


def test_a_stalled_query_is_put_on_the_statement_that_locked_its_table() -> None:
    from migcheck.verify.load import _overlapped, _Sample

    exclusive = LockTaken("customers", "table", Lock.ACCESS_EXCLUSIVE)
    row = LockTaken("customers", "table", Lock.ROW_EXCLUSIVE)
    statements = [
        TracedStatement("ALTER TABLE customers ADD COLUMN c text", True, [exclusive], started_s=1),
        TracedStatement("UPDATE customers SET c = 'US'", True, [row], started_s=2, duration_ms=900),
        TracedStatement("UPDATE alembic_version SET x = 1", True, started_s=3),
    ]
    waited = _Sample(start=1.5, latency=2.0, statement="read customers", table="customers")
    assert _overlapped(waited, statements, "alembic_version") == (
        "ALTER TABLE customers ADD COLUMN c text"
    )
    elsewhere = _Sample(start=1.9, latency=1.5, statement="read orders", table="orders")
    assert _overlapped(elsewhere, statements, "alembic_version") == "UPDATE customers SET c = 'US'"
