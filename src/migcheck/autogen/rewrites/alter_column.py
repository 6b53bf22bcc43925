"""``alter_column`` on existing tables.

* a type change that rewrites the table (``migcheck.postgres.types.type_change``) -> *expand*
  (a new column kept in step by a trigger, its indexes built concurrently), *backfill* (batched
  copy) and *contract* (``replace_column``: drop the old column, rename the new one and its
  indexes); kept as one guarded ``alter_column`` (which lint flags) for the columns this does
  not move safely (a CHECK constraint of the column is added again on the replacement, NOT VALID
  then validated); a narrowing (``varchar(200)`` to ``varchar(100)``) first checks that every
  value fits (``check_values_fit``) and copies without an explicit cast, which would truncate;
* ``nullable=False`` with a server default -> the NULLs backfilled with the default in batches,
  then ``add_not_null_constraint`` in a contract revision;
* ``nullable=False`` -> ``add_not_null_constraint`` (which stops before changing anything when
  the column still holds NULLs), the rest of the change under lock_timeout.

The type change is registered first: it handles a NOT NULL that comes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic.operations import MigrateOperation, ops
from sqlalchemy import CheckConstraint, Column, ForeignKey, Table, TextClause, text
from sqlalchemy.schema import ColumnCollectionConstraint

from migcheck.alembic_project.offline import type_ref_of
from migcheck.autogen import sql
from migcheck.autogen.ops import (
    AddColumnSyncOp,
    AddNotNullConstraintOp,
    BackfillOp,
    CheckValuesFitOp,
    CreateIndexConcurrentlyOp,
    LockTimeoutBlockOp,
    ReplaceColumnOp,
    SwapKeyOp,
    UnsafeChangeOp,
)
from migcheck.autogen.registry import RewriteContext, Split, rewrites
from migcheck.autogen.rewrites.add_column import clause_sql, default_sql
from migcheck.postgres.naming import default_constraint_name
from migcheck.postgres.types import Change, narrows, type_change


def rewrites_table(old: Any, new: Any) -> bool:
    """Whether changing a column from SQLAlchemy type ``old`` to ``new`` may rewrite the table."""
    before = type_ref_of(sql.type_sql(old))
    after = type_ref_of(sql.type_sql(new))
    if after is None:
        return True
    return type_change(before, after, using=False) is not Change.FREE


@rewrites.dispatch_for(ops.AlterColumnOp)
def type_change_phases(op: ops.AlterColumnOp, context: RewriteContext) -> Split | None:
    """Expand/contract for a type change that rewrites the table; None to keep it plain.

    Kept plain: changes that need no rewrite. The column's CHECK constraints are added again on
    the replacement when it takes the column's name. A rewriting change of a column this does
    not move safely (in a primary key, unique, foreign key or unnamed CHECK constraint, with a
    server default or comment, in an expression or partial index, no single-column primary key,
    renamed in the same change) stops first
    (``op.unsafe_change``), saying why, with the blocking ``alter_column`` after the stop.

    Also applies to downgrades (the reverse of a widening is a narrowing), where the phases run
    in order in the one revision; there a column it cannot move stays a guarded alter.
    """
    old, new = op.existing_type, op.modify_type
    if new is None or old is None or not rewrites_table(old, new):
        return None
    table = context.model(op.schema, op.table_name)
    if table is None:
        return None
    key = context.primary_key(op.schema, op.table_name)
    column = op.column_name
    indexes = _indexes(table, column)
    reason = _unphased(op, context, table, key, indexes)
    if reason is not None or key is None or indexes is None:
        if not context.split:
            return None
        return Split(first=[UnsafeChangeOp(_blocking(op, reason or ""))], plain=[op])
    replacement = sql.identifier_name(column, suffix="new")
    first: list[MigrateOperation] = []
    if narrows(type_ref_of(sql.type_sql(old)), type_ref_of(sql.type_sql(new))):
        # no explicit cast, which would truncate: the assignment cast raises instead
        using = sql.quote(column)
        first.append(CheckValuesFitOp(op.table_name, column, new, key=key, schema=op.schema))
    else:
        using = f"{sql.quote(column)}::{sql.type_sql(new)}"
    using_back = f"{sql.quote(column)}::{sql.type_sql(old)}"
    schema, name = op.schema, op.table_name
    expand: list[MigrateOperation] = [
        AddColumnSyncOp(name, column, replacement, using, schema=schema)
    ]
    for index in indexes:
        columns = [replacement if c == column else c for c in index["columns"]]
        expand.append(
            CreateIndexConcurrentlyOp(
                index["temporary"], name, columns, schema=schema, unique=index["unique"]
            )
        )
    was_nullable = op.existing_nullable is not False
    nullable = op.modify_nullable if op.modify_nullable is not None else was_nullable
    contract: list[MigrateOperation] = []
    if not nullable:
        contract.append(AddNotNullConstraintOp(name, replacement, schema=schema))
    contract.append(
        ReplaceColumnOp(
            name,
            column,
            replacement,
            existing_type=old,
            using=using,
            using_back=using_back,
            indexes=indexes,
            key=key,
            nullable=was_nullable,
            checks=_checks(table, column),
            schema=schema,
        )
    )
    backfill = BackfillOp(
        name,
        {replacement: text(using)},
        where=f"{sql.quote(replacement)} IS NULL AND {sql.quote(column)} IS NOT NULL",
        key=key,
        schema=schema,
    )
    return Split(
        first=first,
        plain=[ops.AddColumnOp(name, Column(replacement, new, nullable=True), schema=schema)],
        expand=expand,
        backfill=[backfill],
        contract=contract,
    )


@rewrites.dispatch_for(ops.AlterColumnOp, phased=True)
def not_null_with_default(op: ops.AlterColumnOp, context: RewriteContext) -> Split | None:
    """``nullable=False`` on a column with a server default: its NULLs get the default first.

    The rest of the change (setting the default) stays a guarded alter in *expand*; *backfill*
    sets the existing NULLs to the default in batches; *contract* adds the NOT NULL.
    """
    if op.modify_nullable is not False:
        return None
    default = _default_of(op, context)
    key = context.primary_key(op.schema, op.table_name)
    if default is None or key is None:
        return None
    remaining = _without_nullable(op)
    column = op.column_name
    backfill = BackfillOp(
        op.table_name,
        {column: text(default)},
        where=f"{sql.quote(column)} IS NULL",
        key=key,
        schema=op.schema,
    )
    return Split(
        plain=[remaining] if remaining is not None else [],
        backfill=[backfill],
        contract=[AddNotNullConstraintOp(op.table_name, column, schema=op.schema)],
    )


def _default_of(op: ops.AlterColumnOp, context: RewriteContext) -> str | None:
    """The server default the column gets (from the change, else from the model) as SQL."""
    if op.modify_server_default not in (False, None):
        return clause_sql(op.modify_server_default)
    if op.modify_server_default is None:
        return None  # the change removes the default
    table = context.model(op.schema, op.table_name)
    model = table.columns.get(op.column_name) if table is not None else None
    return default_sql(model) if model is not None else None


@rewrites.dispatch_for(ops.AlterColumnOp)
def set_not_null(op: ops.AlterColumnOp, context: RewriteContext) -> Split | None:
    """``nullable=False`` -> ``add_not_null_constraint``; the rest stays a guarded alter."""
    if op.modify_nullable is not False:
        return None
    remaining = _without_nullable(op)
    return Split(
        plain=[remaining] if remaining is not None else [],
        expand=[AddNotNullConstraintOp(op.table_name, op.column_name, schema=op.schema)],
    )


def _unphased(
    op: ops.AlterColumnOp,
    context: RewriteContext,
    table: Table,
    key: str | None,
    indexes: list[dict[str, Any]] | None,
) -> str | None:
    """Why the type change of ``op``'s column cannot be phased; None when it can."""
    column = op.column_name
    if key is None:
        return "the table has no single-column primary key to copy the values in batches over"
    if key == column:
        referencing = _referencing(context, table, column)
        return "it is the primary key" + (
            f" and {', '.join(referencing)} reference it (they must change too)"
            if referencing
            else ""
        )
    if op.modify_name is not None:
        return "the column is renamed in the same change"
    if op.modify_comment is not False or op.existing_comment:
        return "the column has a comment"
    if op.modify_server_default not in (False, None) or op.existing_server_default not in (
        False,
        None,
    ):
        return "the column has a server default"
    constraint = _in_constraint(table, column)
    if constraint is not None:
        return f"it is in {constraint}"
    if indexes is None:
        return "it is in an expression or partial index"
    return None


def _referencing(context: RewriteContext, table: Table, column: str) -> list[str]:
    """``table.column`` of every model foreign key that references ``table.column``."""
    found = []
    for metadata in context.metadata:
        for other in metadata.tables.values():
            for fk in other.foreign_keys:
                if fk.column.table is table and fk.column.name == column:
                    found.append(f"{other.name}.{fk.parent.name}")
    return sorted(found)


def _blocking(op: ops.AlterColumnOp, reason: str) -> str:
    """The stop message of a type change kept as one blocking ``alter_column``."""
    relation = sql.qualified(op.table_name, op.schema)
    old, new = sql.type_sql(op.existing_type), sql.type_sql(op.modify_type)
    sequence = ""
    if _integer(old) and _integer(new):
        sequence = (
            "; a serial column's sequence keeps its old type: add "
            f"op.execute(\"ALTER SEQUENCE <pg_get_serial_sequence('{op.table_name}', "
            f"'{op.column_name}')> AS {new}\")"
        )
    return (
        f"{relation}.{sql.quote(op.column_name)}: {old} to {new} rewrites the table under ACCESS "
        f"EXCLUSIVE (reads and writes wait for the whole rewrite) and migcheck cannot phase it: "
        f"{reason}. Delete this line to run the blocking alter_column below in a maintenance "
        f"window{sequence}, or write the expand/backfill/contract by hand"
    )


def _integer(type_sql: str) -> bool:
    return type_sql in ("SMALLINT", "INTEGER", "BIGINT")


def _in_constraint(table: Table, column: str) -> str | None:
    """The model constraint (primary key, unique, foreign key, unnamed CHECK) on the column."""
    for constraint in table.constraints:
        name = f" {constraint.name}" if isinstance(constraint.name, str) else ""
        if isinstance(constraint, CheckConstraint):
            if not name and column in str(constraint.sqltext):
                return "an unnamed CHECK constraint (name it in the model to have it moved)"
            continue  # a named one is added again by the swap: see _checks
        if isinstance(constraint, ColumnCollectionConstraint) and column in constraint.columns:
            return f"the {type(constraint).__name__}{name}"
    if any(fk.parent.name == column for fk in table.foreign_keys):
        return "a foreign key"
    return None


def _checks(table: Table, column: str) -> list[dict[str, str]]:
    """The model's named CHECK constraints whose expression mentions the column."""
    found = []
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint) or not isinstance(constraint.name, str):
            continue
        condition = constraint.sqltext
        if isinstance(condition, TextClause):
            text_sql = condition.text
        else:
            compiled = condition.compile(
                dialect=sql.DIALECT, compile_kwargs={"literal_binds": True}
            )
            text_sql = str(compiled)
        if column in text_sql:
            found.append({"name": constraint.name, "sqltext": text_sql})
    return found


def _indexes(table: Table, column: str) -> list[dict[str, Any]] | None:
    """The plain indexes on ``column``; None when one of them cannot be copied as such."""
    found = []
    for index in table.indexes:
        names = [getattr(e, "name", None) for e in index.expressions]
        plain = all(isinstance(e, Column) for e in index.expressions)
        if column not in names and (plain or column not in str(index.expressions)):
            continue
        if not plain or index.dialect_kwargs or not isinstance(index.name, str):
            return None
        found.append(
            {
                "name": index.name,
                "temporary": sql.identifier_name(index.name, suffix="new"),
                "columns": names,
                "unique": bool(index.unique),
            }
        )
    return found


def _without_nullable(op: ops.AlterColumnOp) -> ops.AlterColumnOp | None:
    """``op`` minus its nullable change; None when nothing else changes."""
    if (
        op.modify_type is None
        and op.modify_server_default is False
        and op.modify_comment is False
        and op.modify_name is None
    ):
        return None
    return ops.AlterColumnOp(
        op.table_name,
        op.column_name,
        schema=op.schema,
        existing_type=op.existing_type,
        existing_server_default=op.existing_server_default,
        existing_nullable=op.existing_nullable,
        existing_comment=op.existing_comment,
        modify_comment=op.modify_comment,
        modify_server_default=op.modify_server_default,
        modify_name=op.modify_name,
        modify_type=op.modify_type,
        **op.kw,
    )


#: (schema, table, column) -> the type change autogenerate found for that column
TypeChanges = Mapping[tuple["str | None", str, str], ops.AlterColumnOp]


def key_widening(
    op: ops.AlterColumnOp, context: RewriteContext, changes: TypeChanges
) -> tuple[Split, list[ops.AlterColumnOp]] | None:
    """The phased plan of an integer primary key widened with the foreign keys referencing it.

    Returns the plan and the foreign-key columns' own type changes it takes over (their
    ``changes`` entries); None when ``op`` is not such a change or one side cannot be moved
    (then the change stops, see :func:`type_change_phases`): every referencing column must
    change to the same type in the same revision, be plain (no default, comment, other
    constraint, expression index) and sit in a table with a single-column primary key.
    """
    old, new = op.existing_type, op.modify_type
    if old is None or new is None or not context.split:
        return None
    new_sql = sql.type_sql(new)
    if not (_integer(sql.type_sql(old)) and _integer(new_sql)) or not rewrites_table(old, new):
        return None
    schema, name, column = op.schema, op.table_name, op.column_name
    table = context.model(schema, name)
    if table is None or context.primary_key(schema, name) != column or not _only_type(op):
        return None
    existing = op.existing_server_default
    default = None if existing is None or existing is False else clause_sql(existing)
    if table.columns[column].identity is not None or _indexes(table, column) != []:
        return None
    if default is not None and "nextval(" not in default:
        return None
    replacement = sql.identifier_name(column, suffix="new")
    using = f"{sql.quote(column)}::{new_sql}"
    index = sql.identifier_name(name, replacement, suffix="key")
    plain: list[MigrateOperation] = [
        ops.AddColumnOp(name, Column(replacement, new, nullable=True), schema=schema)
    ]
    expand: list[MigrateOperation] = [
        AddColumnSyncOp(name, column, replacement, using, schema=schema)
    ]
    indexes: list[MigrateOperation] = [
        CreateIndexConcurrentlyOp(index, name, [replacement], schema=schema, unique=True)
    ]
    backfill: list[MigrateOperation] = [_copy(name, column, replacement, using, column, schema)]
    contract: list[MigrateOperation] = [AddNotNullConstraintOp(name, replacement, schema=schema)]
    references: list[dict[str, Any]] = []
    followers: list[ops.AlterColumnOp] = []
    for other, fk in _foreign_keys_to(context, table, column):
        change = changes.get((other.schema, other.name, fk.parent.name))
        reference = _reference(change, context, other, fk, new_sql)
        if change is None or reference is None or other.schema != schema:
            return None
        followers.append(change)
        references.append(reference)
        other_column, other_new = reference["column"], reference["replacement"]
        other_using = f"{sql.quote(other_column)}::{new_sql}"
        # a transaction of its own: one that still held the key's table while it waited for
        # this one would queue the application's writes of this table (which lock the key's
        # table for the foreign key) in a cycle until lock_timeout
        expand.append(
            LockTimeoutBlockOp(
                [ops.AddColumnOp(other.name, Column(other_new, new, nullable=True), schema=schema)]
            )
        )
        expand.append(
            AddColumnSyncOp(other.name, other_column, other_new, other_using, schema=schema)
        )
        for copy in reference["indexes"]:
            columns = [other_new if c == other_column else c for c in copy["columns"]]
            indexes.append(
                CreateIndexConcurrentlyOp(
                    copy["temporary"], other.name, columns, schema=schema, unique=copy["unique"]
                )
            )
        backfill.append(
            _copy(other.name, other_column, other_new, other_using, reference["key"], schema)
        )
        if not reference["nullable"]:
            contract.append(AddNotNullConstraintOp(other.name, other_new, schema=schema))
    constraint = table.primary_key.name
    contract.append(
        SwapKeyOp(
            name,
            column,
            replacement,
            existing_type=old,
            type_=new,
            index=index,
            constraint=constraint
            if isinstance(constraint, str)
            else str(default_constraint_name(name, "primary_key", (column,))),
            references=references,
            schema=schema,
        )
    )
    split = Split(plain=plain, expand=expand + indexes, backfill=backfill, contract=contract)
    return split, followers


def _only_type(op: ops.AlterColumnOp) -> bool:
    """Whether ``op`` changes the column's type and nothing else."""
    return (
        op.modify_name is None
        and op.modify_nullable is None
        and op.modify_server_default is False
        and op.modify_comment is False
        and not op.existing_comment
    )


def _copy(
    table: str, column: str, replacement: str, using: str, key: str, schema: str | None
) -> BackfillOp:
    return BackfillOp(
        table,
        {replacement: text(using)},
        where=f"{sql.quote(replacement)} IS NULL AND {sql.quote(column)} IS NOT NULL",
        key=key,
        schema=schema,
    )


def _foreign_keys_to(
    context: RewriteContext, table: Table, column: str
) -> list[tuple[Table, ForeignKey]]:
    """Every model foreign key referencing ``table.column``, with the table it is on."""
    found = []
    for metadata in context.metadata:
        for other in metadata.tables.values():
            for fk in other.foreign_keys:
                if fk.column.table is table and fk.column.name == column:
                    found.append((other, fk))
    return found


def _reference(
    change: ops.AlterColumnOp | None,
    context: RewriteContext,
    other: Table,
    fk: ForeignKey,
    new_sql: str,
) -> dict[str, Any] | None:
    """The ``swap_key`` entry of one referencing column; None when it cannot be moved."""
    column = fk.parent.name
    constraint = fk.constraint
    key = context.primary_key(other.schema, other.name)
    if (
        change is None
        or change.modify_type is None
        or sql.type_sql(change.modify_type) != new_sql
        or not _only_type(change)
        or not (change.existing_server_default is None or change.existing_server_default is False)
        or constraint is None
        or len(constraint.elements) != 1
        or key is None
        or key == column
    ):
        return None
    for other_constraint in other.constraints:
        if other_constraint is constraint:
            continue
        if isinstance(other_constraint, CheckConstraint):
            involved = column in str(other_constraint.sqltext)
        else:
            involved = isinstance(other_constraint, ColumnCollectionConstraint) and (
                column in other_constraint.columns
            )
        if involved:
            return None
    indexes = _indexes(other, column)
    if indexes is None:
        return None
    name = constraint.name
    referred = fk.column
    definition = (
        f"FOREIGN KEY ({sql.quote(column)}) REFERENCES"
        f" {sql.qualified(referred.table.name, referred.table.schema)} ({sql.quote(referred.name)})"
    )
    for clause, value in (("ON DELETE", constraint.ondelete), ("ON UPDATE", constraint.onupdate)):
        if value:
            definition += f" {clause} {value}"
    if constraint.deferrable:
        definition += " DEFERRABLE"
    if constraint.initially:
        definition += f" INITIALLY {constraint.initially}"
    return {
        "table": other.name,
        "column": column,
        "replacement": sql.identifier_name(column, suffix="new"),
        "constraint": name
        if isinstance(name, str)
        else str(default_constraint_name(other.name, "foreign_key", (column,))),
        "definition": definition,
        "indexes": indexes,
        "key": key,
        "nullable": change.existing_nullable is not False,
    }
