"""Running a column type change as expand -> backfill -> contract.

* ``add_column_sync`` / ``drop_column_sync``: the trigger that keeps the new column in step
  with the old one while the application still writes the old one (dual write).
* ``replace_column``: the contract, in one short transaction under lock_timeout: drop the trigger
  and the old column, rename the replacement (and its index copies) to the original names.
* ``restore_column``: its downgrade, which loses nothing: the old-typed column comes back, is
  filled from the new one in batches, swapped back in, synced and indexed again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops

from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import run_backfill
from migcheck.autogen.implementations import build_index_concurrently, not_null_steps
from migcheck.autogen.runtime import Steps

_COLUMN = """
SELECT 1
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE a.attname = :column AND t.relname = :table AND NOT a.attisdropped AND a.attnum > 0
  AND n.nspname = coalesce(:schema, current_schema())
"""


def has_column(steps: Steps, table: str, column: str, schema: str | None) -> bool:
    """Whether the table has the column (online only)."""
    return bool(steps.query(_COLUMN, table=table, column=column, schema=schema))


@Operations.implementation_for(ops.AddColumnSyncOp)
def add_column_sync(operations: Operations, operation: ops.AddColumnSyncOp) -> None:
    """Create (or replace) the sync trigger in one short transaction."""
    steps = Steps(operations)
    statements = sql.create_sync(
        operation.table_name,
        operation.target,
        operation.using,
        operation.trigger_name,
        operation.schema,
    )
    with steps.outside_transaction():
        steps.transaction(statements, what=f"sync trigger {operation.trigger_name}")


@Operations.implementation_for(ops.DropColumnSyncOp)
def drop_column_sync(operations: Operations, operation: ops.DropColumnSyncOp) -> None:
    """Drop the sync trigger and its function in one short transaction."""
    steps = Steps(operations)
    statements = sql.drop_sync(operation.table_name, operation.trigger_name, operation.schema)
    with steps.outside_transaction():
        steps.transaction(statements, what=f"drop sync trigger {operation.trigger_name}")


def _sync_name(operation: ops.ReplaceColumnOp | ops.RestoreColumnOp) -> str:
    return sql.identifier_name(operation.table_name, operation.replacement, suffix="sync")


@Operations.implementation_for(ops.ReplaceColumnOp)
def replace_column(operations: Operations, operation: ops.ReplaceColumnOp) -> None:
    """Drop the old column and give the replacement its name, in one short transaction."""
    steps = Steps(operations)
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    statements = [
        *sql.drop_sync(table, _sync_name(operation), schema),
        sql.drop_column(table, column, schema),
        sql.rename_column(table, operation.replacement, column, schema),
        *(sql.rename_index(ix["temporary"], ix["name"], schema) for ix in operation.indexes),
    ]
    with steps.outside_transaction():
        if not steps.offline and not has_column(steps, table, operation.replacement, schema):
            return
        steps.transaction(statements, what=f"replace column {table}.{column}")


@Operations.implementation_for(ops.RestoreColumnOp)
def restore_column(operations: Operations, operation: ops.RestoreColumnOp) -> None:
    """Old-typed column back (filled in batches), swapped in, synced and indexed again."""
    steps = Steps(operations)
    table, column, schema = operation.table_name, operation.column_name, operation.schema
    replacement = operation.replacement
    sync = _sync_name(operation)
    swap = sql.identifier_name(column, suffix="swap")
    with steps.outside_transaction():
        if not steps.offline and has_column(steps, table, replacement, schema):
            return
        steps.transaction(
            [
                sql.add_column(table, replacement, sql.type_sql(operation.existing_type), schema),
                *sql.create_sync(table, replacement, operation.using_back, sync, schema),
            ],
            what=f"restore column {table}.{column}",
        )
        run_backfill(
            steps,
            ops.BackfillOp(
                table,
                {replacement: sa.text(operation.using_back)},
                where=f"{sql.quote(replacement)} IS NULL AND {sql.quote(column)} IS NOT NULL",
                key=operation.key,
                schema=schema,
            ),
        )
        steps.transaction(
            [
                *sql.drop_sync(table, sync, schema),
                sql.rename_column(table, column, swap, schema),
                sql.rename_column(table, replacement, column, schema),
                sql.rename_column(table, swap, replacement, schema),
                *(
                    sql.rename_index(ix["name"], ix["temporary"], schema)
                    for ix in operation.indexes
                ),
                *sql.create_sync(table, replacement, operation.using, sync, schema),
            ],
            what=f"restore column {table}.{column}",
        )
        if not operation.nullable:
            check = sql.identifier_name(table, column, suffix="not_null")
            not_null_steps(steps, table, column, schema, check)
        for index in operation.indexes:
            _build(operations, steps, operation, index)


def _build(
    operations: Operations, steps: Steps, operation: ops.RestoreColumnOp, index: Mapping[str, Any]
) -> None:
    definition = alembic_ops.CreateIndexOp(
        index["name"],
        operation.table_name,
        list(index["columns"]),
        schema=operation.schema,
        unique=bool(index.get("unique")),
    ).to_index(operations.migration_context)
    build_index_concurrently(steps, definition, what=f"create index {index['name']}")
