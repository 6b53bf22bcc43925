"""The prior schema read again only for what changed equals the one read whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.catalog.executor import executor
from tests.catalog.test_targeted import STEPS as SNAPSHOT_STEPS

from migcheck.alembic_project.project import load_project
from migcheck.catalog import snapshot as schema_snapshot
from migcheck.catalog.snapshot import SnapshotTaker
from migcheck.pg import Database, Server
from migcheck.result import Finding
from migcheck.verify.prior import PriorReader
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"

#: changes to what lint knows of a table: types, NOT NULL, constraints and their validation,
#: index keys, names; made directly, through a function, or from another session
STEPS = [
    "CREATE TABLE accounts (id int PRIMARY KEY, email varchar(20), score numeric(8, 2))",
    "CREATE TABLE bystander (id int PRIMARY KEY)",
    "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL",
    "ALTER TABLE accounts ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID",
    "ALTER TABLE accounts VALIDATE CONSTRAINT email_nn",
    "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(40)",
    "CREATE UNIQUE INDEX ix_accounts_email ON accounts (email, score)",
    "ALTER TABLE accounts RENAME COLUMN email TO mail",
    "ALTER INDEX ix_accounts_email RENAME TO ix_accounts_mail",
    "CREATE DOMAIN money_amount AS numeric(12, 2)",
    "ALTER TABLE accounts ADD COLUMN balance money_amount",
    "ALTER DOMAIN money_amount RENAME TO amount",
    "CREATE FUNCTION widen() RETURNS void LANGUAGE plpgsql AS "
    "'begin alter table accounts alter column mail type text; end'",
    "SELECT widen()",
    "ALTER TABLE bystander ADD CONSTRAINT fk_acc FOREIGN KEY (id) REFERENCES accounts (id)",
    "ALTER TABLE accounts DROP CONSTRAINT email_nn",
    "CREATE FUNCTION region() RETURNS text LANGUAGE sql STABLE AS 'select 1::text'",
    "ALTER FUNCTION region() VOLATILE",
    "ALTER TABLE accounts RENAME TO members",
    "other: ALTER TABLE members ADD COLUMN seen timestamptz(3)[] NOT NULL DEFAULT '{}'",
    "other: CREATE INDEX ix_bystander ON bystander (id)",
    "DROP INDEX ix_bystander",
    "DROP TABLE bystander",
]


@pytest.fixture
def connection(fresh_db: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(fresh_db.conninfo, autocommit=True) as conn:
        yield conn


def test_targeted_prior_schema_matches_a_full_read_after_every_statement(
    connection: psycopg.Connection[Any], fresh_db: Database
) -> None:
    execute = executor(connection)

    schema_snapshot.install(execute, track=True)
    taker = SnapshotTaker()
    reader = PriorReader()
    reader.install(execute)  # the installed function, compared with the query sent as SQL
    taker.take(execute)
    reader.read(execute, taker)
    with psycopg.connect(fresh_db.conninfo, autocommit=True) as other:
        for step in STEPS + SNAPSHOT_STEPS:
            if step.startswith("other: "):
                other.execute(step.removeprefix("other: "))
            else:
                connection.execute(step)
            taker.take(execute)
            targeted, _ = reader.read(execute, taker)
            full, _ = PriorReader().read(execute)
            assert targeted.schema() == full.schema(), step
            assert targeted.reread <= max(len(full.tables), 2), step
    connection.execute("RESET session_replication_role")


def test_targeted_prior_schema_reads_only_what_changed(
    connection: psycopg.Connection[Any],
) -> None:
    execute = executor(connection)

    schema_snapshot.install(execute, track=True)
    for number in range(20):
        connection.execute(f"CREATE TABLE t{number} (id int PRIMARY KEY, name text)")
    taker = SnapshotTaker()
    reader = PriorReader()
    taker.take(execute)
    first, setting = reader.read(execute, taker)
    assert (first.reread, setting) == (20, "0")
    connection.execute("ALTER TABLE t3 ALTER COLUMN name SET NOT NULL")
    taker.take(execute)
    second, _ = reader.read(execute, taker)
    assert second.reread == 1
    state = second.schema().tables["t3"]
    assert state.columns["name"].not_null
    assert len(second.schema().tables) == 20
    third, _ = reader.read(execute)  # no snapshot to go by: everything
    assert third.reread == 20


def _findings(result: VerifyResult) -> list[tuple[str, str, str, str, int, str]]:
    def key(f: Finding) -> tuple[str, str, int, str]:
        return (f.rule, f.location.revision or "", f.location.line, f.message)

    rows = []
    for revision in result.revisions:
        for item in revision.findings:
            rows.append((revision.revision, item.step, *key(item.finding)))
        rows.extend(
            (revision.revision, p.step, p.kind, "", 0, p.message) for p in revision.problems
        )
    return sorted(rows)


@pytest.mark.parametrize(
    "name", ["live_lint", "clean", "not_restored", "merge", "autocommit", "sneaky"]
)
def test_walk_findings_are_the_same_with_full_reads(pg_server: Server, name: str) -> None:
    project = load_project(FIXTURES / name)
    fast = verify_project(project, pg_server, VerifyOptions())
    project = load_project(FIXTURES / name)
    full = verify_project(project, pg_server, VerifyOptions(full_snapshots=True))
    assert _findings(fast) == _findings(full)
    if name == "live_lint":
        assert _findings(fast), "the fixture has findings to compare"
