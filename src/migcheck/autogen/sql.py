"""SQL text for migcheck's operations, with every identifier quoted by SQLAlchemy's preparer.

Only this module spells out PostgreSQL statements; the implementations decide when and in which
transaction each one runs.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import AddConstraint, Constraint, CreateIndex, Index

from migcheck.postgres.identifiers import MAX_BYTES
from migcheck.postgres.types import INTEGER_RANGES, TypeRef, text_limit

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_PREPARER = DIALECT.identifier_preparer


def quote(name: str) -> str:
    """Quote one identifier the way PostgreSQL needs it (``order`` -> ``"order"``)."""
    return str(_PREPARER.quote(name))


def qualified(name: str, schema: str | None) -> str:
    """A quoted, optionally schema-qualified, relation name."""
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def identifier_name(*parts: str, suffix: str) -> str:
    """A PostgreSQL-style generated name (``order_customer_id_fkey``), at most 63 bytes.

    Over-long names keep a short hash of the full name so that two long names stay distinct.
    """
    name = "_".join((*parts, suffix))
    if len(name.encode()) <= MAX_BYTES:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    keep = MAX_BYTES - len(suffix) - len(digest) - 2
    head = "_".join(parts).encode()[:keep].decode(errors="ignore")
    return f"{head}_{digest}_{suffix}"


def create_index(index: Index) -> str:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS ...`` for ``index``."""
    index.dialect_options["postgresql"]["concurrently"] = True
    return str(CreateIndex(index, if_not_exists=True).compile(dialect=DIALECT))


def drop_index(name: str, schema: str | None) -> str:
    """``DROP INDEX CONCURRENTLY IF EXISTS ...``."""
    return f"DROP INDEX CONCURRENTLY IF EXISTS {qualified(name, schema)}"


def add_constraint(constraint: Constraint, *, not_valid: bool) -> str:
    """``ALTER TABLE ... ADD CONSTRAINT ...``, optionally ``NOT VALID``."""
    text = str(AddConstraint(constraint).compile(dialect=DIALECT))
    return f"{text} NOT VALID" if not_valid else text


def validate_constraint(table: str, name: str, schema: str | None) -> str:
    """``ALTER TABLE ... VALIDATE CONSTRAINT ...``."""
    return f"ALTER TABLE {qualified(table, schema)} VALIDATE CONSTRAINT {quote(name)}"


def drop_constraint(table: str, name: str, schema: str | None) -> str:
    """``ALTER TABLE ... DROP CONSTRAINT IF EXISTS ...``."""
    return f"ALTER TABLE {qualified(table, schema)} DROP CONSTRAINT IF EXISTS {quote(name)}"


def add_not_null_check(table: str, column: str, name: str, schema: str | None) -> str:
    """``ADD CONSTRAINT name CHECK (column IS NOT NULL) NOT VALID``."""
    return (
        f"ALTER TABLE {qualified(table, schema)} ADD CONSTRAINT {quote(name)} "
        f"CHECK ({quote(column)} IS NOT NULL) NOT VALID"
    )


def set_not_null(table: str, column: str, schema: str | None, *, not_null: bool) -> str:
    """``ALTER TABLE ... ALTER COLUMN ... SET NOT NULL`` (or ``DROP NOT NULL``)."""
    action = "SET NOT NULL" if not_null else "DROP NOT NULL"
    return f"ALTER TABLE {qualified(table, schema)} ALTER COLUMN {quote(column)} {action}"


def add_unique_using_index(table: str, name: str, schema: str | None) -> str:
    """``ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name``."""
    return (
        f"ALTER TABLE {qualified(table, schema)} ADD CONSTRAINT {quote(name)} "
        f"UNIQUE USING INDEX {quote(name)}"
    )


def sync_function(name: str, schema: str | None) -> str:
    """The qualified name of a column-sync trigger's function (named after the trigger)."""
    return qualified(identifier_name(name, suffix="fn"), schema)


def create_sync(table: str, target: str, using: str, name: str, schema: str | None) -> list[str]:
    """A trigger keeping ``target`` equal to ``using`` (an expression over the row's columns)."""
    relation = qualified(table, schema)
    function = sync_function(name, schema)
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $migcheck$\n"
        f"BEGIN\n"
        f"    NEW.{quote(target)} := (SELECT {using} FROM (SELECT NEW.*) AS migcheck_row);\n"
        f"    RETURN NEW;\n"
        f"END\n$migcheck$",
        f"DROP TRIGGER IF EXISTS {quote(name)} ON {relation}",
        f"CREATE TRIGGER {quote(name)} BEFORE INSERT OR UPDATE ON {relation}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def drop_sync(table: str, name: str, schema: str | None) -> list[str]:
    """Drop a column-sync trigger and its function."""
    return [
        f"DROP TRIGGER IF EXISTS {quote(name)} ON {qualified(table, schema)}",
        f"DROP FUNCTION IF EXISTS {sync_function(name, schema)}()",
    ]


def add_column(table: str, column: str, type_sql: str, schema: str | None) -> str:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` (nullable, no default: metadata only)."""
    relation = qualified(table, schema)
    return f"ALTER TABLE {relation} ADD COLUMN IF NOT EXISTS {quote(column)} {type_sql}"


def drop_column(table: str, column: str, schema: str | None) -> str:
    """``ALTER TABLE ... DROP COLUMN IF EXISTS``."""
    return f"ALTER TABLE {qualified(table, schema)} DROP COLUMN IF EXISTS {quote(column)}"


def rename_column(table: str, old: str, new: str, schema: str | None) -> str:
    """``ALTER TABLE ... RENAME COLUMN``."""
    return f"ALTER TABLE {qualified(table, schema)} RENAME COLUMN {quote(old)} TO {quote(new)}"


def rename_index(old: str, new: str, schema: str | None) -> str:
    """``ALTER INDEX ... RENAME TO``."""
    return f"ALTER INDEX {qualified(old, schema)} RENAME TO {quote(new)}"


def type_sql(type_: object) -> str:
    """A SQLAlchemy type as PostgreSQL DDL (``BIGINT``, ``VARCHAR(20)``)."""
    return str(type_.compile(dialect=DIALECT))  # type: ignore[attr-defined]


def create_rename_sync(table: str, old: str, new: str, name: str, schema: str | None) -> list[str]:
    """A trigger keeping columns ``old`` and ``new`` equal, whichever one a write sets.

    On INSERT a column left NULL takes the other's value; on UPDATE the column the statement
    changed wins (``old`` when both changed). Assignments convert with PostgreSQL's assignment
    casts, which raise rather than truncate.
    """
    relation = qualified(table, schema)
    function = sync_function(name, schema)
    a, b = f"NEW.{quote(old)}", f"NEW.{quote(new)}"
    was_a, was_b = f"OLD.{quote(old)}", f"OLD.{quote(new)}"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $migcheck$\n"
        f"BEGIN\n"
        f"    IF TG_OP = 'INSERT' THEN\n"
        f"        IF {b} IS NULL THEN {b} := {a}; ELSIF {a} IS NULL THEN {a} := {b}; END IF;\n"
        f"    ELSIF {a} IS DISTINCT FROM {was_a} THEN\n"
        f"        {b} := {a};\n"
        f"    ELSIF {b} IS DISTINCT FROM {was_b} THEN\n"
        f"        {a} := {b};\n"
        f"    END IF;\n"
        f"    RETURN NEW;\n"
        f"END\n$migcheck$",
        f"DROP TRIGGER IF EXISTS {quote(name)} ON {relation}",
        f"CREATE TRIGGER {quote(name)} BEFORE INSERT OR UPDATE ON {relation}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def rename_table(old: str, new: str, schema: str | None) -> str:
    """``ALTER TABLE ... RENAME TO``."""
    return f"ALTER TABLE {qualified(old, schema)} RENAME TO {quote(new)}"


def create_view(view: str, table: str, schema: str | None) -> str:
    """A simple (hence updatable) view of every column of ``table`` named ``view``."""
    source = qualified(table, schema)
    return f"CREATE OR REPLACE VIEW {qualified(view, schema)} AS SELECT * FROM {source}"


def drop_view(view: str, schema: str | None) -> str:
    """``DROP VIEW IF EXISTS``."""
    return f"DROP VIEW IF EXISTS {qualified(view, schema)}"


def does_not_fit(column: str, new: TypeRef, new_sql: str) -> str:
    """A condition true for the rows whose ``column`` value does not fit type ``new``.

    ``new_sql`` is the type as DDL, for the generic test (the value changes when cast).
    """
    name = quote(column)
    limit = text_limit(new)
    if limit is not None:
        return f"char_length({name}) > {limit}"
    if new.name in INTEGER_RANGES and not new.array:
        low, high = INTEGER_RANGES[new.name]
        return f"{name} NOT BETWEEN {low} AND {high}"
    if new.name == "numeric" and new.mods and not new.array:
        scale = new.mods[1] if len(new.mods) > 1 else 0
        digits = new.mods[0] - scale
        return f"({name} <> round({name}, {scale}) OR abs(round({name}, {scale})) >= 1e{digits})"
    return f"({name}::{new_sql})::text IS DISTINCT FROM {name}::text"
