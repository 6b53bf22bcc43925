"""Renames a model marks with ``info={"migcheck": {"renamed_from": ...}}``.

Found by :mod:`migcheck.autogen.renames` (a rename is a pair of operations, not one), turned
into phases here:

* column: *expand* adds the new column (nullable, no default yet) and the two-way sync trigger
  (``add_rename_sync``), *backfill* copies the old values in batches, *contract* makes the new
  column NOT NULL if the model says so, drops the trigger and the old column
  (``drop_renamed_column``) and sets the new column's server default, if any;
* table: *expand* renames it behind an updatable view under the old name
  (``rename_table_behind_view``), *contract* drops the view (``drop_rename_view``).
"""

from __future__ import annotations

from alembic.operations import MigrateOperation, ops
from sqlalchemy import text

from migcheck.autogen import sql
from migcheck.autogen.ops import (
    AddNotNullConstraintOp,
    AddRenameSyncOp,
    BackfillOp,
    DropRenamedColumnOp,
    DropRenameViewOp,
    LockTimeoutBlockOp,
    RenameTableBehindViewOp,
    UnsafeChangeOp,
)
from migcheck.autogen.registry import RewriteContext, Split
from migcheck.autogen.renames import ColumnRename, TableRename
from migcheck.autogen.rewrites.add_column import nullable_copy


def column_rename(rename: ColumnRename, context: RewriteContext) -> Split:
    """The phases of a marked column rename."""
    add, drop = rename.add, rename.drop
    table, schema = add.table_name, add.schema
    old, new = drop.column_name, str(add.column.name)
    key = context.primary_key(schema, table)
    if key is None:
        return Split(
            first=[
                UnsafeChangeOp(
                    f"{sql.qualified(table, schema)}: renaming {old!r} to {new!r} copies the "
                    "values in batches over a single-column primary key, which the model of "
                    "this table lacks; write the rename by hand"
                )
            ]
        )
    old_column = drop.to_column()
    contract: list[MigrateOperation] = []
    if not add.column.nullable:
        contract.append(AddNotNullConstraintOp(table, new, schema=schema))
    contract.append(
        DropRenamedColumnOp(
            table,
            old,
            new,
            existing_type=old_column.type,
            nullable=old_column.nullable is not False,
            key=key,
            schema=schema,
        )
    )
    if add.column.server_default is not None:
        set_default = ops.AlterColumnOp(
            table,
            new,
            schema=schema,
            existing_type=add.column.type,
            existing_nullable=add.column.nullable,
            modify_server_default=add.column.server_default,
        )
        contract.append(LockTimeoutBlockOp([set_default]))
    backfill = BackfillOp(
        table,
        {new: text(sql.quote(old))},
        where=f"{sql.quote(new)} IS NULL AND {sql.quote(old)} IS NOT NULL",
        key=key,
        schema=schema,
    )
    return Split(
        plain=[nullable_copy(add, keep_default=False)],
        expand=[AddRenameSyncOp(table, old, new, schema=schema)],
        backfill=[backfill],
        contract=contract,
    )


def table_rename(rename: TableRename) -> Split:
    """The phases of a marked table rename."""
    old, new = rename.drop.table_name, rename.create.table_name
    schema = rename.create.schema
    return Split(
        expand=[RenameTableBehindViewOp(old, new, schema=schema)],
        contract=[DropRenameViewOp(old, new, schema=schema)],
    )
