"""Running renames without losing data or stalling the application.

* Column: ``add_rename_sync`` / ``drop_rename_sync``, the two-way trigger that keeps the old
  and the new column equal while old and new code run side by side; ``drop_renamed_column``, the
  contract (trigger and old column dropped in one short transaction); its downgrade
  ``restore_renamed_column`` brings the old column back, synced, filled in batches and NOT NULL
  again if it was.
* Table: ``rename_table_behind_view`` renames the table and leaves a simple (updatable) view
  under the old name, in one short transaction; ``drop_rename_view`` drops that view.

Every step is idempotent, so a rerun after a failure continues.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import run_backfill
from migcheck.autogen.implementations import not_null_steps
from migcheck.autogen.runtime import Steps
from migcheck.autogen.swap import has_column

_RELATION_KIND = """
SELECT c.relkind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())
"""


def _kind(steps: Steps, name: str, schema: str | None) -> str | None:
    rows = steps.query(_RELATION_KIND, name=name, schema=schema)
    return str(rows[0][0]) if rows else None


def _sync_statements(operation: ops._RenameSync) -> list[str]:
    return sql.create_rename_sync(
        operation.table_name,
        operation.old_name,
        operation.new_name,
        operation.trigger_name,
        operation.schema,
    )


@Operations.implementation_for(ops.AddRenameSyncOp)
def add_rename_sync(operations: Operations, operation: ops.AddRenameSyncOp) -> None:
    """Create (or replace) the two-way trigger in one short transaction."""
    steps = Steps(operations)
    with steps.outside_transaction():
        steps.transaction(
            _sync_statements(operation), what=f"sync trigger {operation.trigger_name}"
        )


@Operations.implementation_for(ops.DropRenameSyncOp)
def drop_rename_sync(operations: Operations, operation: ops.DropRenameSyncOp) -> None:
    """Drop the two-way trigger and its function in one short transaction."""
    steps = Steps(operations)
    statements = sql.drop_sync(operation.table_name, operation.trigger_name, operation.schema)
    with steps.outside_transaction():
        steps.transaction(statements, what=f"drop sync trigger {operation.trigger_name}")


@Operations.implementation_for(ops.DropRenamedColumnOp)
def drop_renamed_column(operations: Operations, operation: ops.DropRenamedColumnOp) -> None:
    """Drop the trigger and the old column in one short transaction."""
    steps = Steps(operations)
    table, schema = operation.table_name, operation.schema
    statements = [
        *sql.drop_sync(table, operation.trigger_name, schema),
        sql.drop_column(table, operation.old_name, schema),
    ]
    with steps.outside_transaction():
        steps.transaction(statements, what=f"drop renamed column {table}.{operation.old_name}")


@Operations.implementation_for(ops.RestoreRenamedColumnOp)
def restore_renamed_column(operations: Operations, operation: ops.RestoreRenamedColumnOp) -> None:
    """The old column back (nullable, synced), filled in batches, then NOT NULL if it was."""
    steps = Steps(operations)
    table, schema = operation.table_name, operation.schema
    old, new = operation.old_name, operation.new_name
    with steps.outside_transaction():
        if steps.offline or not has_column(steps, table, old, schema):
            steps.transaction(
                [
                    sql.add_column(table, old, sql.type_sql(operation.existing_type), schema),
                    *_sync_statements(operation),
                ],
                what=f"restore renamed column {table}.{old}",
            )
        else:
            steps.transaction(_sync_statements(operation), what=f"sync trigger {table}.{old}")
        run_backfill(
            steps,
            ops.BackfillOp(
                table,
                {old: sa.text(sql.quote(new))},
                where=f"{sql.quote(old)} IS NULL AND {sql.quote(new)} IS NOT NULL",
                key=operation.key,
                schema=schema,
            ),
        )
        if not operation.nullable:
            check = sql.identifier_name(table, old, suffix="not_null")
            not_null_steps(steps, table, old, schema, check)


@Operations.implementation_for(ops.RenameTableBehindViewOp)
def rename_table_behind_view(
    operations: Operations, operation: ops.RenameTableBehindViewOp
) -> None:
    """Rename the table and create the view under the old name, in one short transaction."""
    steps = Steps(operations)
    old, new, schema = operation.old_name, operation.new_name, operation.schema
    with steps.outside_transaction():
        if not steps.offline and _kind(steps, new, schema) == "r":
            statements = [sql.create_view(old, new, schema)]
        else:
            statements = [sql.rename_table(old, new, schema), sql.create_view(old, new, schema)]
        steps.transaction(statements, what=f"rename table {old} to {new}")


@Operations.implementation_for(ops.RestoreTableFromViewOp)
def restore_table_from_view(operations: Operations, operation: ops.RestoreTableFromViewOp) -> None:
    """Drop the view and rename the table back, in one short transaction."""
    steps = Steps(operations)
    old, new, schema = operation.old_name, operation.new_name, operation.schema
    with steps.outside_transaction():
        if not steps.offline and _kind(steps, old, schema) == "r":
            return
        steps.transaction(
            [sql.drop_view(old, schema), sql.rename_table(new, old, schema)],
            what=f"rename table {new} back to {old}",
        )


@Operations.implementation_for(ops.DropRenameViewOp)
def drop_rename_view(operations: Operations, operation: ops.DropRenameViewOp) -> None:
    """Drop the view under the old name in one short transaction."""
    steps = Steps(operations)
    with steps.outside_transaction():
        steps.transaction(
            [sql.drop_view(operation.old_name, operation.schema)],
            what=f"drop view {operation.old_name}",
        )


@Operations.implementation_for(ops.CreateRenameViewOp)
def create_rename_view(operations: Operations, operation: ops.CreateRenameViewOp) -> None:
    """Create the view under the old name in one short transaction."""
    steps = Steps(operations)
    old, new, schema = operation.old_name, operation.new_name, operation.schema
    with steps.outside_transaction():
        steps.transaction([sql.create_view(old, new, schema)], what=f"create view {old}")
