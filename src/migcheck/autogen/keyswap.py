"""Running a primary key's integer-to-bigint change together with the foreign keys referencing it.

GitLab's integer-to-bigint recipe: the expand revision adds the new columns (key and foreign
keys) with sync triggers and builds their indexes concurrently, the backfill copies both sides
in key-range batches, and the contract makes the new key column NOT NULL through a validated
CHECK and then runs ``swap_key``:

* ``swap_key``: one short transaction under lock_timeout (with retries): drop the foreign keys
  and the primary key, drop the sync triggers, move the serial sequence to the new column
  (``ALTER SEQUENCE ... AS``, ``OWNED BY``, the default), drop the old columns, rename the new
  ones, ``ADD CONSTRAINT ... PRIMARY KEY USING INDEX`` and the foreign keys again ``NOT VALID``;
  then ``VALIDATE`` each foreign key in a transaction of its own.
* ``restore_key``: its downgrade, mirrored: it first checks that every value of the key and
  foreign-key columns and the sequence's last value fit the old type, stopping in one line
  before changing anything when one does not; then the old-typed columns come back, filled in
  batches, indexed, swapped in the same way, the new-typed ones kept in sync for the expand's
  downgrade to drop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops

from migcheck.alembic_project.offline import type_ref_of
from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import run_backfill
from migcheck.autogen.checks import stop
from migcheck.autogen.implementations import (
    build_index_concurrently,
    constraint_state,
    not_null_steps,
)
from migcheck.autogen.runtime import Steps
from migcheck.autogen.swap import has_column
from migcheck.errors import MigcheckError
from migcheck.postgres.types import INTEGER_RANGES

_LAST_VALUE = "SELECT pg_sequence_last_value(pg_get_serial_sequence(:relation, :column)::regclass)"


def _sync(table: str, column: str) -> str:
    """The sync trigger's name, as ``add_column_sync`` names it."""
    return sql.identifier_name(table, column, suffix="sync")


def _sequence(operation: ops.SwapKeyOp | ops.RestoreKeyOp, target: str, type_sql: str) -> str:
    """A ``DO`` block locking the tables and moving the key's serial sequence to ``target``.

    The old column (still named ``column_name``) loses its default; the sequence gets the type,
    is owned by ``target`` and becomes its default. An identity column stops it.
    """
    relation = sql.qualified(operation.table_name, operation.schema)
    column = operation.column_name
    owner = f"{relation}.{sql.quote(target)}"
    alter = f"ALTER TABLE {relation} ALTER COLUMN "
    identity = f"migcheck: {relation}.{column} is an identity column: swap_key moves serials only"
    # every table's lock first, the referencing tables before the key's: the application's
    # writes of a referencing table lock it, then the key's table (the foreign key check), so a
    # swap holding the key's table while it waited for a referencing one would queue them in a
    # cycle until lock_timeout
    tables = [sql.qualified(ref["table"], operation.schema) for ref in operation.references]
    return f"""DO $migcheck$
DECLARE
    s text := pg_get_serial_sequence({sql.literal(relation)}, {sql.literal(column)});
BEGIN
    LOCK TABLE {", ".join([*dict.fromkeys(tables), relation])} IN ACCESS EXCLUSIVE MODE;
    IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = {sql.literal(relation)}::regclass
               AND attname = {sql.literal(column)} AND attidentity <> '') THEN
        RAISE EXCEPTION {sql.literal(identity)};
    END IF;
    IF s IS NOT NULL THEN
        EXECUTE {sql.literal(alter + sql.quote(column) + " DROP DEFAULT")};
        EXECUTE 'ALTER SEQUENCE ' || s || {sql.literal(" AS " + type_sql)};
        EXECUTE 'ALTER SEQUENCE ' || s || {sql.literal(" OWNED BY " + owner)};
        EXECUTE {sql.literal(alter + sql.quote(target) + " SET DEFAULT nextval(")}
            || quote_literal(s) || '::regclass)';
    END IF;
END
$migcheck$"""


def _swap(
    operation: ops.SwapKeyOp | ops.RestoreKeyOp, type_sql: str, *, forward: bool
) -> list[str]:
    """The statements of the swap's one transaction.

    ``forward``: the replacement columns take the names and the old ones are dropped; else the
    columns trade names (the new-typed ones stay, as the replacements, for the expand's
    downgrade) and are kept in step by sync triggers again.
    """
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    relation = sql.qualified(table, schema)
    replacement = operation.replacement
    columns = [(table, column, replacement, list[Mapping[str, Any]]())] + [
        (ref["table"], ref["column"], ref["replacement"], list(ref["indexes"]))
        for ref in operation.references
    ]
    # the sequence first: a DO block after a lock it cannot see would read as long work (MC112)
    statements = [_sequence(operation, replacement, type_sql)]
    statements += [
        sql.drop_constraint(ref["table"], ref["constraint"], schema) for ref in operation.references
    ]
    statements.append(sql.drop_constraint(table, operation.constraint, schema))
    for name, _, new, _ in columns:
        statements += sql.drop_sync(name, _sync(name, new), schema)
    using = f"::{sql.type_sql(operation.type_)}"
    for name, old, new, indexes in columns:
        if forward:
            statements += [
                sql.drop_column(name, old, schema),
                sql.rename_column(name, new, old, schema),
                *(sql.rename_index(ix["temporary"], ix["name"], schema) for ix in indexes),
            ]
        else:
            swap = sql.identifier_name(old, suffix="swap")
            statements += [
                sql.rename_column(name, old, swap, schema),
                sql.rename_column(name, new, old, schema),
                sql.rename_column(name, swap, new, schema),
                *(sql.rename_index(ix["name"], ix["temporary"], schema) for ix in indexes),
                *sql.create_sync(name, new, sql.quote(old) + using, _sync(name, new), schema),
            ]
    statements.append(
        f"ALTER TABLE {relation} ADD CONSTRAINT {sql.quote(operation.constraint)}"
        f" PRIMARY KEY USING INDEX {sql.quote(operation.index)}"
    )
    statements += [
        f"ALTER TABLE {sql.qualified(ref['table'], schema)} ADD CONSTRAINT"
        f" {sql.quote(ref['constraint'])} {ref['definition']} NOT VALID"
        for ref in operation.references
    ]
    return statements


def _validate(steps: Steps, operation: ops.SwapKeyOp | ops.RestoreKeyOp) -> None:
    """VALIDATE each foreign key in a transaction of its own; skips validated ones."""
    for ref in operation.references:
        name, table = ref["constraint"], ref["table"]
        if (
            not steps.offline
            and constraint_state(steps, name, table, operation.schema) is not False
        ):
            continue
        steps.transaction(
            [sql.validate_constraint(table, name, operation.schema)],
            what=f"validate constraint {name}",
            brief=False,
        )


def _build(
    operations: Operations,
    steps: Steps,
    operation: ops.SwapKeyOp | ops.RestoreKeyOp,
    table: str,
    index: Mapping[str, Any],
) -> None:
    definition = alembic_ops.CreateIndexOp(
        index["name"],
        table,
        list(index["columns"]),
        schema=operation.schema,
        unique=bool(index.get("unique")),
    ).to_index(operations.migration_context)
    build_index_concurrently(steps, definition, what=f"create index {index['name']}")


@Operations.implementation_for(ops.SwapKeyOp)
def swap_key(operations: Operations, operation: ops.SwapKeyOp) -> None:
    """Swap the new key and foreign-key columns in, in one short transaction."""
    steps = Steps(operations)
    table, schema = operation.table_name, operation.schema
    statements = _swap(operation, sql.type_sql(operation.type_), forward=True)
    with steps.outside_transaction():
        if steps.offline or has_column(steps, table, operation.replacement, schema):
            steps.transaction(statements, what=f"swap key {table}.{operation.column_name}")
        _validate(steps, operation)


def _fits(operations: Operations, steps: Steps, operation: ops.RestoreKeyOp) -> None:
    """Stop before changing anything unless every value and the sequence fit the old type."""
    old_sql = sql.type_sql(operation.existing_type)
    old = type_ref_of(old_sql)
    if old is None or old.name not in INTEGER_RANGES:
        raise MigcheckError(f"restore_key on {operation.table_name}: {old_sql} is not an integer")
    columns = [(operation.table_name, operation.column_name, operation.column_name)] + [
        (ref["table"], ref["column"], ref["key"]) for ref in operation.references
    ]
    for table, column, key in columns:
        operations.invoke(
            ops.CheckValuesFitOp(
                table, column, operation.existing_type, key=key, schema=operation.schema
            )
        )
    low, high = INTEGER_RANGES[old.name]
    relation = sql.qualified(operation.table_name, operation.schema)
    message = (
        f"migcheck: {relation}.{sql.quote(operation.column_name)} back to {old_sql} stopped "
        "before changing anything: its sequence has gone past the range of the old type"
    )
    with steps.outside_transaction():
        if steps.offline:
            last = (
                f"pg_sequence_last_value(pg_get_serial_sequence({sql.literal(relation)},"
                f" {sql.literal(operation.column_name)})::regclass)"
            )
            steps.emit(
                f"DO $migcheck$ BEGIN IF {last} NOT BETWEEN {low} AND {high} THEN"
                f" RAISE EXCEPTION {sql.literal(message)}; END IF; END $migcheck$"
            )
            return
        rows = steps.query(_LAST_VALUE, relation=relation, column=operation.column_name)
        value = rows[0][0] if rows else None
        if value is not None and not low <= value <= high:
            stop(steps, f"{message} ({value})")


@Operations.implementation_for(ops.RestoreKeyOp)
def restore_key(operations: Operations, operation: ops.RestoreKeyOp) -> None:
    """Old-typed key and foreign-key columns back (checked, filled, indexed), swapped in."""
    steps = Steps(operations)
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    replacement = operation.replacement
    old_sql = sql.type_sql(operation.existing_type)
    if not steps.offline:
        with steps.outside_transaction():
            if has_column(steps, table, replacement, schema):
                _validate(steps, operation)
                return
    _fits(operations, steps, operation)
    tables = [(table, column, replacement, column, False)] + [
        (ref["table"], ref["column"], ref["replacement"], ref["key"], bool(ref["nullable"]))
        for ref in operation.references
    ]
    with steps.outside_transaction():
        for name, old, new, key, nullable in tables:
            using_back = f"{sql.quote(old)}::{old_sql}"
            steps.transaction(
                [
                    sql.add_column(name, new, old_sql, schema),
                    *sql.create_sync(name, new, using_back, _sync(name, new), schema),
                ],
                what=f"restore column {name}.{old}",
            )
            run_backfill(
                steps,
                ops.BackfillOp(
                    name,
                    {new: sa.text(using_back)},
                    where=f"{sql.quote(new)} IS NULL AND {sql.quote(old)} IS NOT NULL",
                    key=key,
                    schema=schema,
                ),
            )
            if not nullable:
                check = sql.identifier_name(name, new, suffix="not_null")
                not_null_steps(steps, name, new, schema, check)
        unique = {"name": operation.index, "columns": [replacement], "unique": True}
        _build(operations, steps, operation, table, unique)
        steps.transaction(
            _swap(operation, old_sql, forward=False), what=f"restore key {table}.{column}"
        )
        # the new-typed key keeps its unique index, for swap_key to use again
        _build(operations, steps, operation, table, unique)
        for ref in operation.references:
            for index in ref["indexes"]:
                _build(operations, steps, operation, ref["table"], index)
        _validate(steps, operation)
