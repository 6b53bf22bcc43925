"""The live catalog as lint's prior schema knows what a file cannot show.

The table a foreign key references (DROP TABLE of the child locks it), the volatility of the
user's functions (``pg_proc.provolatile``: a DEFAULT calling a STABLE function is no rewrite) and
the columns that use a domain (ALTER DOMAIN scans them).
"""

from __future__ import annotations

from typing import Any

import psycopg

from migcheck.config import Settings
from migcheck.lint.engine import Engine
from migcheck.pg import Database
from migcheck.sql.extract import statements
from migcheck.verify.prior import PriorCatalog, PriorReader

SETUP = """
CREATE SCHEMA app;
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE FUNCTION app.region() RETURNS text LANGUAGE sql STABLE AS $$SELECT 'eu'$$;
CREATE FUNCTION app.token() RETURNS text LANGUAGE sql AS $$SELECT md5(random()::text)$$;
CREATE FUNCTION app.mixed() RETURNS int LANGUAGE sql IMMUTABLE AS $$SELECT 1$$;
CREATE FUNCTION app.mixed(int) RETURNS int LANGUAGE sql VOLATILE AS $$SELECT 1$$;
CREATE DOMAIN email AS text;
CREATE TABLE contacts (id bigint PRIMARY KEY, mail email);
"""


def _catalog(database: Database) -> PriorCatalog:
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute(SETUP)

        def execute(sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
            return conn.execute(sql, params).fetchone()

        catalog, _ = PriorReader().read(execute)
    return catalog


def _lint(sql: str, document: PriorCatalog) -> list[tuple[str, str]]:
    engine = Engine(Settings())
    engine.run(statements("SET lock_timeout = '2s';\n" + sql), schema=document.schema())
    return [(f.rule, f.message) for f in engine.findings]


def test_catalog_knows_function_volatility_and_foreign_keys(fresh_db: Database) -> None:
    document = _catalog(fresh_db)
    schema = document.schema()
    assert schema.functions["app.region"] == "stable"
    assert schema.functions["app.token"] == "volatile"
    assert schema.functions["app.mixed"] == "volatile"  # the most volatile overload
    assert schema.tables["child"].constraints["child_parent_id_fkey"].ref_table == "parent"

    stable = _lint("ALTER TABLE parent ADD COLUMN region text DEFAULT app.region();", document)
    assert stable == []
    [(rule, message)] = _lint("ALTER TABLE parent ADD COLUMN t text DEFAULT app.token();", document)
    assert rule == "MC106" and "declared VOLATILE" in message

    dropped = dict(_lint("DROP TABLE child;", document))
    assert "it also takes ACCESS EXCLUSIVE on parent" in dropped["MC301"]


def test_catalog_knows_the_columns_using_a_domain(fresh_db: Database) -> None:
    [(rule, message)] = _lint("ALTER DOMAIN email SET NOT NULL;", _catalog(fresh_db))
    assert rule == "MC121" and "(known here: contacts.mail)" in message
