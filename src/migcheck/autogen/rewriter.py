"""The rewriter: naive autogenerate operations in, zero-downtime operations out.

On a table that already exists (one not created in the same revision):

* ``create_index`` / ``drop_index`` -> ``create_index_concurrently`` / ``drop_index_concurrently``
* a foreign key or CHECK -> ``..._not_valid`` then ``validate_constraint``
* a unique constraint -> ``create_unique_constraint_concurrently`` (via a unique index)
* ``alter_column(nullable=False)`` -> ``add_not_null_constraint``
* a column whose server default is volatile (``gen_random_uuid()``: a table rewrite) -> add it
  without the default, set the default (new rows), ``backfill`` existing rows with the same
  expression, then ``add_not_null_constraint`` if it is NOT NULL
* a NOT NULL column without a server default -> three revisions: *expand* (add it nullable),
  *backfill* (``op.backfill`` with a FILL_IN placeholder a person must replace) and *contract*
  (``add_not_null_constraint``)
* a column type change that rewrites the table -> *expand* (a new column kept in step by a
  trigger, its indexes built concurrently), *backfill* (batched copy) and *contract*
  (``replace_column``: drop the old column, rename the new one and its indexes)
* every other plain operation, and a new table with a foreign key to an existing one (which
  locks the referenced table), -> inside ``for attempt in op.lock_timeout_retries()``

Operations on tables created in the same revision stay exactly as Alembic wrote them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from alembic.operations import MigrateOperation, ops
from sqlalchemy import (
    CheckConstraint,
    Column,
    Enum,
    Float,
    MetaData,
    Numeric,
    String,
    Table,
    text,
)
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from migcheck.autogen import sql
from migcheck.autogen.ops import (
    FILL_IN,
    MIGCHECK_OPS,
    AddColumnSyncOp,
    AddNotNullConstraintOp,
    BackfillOp,
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    CreateIndexConcurrentlyOp,
    CreateUniqueConstraintConcurrentlyOp,
    DropIndexConcurrentlyOp,
    LockTimeoutBlockOp,
    ReplaceColumnOp,
    ValidateConstraintOp,
)

#: the phases a change may need, in the order they ship
PHASES = ("expand", "backfill", "contract")

#: plain operations that take a brief ACCESS EXCLUSIVE lock and so run under lock_timeout
_GUARDED = (
    ops.AddColumnOp,
    ops.DropColumnOp,
    ops.AlterColumnOp,
    ops.DropConstraintOp,
    ops.DropTableOp,
    ops.RenameTableOp,
    ops.CreateTableCommentOp,
    ops.DropTableCommentOp,
)

TableKey = tuple[str | None, str]


@dataclass
class Phased:
    """Rewritten operations, by the phase (separate revision) they belong to."""

    expand: list[MigrateOperation] = field(default_factory=list)
    backfill: list[MigrateOperation] = field(default_factory=list)
    contract: list[MigrateOperation] = field(default_factory=list)

    def phases(self) -> list[tuple[str, list[MigrateOperation]]]:
        """The non-empty phases in shipping order (expand always comes first)."""
        found = [(name, getattr(self, name)) for name in PHASES]
        return [found[0]] + [(name, found_ops) for name, found_ops in found[1:] if found_ops]


class Rewriter:
    """Rewrites one revision's upgrade operations.

    ``created`` holds the tables the revision itself creates; ``split`` allows moving work into
    later phases (off when rewriting downgrades); ``metadata`` is the target metadata, used to
    find the primary key a backfill ranges over.
    """

    def __init__(
        self, created: set[TableKey], metadata: Sequence[MetaData] = (), *, split: bool = True
    ) -> None:
        self.created = created
        self.metadata = metadata
        self.split = split

    def rewrite(self, operations: Iterable[MigrateOperation]) -> Phased:
        """Rewrite top-level operations into phases."""
        phased = Phased()
        pending: list[MigrateOperation] = []
        for op in operations:
            if (
                isinstance(op, ops.ModifyTableOps)
                and (op.schema, op.table_name) not in self.created
            ):
                _flush(pending, phased.expand)
                self._table(op, phased)
            elif self._guarded(op):
                pending.append(op)
            else:
                _flush(pending, phased.expand)
                phased.expand.append(op)
        _flush(pending, phased.expand)
        return phased

    def _guarded(self, op: MigrateOperation) -> bool:
        """Whether a top-level plain op takes a lock on an existing table."""
        if isinstance(op, ops.CreateTableOp):
            return _references_existing(op, self.created)
        return isinstance(op, _GUARDED) and not isinstance(op, MIGCHECK_OPS)

    def _table(self, table_ops: ops.ModifyTableOps, phased: Phased) -> None:
        per_phase = Split()
        pending: list[MigrateOperation] = []
        for op in _unwrapped(table_ops.ops):
            split = self._split(op) if self.split else None
            if split is None:
                split = _in_one_revision(op)
            pending.extend(split.plain)
            if split.expand:
                _flush(pending, per_phase.expand)
                per_phase.expand.extend(split.expand)
            per_phase.backfill.extend(split.backfill)
            per_phase.contract.extend(split.contract)
        _flush(pending, per_phase.expand)
        for name in PHASES:
            phase_ops = getattr(per_phase, name)
            if phase_ops:
                getattr(phased, name).append(
                    ops.ModifyTableOps(table_ops.table_name, phase_ops, schema=table_ops.schema)
                )

    def _split(self, op: MigrateOperation) -> Split | None:
        """The phases of a change that needs a backfill; None for the others."""
        if isinstance(op, ops.AddColumnOp) and _volatile_default(op.column):
            return self._volatile_column(op)
        if isinstance(op, ops.AddColumnOp) and _needs_backfill(op.column):
            return self._unfilled_column(op)
        if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
            return self._type_change(op)
        return None

    def _volatile_column(self, op: ops.AddColumnOp) -> Split:
        """Add without the default, set the default, backfill with it, then NOT NULL."""
        column = op.column
        name = str(column.name)
        set_default = ops.AlterColumnOp(
            op.table_name,
            name,
            schema=op.schema,
            existing_type=column.type,
            existing_nullable=True,
            modify_server_default=column.server_default,
        )
        backfill = BackfillOp(
            op.table_name,
            {name: text(_default_sql(column))},
            where=f"{sql.quote(name)} IS NULL",
            key=self._primary_key(op.schema, op.table_name),
            schema=op.schema,
        )
        contract: list[MigrateOperation] = []
        if not column.nullable:
            contract.append(AddNotNullConstraintOp(op.table_name, name, schema=op.schema))
        return Split(
            plain=[_nullable_copy(op, keep_default=False), set_default],
            backfill=[backfill],
            contract=contract,
        )

    def _unfilled_column(self, op: ops.AddColumnOp) -> Split:
        """Add it nullable, backfill a value a person fills in, then NOT NULL."""
        name = str(op.column.name)
        backfill = BackfillOp(
            op.table_name,
            {name: FILL_IN},
            where=f"{sql.quote(name)} IS NULL",
            key=self._primary_key(op.schema, op.table_name),
            schema=op.schema,
        )
        return Split(
            plain=[_nullable_copy(op)],
            backfill=[backfill],
            contract=[AddNotNullConstraintOp(op.table_name, name, schema=op.schema)],
        )

    def _model(self, schema: str | None, table_name: str) -> Table | None:
        name = f"{schema}.{table_name}" if schema else table_name
        for metadata in self.metadata:
            table = metadata.tables.get(name)
            if table is not None:
                return table
        return None

    def _primary_key(self, schema: str | None, table_name: str) -> str | None:
        table = self._model(schema, table_name)
        if table is None:
            return None
        keys = list(table.primary_key.columns)
        return str(keys[0].name) if len(keys) == 1 else None

    def _type_change(self, op: ops.AlterColumnOp) -> Split | None:
        """Expand/contract for a type change that rewrites the table; None to keep it plain.

        Kept plain (one ``alter_column`` under lock_timeout, which lint flags): changes that need
        no rewrite, and columns this does not move safely (in a constraint, with a server
        default or comment, in an expression or partial index, no single-column primary key).
        """
        old, new = op.existing_type, op.modify_type
        table = self._model(op.schema, op.table_name)
        key = self._primary_key(op.schema, op.table_name)
        column = op.column_name
        if (
            old is None
            or table is None
            or key is None
            or key == column
            or _rewrite_free(old, new)
            or op.modify_name is not None
            or op.modify_comment is not False
            or op.existing_comment
            or op.modify_server_default not in (False, None)
            or op.existing_server_default not in (False, None)
            or _in_constraint(table, column)
        ):
            return None
        indexes = _indexes(table, column)
        if indexes is None:
            return None
        replacement = sql.identifier_name(column, suffix="new")
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
            plain=[ops.AddColumnOp(name, Column(replacement, new, nullable=True), schema=schema)],
            expand=expand,
            backfill=[backfill],
            contract=contract,
        )


@dataclass
class Split:
    """What one operation becomes, by phase.

    ``plain`` are Alembic operations that run first in the expand phase, grouped with their
    neighbours inside ``op.lock_timeout_retries()``; ``expand`` are migcheck operations after them.
    """

    plain: list[MigrateOperation] = field(default_factory=list)
    expand: list[MigrateOperation] = field(default_factory=list)
    backfill: list[MigrateOperation] = field(default_factory=list)
    contract: list[MigrateOperation] = field(default_factory=list)


def _in_one_revision(op: MigrateOperation) -> Split:
    """The safe form of an operation that needs no later phase."""
    if isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False:
        remaining = _without_nullable(op)
        return Split(
            plain=[remaining] if remaining is not None else [],
            expand=[AddNotNullConstraintOp(op.table_name, op.column_name, schema=op.schema)],
        )
    safe = _safe(op)
    return Split(plain=[op]) if safe is None else Split(expand=safe)


def _rewrite_free(old: Any, new: Any) -> bool:
    """Type changes PostgreSQL makes without rewriting or scanning the table."""
    if isinstance(old, Enum) or isinstance(new, Enum):
        return False
    if isinstance(old, String) and isinstance(new, String):
        return new.length is None or (old.length is not None and new.length >= old.length)
    if (
        isinstance(old, Numeric)
        and isinstance(new, Numeric)
        and not isinstance(old, Float)
        and not isinstance(new, Float)
    ):
        if new.precision is None:
            return True
        return (
            old.precision is not None and old.scale == new.scale and new.precision >= old.precision
        )
    return False


def _in_constraint(table: Table, column: str) -> bool:
    """Whether a model constraint (primary key, unique, foreign key, check) involves the column."""
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            if column in str(constraint.sqltext):
                return True
        elif isinstance(constraint, ColumnCollectionConstraint) and column in constraint.columns:
            return True
    return any(fk.parent.name == column for fk in table.foreign_keys)


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


def _flush(pending: list[MigrateOperation], into: list[MigrateOperation]) -> None:
    if pending:
        into.append(LockTimeoutBlockOp(list(pending)))
        pending.clear()


def _unwrapped(operations: Iterable[MigrateOperation]) -> Iterable[MigrateOperation]:
    for op in operations:
        if isinstance(op, LockTimeoutBlockOp):
            yield from _unwrapped(op.ops)
        else:
            yield op


def _safe(op: MigrateOperation) -> list[MigrateOperation] | None:
    """The safe replacement of ``op``; None when it stays a plain guarded op."""
    if isinstance(op, MIGCHECK_OPS):
        return [op]
    if isinstance(op, ops.CreateIndexOp):
        return [
            CreateIndexConcurrentlyOp(
                op.index_name,
                op.table_name,
                op.columns,
                schema=op.schema,
                unique=op.unique,
                **op.kw,
            )
        ]
    if isinstance(op, ops.DropIndexOp):
        return [
            DropIndexConcurrentlyOp(
                op.index_name, op.table_name, schema=op.schema, _reverse=op._reverse, **op.kw
            )
        ]
    if isinstance(op, ops.CreateForeignKeyOp):
        name = _given_name(op.constraint_name) or sql.identifier_name(
            op.source_table, *op.local_cols, suffix="fkey"
        )
        fk = CreateForeignKeyNotValidOp(
            name, op.source_table, op.referent_table, op.local_cols, op.remote_cols, **op.kw
        )
        return [fk, ValidateConstraintOp(name, op.source_table, schema=op.kw.get("source_schema"))]
    if isinstance(op, ops.CreateCheckConstraintOp):
        digest = hashlib.sha1(str(op.condition).encode()).hexdigest()[:8]
        name = _given_name(op.constraint_name) or sql.identifier_name(
            op.table_name, digest, suffix="check"
        )
        check = CreateCheckConstraintNotValidOp(
            name, op.table_name, op.condition, schema=op.schema, **op.kw
        )
        return [check, ValidateConstraintOp(name, op.table_name, schema=op.schema)]
    if isinstance(op, ops.CreateUniqueConstraintOp):
        columns = [str(c) for c in op.columns]
        name = _given_name(op.constraint_name) or sql.identifier_name(
            op.table_name, *columns, suffix="key"
        )
        return [
            CreateUniqueConstraintConcurrentlyOp(
                name, op.table_name, op.columns, schema=op.schema, **op.kw
            )
        ]
    if isinstance(op, _GUARDED):
        return None
    return [op]


def _given_name(name: object) -> str | None:
    """A constraint's name as a string; None when autogenerate left it unnamed."""
    return str(name) if isinstance(name, str) and name else None


def _needs_backfill(column: Column[Any]) -> bool:
    """A NOT NULL column that existing rows cannot get a value for by themselves."""
    return (
        not column.nullable
        and column.server_default is None
        and column.computed is None
        and column.identity is None
        and not column.primary_key
    )


#: functions whose value differs per row: a DEFAULT calling one makes ADD COLUMN rewrite the table
VOLATILE_FUNCTIONS = (
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v",
    "gen_random_bytes(",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
    "txid_current(",
)


def _default_sql(column: Column[Any]) -> str:
    default = column.server_default
    arg = getattr(default, "arg", "")
    return str(getattr(arg, "text", arg))


def _volatile_default(column: Column[Any]) -> bool:
    """A server default PostgreSQL must evaluate per existing row (a full table rewrite)."""
    if column.server_default is None or column.computed is not None:
        return False
    sql_text = _default_sql(column).lower().replace(" ", "")
    return any(name in sql_text for name in VOLATILE_FUNCTIONS)


def _nullable_copy(op: ops.AddColumnOp, *, keep_default: bool = True) -> ops.AddColumnOp:
    column = op.column._copy()
    column.nullable = True
    if not keep_default:
        column.server_default = None
    return ops.AddColumnOp(op.table_name, column, schema=op.schema, **op.kw)


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


def _references_existing(op: ops.CreateTableOp, created: set[TableKey]) -> bool:
    """Whether a new table has a foreign key to an existing table (it locks that table)."""
    for constraint in op.to_table().foreign_key_constraints:
        for element in constraint.elements:
            parts = element.target_fullname.split(".")
            schema = parts[-3] if len(parts) >= 3 else None
            if (schema, parts[-2]) not in created:
                return True
    return False


def created_tables(operations: Iterable[MigrateOperation]) -> set[TableKey]:
    """Tables a list of top-level operations creates."""
    return {(op.schema, op.table_name) for op in operations if isinstance(op, ops.CreateTableOp)}
