"""How migcheck's operations run: each step in its own short transaction under lock_timeout.

Online, every operation first checks the catalog so that a rerun after a partial failure picks up
where it stopped (Alembic's ``autocommit_block`` commits earlier steps, so a failed migration
leaves them behind). Offline (``--sql``) the steps are written out with their transaction breaks.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations
from alembic.operations import ops as alembic_ops
from sqlalchemy.exc import DBAPIError

from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import run_backfill
from migcheck.autogen.checks import null_rows, stop
from migcheck.autogen.runtime import Steps, attempts
from migcheck.errors import MigcheckError

#: SQLSTATE of "check_violation", raised by VALIDATE CONSTRAINT over a failing row
CHECK_VIOLATION = "23514"

_CONSTRAINT = """
SELECT c.convalidated
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE c.conname = :name AND t.relname = :table
  AND n.nspname = coalesce(:schema, current_schema())
"""

_INDEX = """
SELECT i.indisvalid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())
"""

_NOT_NULL = """
SELECT a.attnotnull
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE a.attname = :column AND t.relname = :table AND NOT a.attisdropped
  AND n.nspname = coalesce(:schema, current_schema())
"""


def _constraint_state(steps: Steps, name: str, table: str, schema: str | None) -> bool | None:
    """None when the constraint does not exist, else whether it is validated."""
    rows = steps.query(_CONSTRAINT, name=name, table=table, schema=schema)
    return bool(rows[0][0]) if rows else None


def _index_state(steps: Steps, name: str, schema: str | None) -> bool | None:
    """None when the index does not exist, else whether it is valid."""
    rows = steps.query(_INDEX, name=name, schema=schema)
    return bool(rows[0][0]) if rows else None


def build_index_concurrently(steps: Steps, index: Any, *, what: str) -> None:
    """Build ``index`` concurrently, dropping an INVALID leftover of a failed try first."""
    name = str(index.name)
    schema = index.table.schema
    create = sql.create_index(index)
    if steps.offline:
        steps.concurrently(sql.drop_index(name, schema), what=what)
        steps.concurrently(create, what=what)
        return

    def drop_invalid() -> None:
        if _index_state(steps, name, schema) is False:
            steps.concurrently(sql.drop_index(name, schema), what=f"{what} (invalid leftover)")

    try:
        steps.concurrently(create, what=what, before=drop_invalid)
    except DBAPIError as error:
        # a failed build (duplicate keys of a unique index, ...) leaves an INVALID index that
        # every write keeps updating: drop it and say why in one line
        drop_invalid()
        reason = str(getattr(error, "orig", error)).strip().splitlines()
        raise MigcheckError(
            f"migcheck: {what} failed, the INVALID index it left was dropped: "
            f"{'; '.join(line.strip() for line in reason)}"
        ) from error


@Operations.implementation_for(ops.CreateIndexConcurrentlyOp)
def create_index_concurrently(
    operations: Operations, operation: ops.CreateIndexConcurrentlyOp
) -> None:
    """CREATE INDEX CONCURRENTLY IF NOT EXISTS, outside the migration's transaction."""
    index = operation.to_index(operations.migration_context)
    steps = Steps(operations)
    with steps.outside_transaction():
        build_index_concurrently(steps, index, what=f"create index {index.name}")


@Operations.implementation_for(ops.DropIndexConcurrentlyOp)
def drop_index_concurrently(operations: Operations, operation: ops.DropIndexConcurrentlyOp) -> None:
    """DROP INDEX CONCURRENTLY IF EXISTS, outside the migration's transaction."""
    steps = Steps(operations)
    name = str(operation.index_name)
    with steps.outside_transaction():
        steps.concurrently(sql.drop_index(name, operation.schema), what=f"drop index {name}")


@Operations.implementation_for(ops.DropConstraintIfExistsOp)
def drop_constraint_if_exists(
    operations: Operations, operation: ops.DropConstraintIfExistsOp
) -> None:
    """DROP CONSTRAINT IF EXISTS in its own short transaction."""
    steps = Steps(operations)
    name = str(operation.constraint_name)
    statement = sql.drop_constraint(operation.table_name, name, operation.schema)
    with steps.outside_transaction():
        steps.transaction([statement], what=f"drop constraint {name}")


def _add_not_valid(steps: Steps, operation: Any, constraint: Any) -> None:
    name = str(constraint.name)
    table = constraint.table
    if not steps.offline and _constraint_state(steps, name, table.name, table.schema) is not None:
        return
    steps.transaction(
        [sql.add_constraint(constraint, not_valid=True)], what=f"add constraint {name}"
    )


@Operations.implementation_for(ops.CreateForeignKeyNotValidOp)
def create_foreign_key_not_valid(
    operations: Operations, operation: ops.CreateForeignKeyNotValidOp
) -> None:
    """ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID in its own short transaction."""
    steps = Steps(operations)
    with steps.outside_transaction():
        _add_not_valid(steps, operation, operation.to_constraint(operations.migration_context))


@Operations.implementation_for(ops.CreateCheckConstraintNotValidOp)
def create_check_constraint_not_valid(
    operations: Operations, operation: ops.CreateCheckConstraintNotValidOp
) -> None:
    """ADD CONSTRAINT ... CHECK (...) NOT VALID in its own short transaction."""
    steps = Steps(operations)
    with steps.outside_transaction():
        _add_not_valid(steps, operation, operation.to_constraint(operations.migration_context))


@Operations.implementation_for(ops.ValidateConstraintOp)
def validate_constraint(operations: Operations, operation: ops.ValidateConstraintOp) -> None:
    """VALIDATE CONSTRAINT in its own transaction (SHARE UPDATE EXCLUSIVE: DML goes on)."""
    steps = Steps(operations)
    name = operation.constraint_name
    table, schema = operation.table_name, operation.schema
    with steps.outside_transaction():
        if not steps.offline and _constraint_state(steps, name, table, schema):
            return
        steps.transaction(
            [sql.validate_constraint(table, name, schema)],
            what=f"validate constraint {name}",
            brief=False,
        )


@Operations.implementation_for(ops.CreateUniqueConstraintConcurrentlyOp)
def create_unique_constraint_concurrently(
    operations: Operations, operation: ops.CreateUniqueConstraintConcurrentlyOp
) -> None:
    """Unique index concurrently, then ADD CONSTRAINT ... UNIQUE USING INDEX."""
    constraint = operation.to_constraint(operations.migration_context)
    name = str(constraint.name)
    table = constraint.table
    steps = Steps(operations)
    with steps.outside_transaction():
        if not steps.offline and _constraint_state(steps, name, table.name, table.schema):
            return
        index = alembic_ops.CreateIndexOp(
            name, table.name, [c.name for c in constraint.columns], schema=table.schema, unique=True
        ).to_index(operations.migration_context)
        build_index_concurrently(steps, index, what=f"create unique index {name}")
        steps.transaction(
            [sql.add_unique_using_index(table.name, name, table.schema)],
            what=f"add constraint {name}",
        )


@Operations.implementation_for(ops.AddNotNullConstraintOp)
def add_not_null_constraint(operations: Operations, operation: ops.AddNotNullConstraintOp) -> None:
    """CHECK NOT VALID -> VALIDATE -> SET NOT NULL -> drop the CHECK, each step its own tx."""
    steps = Steps(operations)
    with steps.outside_transaction():
        not_null_steps(
            steps,
            operation.table_name,
            operation.column_name,
            operation.schema,
            operation.check_name,
        )


def not_null_steps(steps: Steps, table: str, column: str, schema: str | None, check: str) -> None:
    """The steps of ``add_not_null_constraint``; resumes a partial earlier run."""
    what = f"not null {table}.{column}"
    state: bool | None = None
    if not steps.offline:
        rows = steps.query(_NOT_NULL, column=column, table=table, schema=schema)
        if rows and rows[0][0]:
            steps.transaction([sql.drop_constraint(table, check, schema)], what=what)
            return
        state = _constraint_state(steps, check, table, schema)
    if not state:
        null_rows(steps, table, column, schema)
    if state is None:
        steps.transaction([sql.add_not_null_check(table, column, check, schema)], what=what)
    if not state:
        try:
            steps.transaction(
                [sql.validate_constraint(table, check, schema)], what=what, brief=False
            )
        except DBAPIError as error:
            if steps.offline or getattr(error.orig, "sqlstate", None) != CHECK_VIOLATION:
                raise
            # a NULL written between the check and VALIDATE: leave nothing half-applied
            steps.transaction([sql.drop_constraint(table, check, schema)], what=what)
            raise MigcheckError(
                f"migcheck: NOT NULL on {sql.qualified(table, schema)}.{sql.quote(column)}: "
                "a NULL was written while it was being checked; nothing is left behind, "
                "rerun the upgrade once the application writes a value"
            ) from error
    steps.transaction(
        [
            sql.set_not_null(table, column, schema, not_null=True),
            sql.drop_constraint(table, check, schema),
        ],
        what=what,
    )


@Operations.implementation_for(ops.DropNotNullConstraintOp)
def drop_not_null_constraint(
    operations: Operations, operation: ops.DropNotNullConstraintOp
) -> None:
    """DROP NOT NULL in its own short transaction."""
    steps = Steps(operations)
    table, column = operation.table_name, operation.column_name
    statement = sql.set_not_null(table, column, operation.schema, not_null=False)
    with steps.outside_transaction():
        steps.transaction([statement], what=f"drop not null {table}.{column}")


@Operations.implementation_for(ops.BackfillOp)
def backfill(operations: Operations, operation: ops.BackfillOp) -> None:
    """Batched, resumable UPDATE; see :mod:`migcheck.autogen.backfill`."""
    steps = Steps(operations)
    with steps.outside_transaction():
        run_backfill(steps, operation)


@Operations.implementation_for(ops.LockTimeoutBlockOp)
def lock_timeout_retries(operations: Operations, operation: ops.LockTimeoutBlockOp) -> Any:
    """Run the block's operations in retried attempts, or return the attempts for a loop.

    A revision file calls ``op.lock_timeout_retries()`` with no operations and runs its own
    ``for attempt in ...: with attempt:`` loop; a block built in code runs its operations here.
    """
    if not operation.ops:
        return attempts(operations)
    for attempt in attempts(operations):
        with attempt:
            for child in operation.ops:
                operations.invoke(child)
    return None


@Operations.implementation_for(ops.NothingToUndoOp)
def nothing_to_undo(operations: Operations, operation: ops.NothingToUndoOp) -> None:
    """Nothing runs."""


@Operations.implementation_for(ops.UnsafeChangeOp)
def unsafe_change(operations: Operations, operation: ops.UnsafeChangeOp) -> None:
    """Stop before the revision changes anything."""
    stop(Steps(operations), f"migcheck: unsafe change stopped: {operation.reason}")
