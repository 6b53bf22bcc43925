"""migcheck's custom Alembic operations, as plain data.

Each class is registered with ``Operations.register_operation`` so migration files can call it as
``op.<name>(...)``; :mod:`migcheck.autogen.implementations` runs them and
:mod:`migcheck.autogen.renderers` writes them into generated revision files. ``reverse()`` always
returns an operation (downgrades are generated from it) and ``to_diff_tuple()`` feeds
``alembic check``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields
from typing import Any, TypeVar

from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import ColumnElement, TextClause

from migcheck.alembic_project import compat
from migcheck.autogen import sql

IndexColumns = Sequence["str | TextClause | ColumnElement[Any]"]

#: field metadata: the renderer writes this positional field as ``name=value``
KEYWORD = {"keyword": True}


@dataclass(eq=False)
class NothingToUndoOp(MigrateOperation):
    """The reverse of a step that needs no undoing (validating, backfilling): renders nothing."""

    reason: str

    def reverse(self) -> NothingToUndoOp:
        """Still nothing to do."""
        return self

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry naming the reason."""
        return ("nothing_to_undo", self.reason)


@Operations.register_operation("unsafe_change")
@dataclass(eq=False)
class UnsafeChangeOp(MigrateOperation):
    """Stops the upgrade before it changes anything: a change autogenerate cannot make safe alone.

    Written first in a generated revision (``op.unsafe_change("...")``) with ``reason`` saying
    what is unsafe and what to write instead; it raises at once, online and in ``--sql`` output,
    until a person edits the revision (like the FILL_IN placeholder of a backfill).
    """

    reason: str

    def reverse(self) -> NothingToUndoOp:
        """The stop changed nothing, so its downgrade does nothing."""
        return NothingToUndoOp("unsafe change stop")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry naming the reason (``alembic check`` still reports the change)."""
        return ("unsafe_change", self.reason)

    @classmethod
    def unsafe_change(cls, operations: Operations, reason: str) -> None:
        """Fail at once with ``reason``, before the revision changes anything."""
        operations.invoke(cls(reason))


@Operations.register_operation("check_values_fit")
@dataclass(eq=False)
class CheckValuesFitOp(MigrateOperation):
    """Stops the upgrade before it changes anything when a value would not fit a narrower type.

    Reads the table in key-range batches (no lock beyond a plain read) and fails with the count
    of values that do not fit and an example key, so a narrowing never truncates or rounds
    silently.
    """

    table_name: str
    column_name: str
    type_: Any
    _: KW_ONLY
    key: str | None = None
    schema: str | None = None

    def reverse(self) -> NothingToUndoOp:
        """A check changes nothing."""
        return NothingToUndoOp(f"check of {self.table_name}.{self.column_name}")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("check_values_fit", self.schema, self.table_name, self.column_name)

    @classmethod
    def check_values_fit(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        type_: Any,
        *,
        key: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Fail when a value of the column does not fit ``type_`` (``key``: the primary key)."""
        operations.invoke(cls(table_name, column_name, type_, key=key, schema=schema))


@Operations.register_operation("create_index_concurrently")
class CreateIndexConcurrentlyOp(ops.CreateIndexOp):
    """``CREATE INDEX CONCURRENTLY IF NOT EXISTS``, dropping an INVALID leftover first."""

    def reverse(self) -> DropIndexConcurrentlyOp:
        """Drop the index again, concurrently."""
        return DropIndexConcurrentlyOp.from_index(self.to_index())

    @classmethod
    def create_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: IndexColumns,
        *,
        schema: str | None = None,
        unique: bool = False,
        **kw: Any,
    ) -> None:
        """Build an index without blocking writes (outside the migration's transaction)."""
        operations.invoke(cls(index_name, table_name, columns, schema=schema, unique=unique, **kw))


class ForeignKeyIndexOp(CreateIndexConcurrentlyOp):
    """The index a new foreign key needs and the models lack, built concurrently.

    Runs as ``op.create_index_concurrently``; its rendering adds a comment asking for the index
    in the models (else the next autogenerate would drop it).
    """


@Operations.register_operation("drop_index_concurrently")
class DropIndexConcurrentlyOp(ops.DropIndexOp):
    """``DROP INDEX CONCURRENTLY IF EXISTS``."""

    def reverse(self) -> CreateIndexConcurrentlyOp:
        """Build the index again, concurrently."""
        index = self.to_index()
        return CreateIndexConcurrentlyOp(
            self.index_name,
            str(self.table_name),
            list(index.expressions),
            schema=self.schema,
            unique=bool(index.unique),
            **index.kwargs,
        )

    @classmethod
    def from_index(cls, index: Any) -> DropIndexConcurrentlyOp:
        """The op that drops ``index``, remembering it so the reverse can rebuild it."""
        return cls.like(ops.DropIndexOp.from_index(index))

    @classmethod
    def like(cls, plain: ops.DropIndexOp) -> DropIndexConcurrentlyOp:
        """The concurrent version of a plain ``DropIndexOp`` (keeping the index it remembers)."""
        op = cls(plain.index_name, plain.table_name, schema=plain.schema, **plain.kw)
        compat.set_reverse(op, compat.reverse_of(plain))
        return op

    @classmethod
    def drop_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Drop an index without blocking reads or writes (``kw``: the index's dialect options)."""
        operations.invoke(cls(index_name, table_name, schema=schema, **kw))


@Operations.register_operation("drop_constraint_if_exists")
class DropConstraintIfExistsOp(ops.DropConstraintOp):
    """``ALTER TABLE ... DROP CONSTRAINT IF EXISTS`` in its own short transaction."""

    def reverse(self) -> ops.AddConstraintOp:
        """Recreate the constraint the safe way (the one this op was generated to undo)."""
        remembered = compat.reverse_of(self)
        if isinstance(remembered, SAFE_CONSTRAINT_OPS):
            return remembered
        return safe_constraint_op(super().reverse())

    @classmethod
    def drop_constraint_if_exists(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Drop a constraint under lock_timeout; nothing happens when it is already gone."""
        operations.invoke(cls(constraint_name, table_name, schema=schema))


@Operations.register_operation("create_foreign_key_not_valid")
class CreateForeignKeyNotValidOp(ops.CreateForeignKeyOp):
    """``ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID``: no scan, a brief lock on both tables."""

    def reverse(self) -> DropConstraintIfExistsOp:
        """Drop the constraint."""
        return _drop(self, "foreignkey")

    @classmethod
    def create_foreign_key_not_valid(
        cls,
        operations: Operations,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        **kw: Any,
    ) -> None:
        """Add a foreign key that only checks new rows until ``validate_constraint`` runs."""
        operations.invoke(
            cls(constraint_name, source_table, referent_table, local_cols, remote_cols, **kw)
        )


@Operations.register_operation("create_check_constraint_not_valid")
class CreateCheckConstraintNotValidOp(ops.CreateCheckConstraintOp):
    """``ADD CONSTRAINT ... CHECK (...) NOT VALID``: no scan, a brief lock."""

    def reverse(self) -> DropConstraintIfExistsOp:
        """Drop the constraint."""
        return _drop(self, "check")

    @classmethod
    def create_check_constraint_not_valid(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        condition: str | TextClause | ColumnElement[Any],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a CHECK constraint that only checks new rows until ``validate_constraint`` runs."""
        operations.invoke(cls(constraint_name, table_name, condition, schema=schema, **kw))


@Operations.register_operation("create_unique_constraint_concurrently")
class CreateUniqueConstraintConcurrentlyOp(ops.CreateUniqueConstraintOp):
    """A unique index built concurrently, then ``ADD CONSTRAINT ... UNIQUE USING INDEX``."""

    def reverse(self) -> DropConstraintIfExistsOp:
        """Drop the constraint (which drops its index)."""
        return _drop(self, "unique")

    @classmethod
    def create_unique_constraint_concurrently(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a UNIQUE constraint without blocking writes while its index builds."""
        operations.invoke(cls(constraint_name, table_name, columns, schema=schema, **kw))


@Operations.register_operation("validate_constraint")
@dataclass(eq=False)
class ValidateConstraintOp(MigrateOperation):
    """``ALTER TABLE ... VALIDATE CONSTRAINT`` in its own transaction (reads and writes go on)."""

    constraint_name: str
    table_name: str
    _: KW_ONLY
    schema: str | None = None

    def reverse(self) -> NothingToUndoOp:
        """Validation has nothing to undo; the constraint's own reverse drops it."""
        return NothingToUndoOp(f"validation of {self.constraint_name}")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("validate_constraint", self.schema, self.table_name, self.constraint_name)

    @classmethod
    def validate_constraint(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Check existing rows against a NOT VALID constraint."""
        operations.invoke(cls(constraint_name, table_name, schema=schema))


@Operations.register_operation("add_not_null_constraint")
@dataclass(eq=False)
class AddNotNullConstraintOp(MigrateOperation):
    """SET NOT NULL without a long lock.

    ``CHECK (col IS NOT NULL) NOT VALID`` -> ``VALIDATE`` in its own transaction ->
    ``SET NOT NULL`` (PostgreSQL 12+ trusts the validated check and skips the scan) -> drop
    the check.
    """

    table_name: str
    column_name: str
    _: KW_ONLY
    schema: str | None = None

    @property
    def check_name(self) -> str:
        """The name of the temporary CHECK constraint."""
        return sql.identifier_name(self.table_name, self.column_name, suffix="not_null")

    def reverse(self) -> DropNotNullConstraintOp:
        """Make the column nullable again."""
        return DropNotNullConstraintOp(self.table_name, self.column_name, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("add_not_null_constraint", self.schema, self.table_name, self.column_name)

    @classmethod
    def add_not_null_constraint(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Make a column NOT NULL while reads and writes go on."""
        operations.invoke(cls(table_name, column_name, schema=schema))


@Operations.register_operation("drop_not_null_constraint")
@dataclass(eq=False)
class DropNotNullConstraintOp(MigrateOperation):
    """``ALTER COLUMN ... DROP NOT NULL`` in its own short transaction under lock_timeout."""

    table_name: str
    column_name: str
    _: KW_ONLY
    schema: str | None = None

    def reverse(self) -> AddNotNullConstraintOp:
        """Make the column NOT NULL again, the safe way."""
        return AddNotNullConstraintOp(self.table_name, self.column_name, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("drop_not_null_constraint", self.schema, self.table_name, self.column_name)

    @classmethod
    def drop_not_null_constraint(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Make a column nullable."""
        operations.invoke(cls(table_name, column_name, schema=schema))


class FillIn:
    """The placeholder a person must replace with the value existing rows get.

    A backfill whose values still hold it fails at once when it runs (and writes a statement
    that fails in ``--sql`` output), so a migration never guesses data silently.
    """

    def __init__(self, hint: str = "") -> None:
        self.hint = hint

    def __repr__(self) -> str:
        return f"FILL_IN({self.hint!r})" if self.hint else "FILL_IN()"

    def __call__(self, hint: str) -> FillIn:
        """A placeholder carrying a hint for the person filling it in."""
        return FillIn(hint)


#: ``values={"col": FILL_IN}`` or ``FILL_IN("hint")`` in a generated backfill
FILL_IN = FillIn()


@Operations.register_operation("backfill")
@dataclass(eq=False)
class BackfillOp(MigrateOperation):
    """``UPDATE`` existing rows in batches by primary-key range, one short transaction each.

    Resumable: each batch only touches rows that still match ``where``, so a rerun after an
    interruption continues where it stopped.
    """

    table_name: str
    values: Mapping[str, Any] = field(metadata=KEYWORD)
    _: KW_ONLY
    where: str | None = None
    key: str | None = None
    batch_size: int | None = None
    pause: float | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        self.values = dict(self.values)

    def placeholders(self) -> Iterator[str]:
        """Columns whose value is still the FILL_IN placeholder."""
        return (column for column, value in self.values.items() if isinstance(value, FillIn))

    def reverse(self) -> NothingToUndoOp:
        """A backfill is not undone (the downgrade of the column that needed it drops it)."""
        return NothingToUndoOp(f"backfill of {self.table_name}")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("backfill", self.schema, self.table_name, tuple(self.values))

    @classmethod
    def backfill(
        cls,
        operations: Operations,
        table_name: str,
        values: Mapping[str, Any],
        *,
        where: str | None = None,
        key: str | None = None,
        batch_size: int | None = None,
        pause: float | None = None,
        schema: str | None = None,
    ) -> None:
        """Set ``values`` on the rows matching ``where``, in small batches.

        ``values`` maps column names to Python values or SQL expressions (``sa.text(...)``).
        ``key`` is the (single, orderable) column to range over; the primary key by default.
        ``batch_size`` defaults to ``[tool.migcheck] backfill-batch-size`` (smaller batches
        are used while batches take longer than 20 ms); ``pause`` is the number of seconds to
        rest between batches, by default as long as the batch took
        (:mod:`migcheck.autogen.pacing`).
        """
        operations.invoke(
            cls(
                table_name,
                values,
                where=where,
                key=key,
                batch_size=batch_size,
                pause=pause,
                schema=schema,
            )
        )


@Operations.register_operation("copy_rows")
@dataclass(eq=False)
class CopyRowsOp(MigrateOperation):
    """Copy rows from one table into another in key-range batches, one short transaction each.

    ``columns`` maps each target column to a SQL expression over the source row; one of them
    must be the source's ``key`` itself (the primary key by default), which is how a rerun after
    an interruption resumes (after the highest key already in the target). At the end, the
    number of rows and a checksum of the copied values are compared between both tables.
    """

    source: str
    target: str
    columns: Mapping[str, str] = field(metadata=KEYWORD)
    _: KW_ONLY
    where: str | None = None
    key: str | None = None
    batch_size: int | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        self.columns = dict(self.columns)

    def reverse(self) -> NothingToUndoOp:
        """The copies are not deleted (dropping the target, in its own downgrade, does that)."""
        return NothingToUndoOp(f"copy of {self.source} into {self.target}")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return ("copy_rows", self.schema, self.source, self.target)

    @classmethod
    def copy_rows(
        cls,
        operations: Operations,
        source: str,
        target: str,
        columns: Mapping[str, str],
        *,
        where: str | None = None,
        key: str | None = None,
        batch_size: int | None = None,
        schema: str | None = None,
    ) -> None:
        """Copy the rows of ``source`` matching ``where`` into ``target``, in batches.

        ``columns``: target column -> SQL expression over the source row (``{"id": "id",
        "amount": "total * 100"}``); ``key``: the source column to range over (the primary key
        by default), which ``columns`` must copy as it is. ``batch_size`` defaults to
        ``[tool.migcheck] backfill-batch-size``.
        """
        operations.invoke(
            cls(
                source,
                target,
                columns,
                where=where,
                key=key,
                batch_size=batch_size,
                schema=schema,
            )
        )


@Operations.register_operation("lock_timeout_retries")
class LockTimeoutBlockOp(ops.OpContainer):
    """Plain Alembic operations run in their own short transaction under lock_timeout.

    Written in a revision as::

        for attempt in op.lock_timeout_retries():
            with attempt:
                op.add_column(...)
    """

    def __init__(self, ops: Sequence[MigrateOperation] = ()) -> None:
        super().__init__(list(ops))

    def reverse(self) -> LockTimeoutBlockOp:
        """The reverse of each operation, in reverse order, in a block of its own."""
        return LockTimeoutBlockOp([op.reverse() for op in reversed(self.ops)])

    @classmethod
    def lock_timeout_retries(cls, operations: Operations) -> Any:
        """Attempts for a block of operations; see :class:`migcheck.autogen.runtime.Attempt`."""
        return operations.invoke(cls())


@dataclass(eq=False)
class _ColumnSync(MigrateOperation):
    """Shared data of the column-sync trigger operations."""

    table_name: str
    source: str
    target: str
    using: str = field(metadata=KEYWORD)
    _: KW_ONLY
    schema: str | None = None

    @property
    def trigger_name(self) -> str:
        """The trigger's name (its function is named alike)."""
        return sql.identifier_name(self.table_name, self.target, suffix="sync")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return (type(self).__name__, self.schema, self.table_name, self.target)


@Operations.register_operation("add_column_sync")
class AddColumnSyncOp(_ColumnSync):
    """A trigger that sets ``target`` to ``using`` (SQL over the row) on every insert and update.

    The dual write of a column type change: the application keeps writing ``source`` while the
    new column follows it.
    """

    def reverse(self) -> DropColumnSyncOp:
        """Drop the trigger."""
        return DropColumnSyncOp(
            self.table_name, self.source, self.target, self.using, schema=self.schema
        )

    @classmethod
    def add_column_sync(
        cls,
        operations: Operations,
        table_name: str,
        source: str,
        target: str,
        using: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Keep ``target`` in step with ``source`` through a trigger."""
        operations.invoke(cls(table_name, source, target, using, schema=schema))


@Operations.register_operation("drop_column_sync")
class DropColumnSyncOp(_ColumnSync):
    """Drop the trigger (and its function) that ``add_column_sync`` created."""

    def reverse(self) -> AddColumnSyncOp:
        """Create the trigger again."""
        return AddColumnSyncOp(
            self.table_name, self.source, self.target, self.using, schema=self.schema
        )

    @classmethod
    def drop_column_sync(
        cls,
        operations: Operations,
        table_name: str,
        source: str,
        target: str,
        using: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Stop keeping ``target`` in step with ``source``."""
        operations.invoke(cls(table_name, source, target, using, schema=schema))


_Swap = TypeVar("_Swap", bound="_ColumnSwap")


@dataclass(eq=False)
class _ColumnSwap(MigrateOperation):
    """Shared data of ``replace_column`` and its reverse, ``restore_column``.

    ``indexes`` lists the indexes of the column as dicts with ``name`` (the final name),
    ``temporary`` (the name of the copy on the replacement), ``columns`` and ``unique``.
    ``using`` computes the new type from ``column`` (old type); ``using_back`` the old type from
    ``column`` (new type). ``nullable`` is whether the old column allowed NULL. ``checks`` lists
    the CHECK constraints of the model that involve the column as dicts with ``name`` and
    ``sqltext``: dropping a column drops them, so the swap adds them again on the column that
    takes its name (``NOT VALID``, validated in a transaction of its own).
    """

    table_name: str
    column_name: str
    replacement: str
    _: KW_ONLY
    existing_type: Any
    using: str
    using_back: str
    indexes: Sequence[Mapping[str, Any]] = field(default_factory=list)
    key: str | None = None
    nullable: bool = True
    checks: Sequence[Mapping[str, str]] = field(default_factory=list)
    schema: str | None = None

    def __post_init__(self) -> None:
        self.indexes = [dict(index) for index in self.indexes]
        self.checks = [dict(check) for check in self.checks]

    def swapped(self, kind: type[_Swap]) -> _Swap:
        """The same data as a ``kind`` operation (the reverse of this one)."""
        return kind(**{f.name: getattr(self, f.name) for f in fields(self)})

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return (type(self).__name__, self.schema, self.table_name, self.column_name)


@Operations.register_operation("replace_column")
class ReplaceColumnOp(_ColumnSwap):
    """The contract of a type change, in one short transaction under lock_timeout.

    Drops the sync trigger and the old column, renames the replacement to the column's name and
    its index copies to the original index names.
    """

    def reverse(self) -> RestoreColumnOp:
        """Bring the old column back, filled from the new one."""
        return self.swapped(RestoreColumnOp)

    @classmethod
    def replace_column(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        replacement: str,
        *,
        existing_type: Any,
        using: str,
        using_back: str,
        indexes: Sequence[Mapping[str, Any]] = (),
        key: str | None = None,
        nullable: bool = True,
        checks: Sequence[Mapping[str, str]] = (),
        schema: str | None = None,
    ) -> None:
        """Swap in the replacement column built by the expand and backfill revisions.

        ``nullable`` is whether the old column allowed NULL (``restore_column`` brings that back).
        """
        operations.invoke(
            cls(
                table_name,
                column_name,
                replacement,
                existing_type=existing_type,
                using=using,
                using_back=using_back,
                indexes=indexes,
                key=key,
                nullable=nullable,
                checks=checks,
                schema=schema,
            )
        )


@Operations.register_operation("restore_column")
class RestoreColumnOp(_ColumnSwap):
    """The downgrade of ``replace_column``: the old-typed column back, filled, synced, indexed."""

    def reverse(self) -> ReplaceColumnOp:
        """Swap the replacement in again."""
        return self.swapped(ReplaceColumnOp)

    @classmethod
    def restore_column(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        replacement: str,
        *,
        existing_type: Any,
        using: str,
        using_back: str,
        indexes: Sequence[Mapping[str, Any]] = (),
        key: str | None = None,
        nullable: bool = True,
        checks: Sequence[Mapping[str, str]] = (),
        schema: str | None = None,
    ) -> None:
        """Undo ``replace_column`` without losing the values written since."""
        operations.invoke(
            cls(
                table_name,
                column_name,
                replacement,
                existing_type=existing_type,
                using=using,
                using_back=using_back,
                indexes=indexes,
                key=key,
                nullable=nullable,
                checks=checks,
                schema=schema,
            )
        )


@dataclass(eq=False)
class _RenameSync(MigrateOperation):
    """Shared data of the two-way sync trigger of a column rename."""

    table_name: str
    old_name: str
    new_name: str
    _: KW_ONLY
    schema: str | None = None

    @property
    def trigger_name(self) -> str:
        """The trigger's name (its function is named alike)."""
        return sql.identifier_name(self.table_name, self.new_name, suffix="rename")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return (type(self).__name__, self.schema, self.table_name, self.new_name)


@Operations.register_operation("add_rename_sync")
class AddRenameSyncOp(_RenameSync):
    """A trigger keeping ``old_name`` and ``new_name`` equal, whichever one a write sets.

    The dual write of a column rename: code that writes the old name and code that writes the
    new one run side by side while the deploy rolls out.
    """

    def reverse(self) -> DropRenameSyncOp:
        """Drop the trigger."""
        return DropRenameSyncOp(self.table_name, self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def add_rename_sync(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Keep ``old_name`` and ``new_name`` in step both ways through a trigger."""
        operations.invoke(cls(table_name, old_name, new_name, schema=schema))


@Operations.register_operation("drop_rename_sync")
class DropRenameSyncOp(_RenameSync):
    """Drop the trigger (and its function) that ``add_rename_sync`` created."""

    def reverse(self) -> AddRenameSyncOp:
        """Create the trigger again."""
        return AddRenameSyncOp(self.table_name, self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def drop_rename_sync(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        *,
        schema: str | None = None,
    ) -> None:
        """Stop keeping the two columns of a rename in step."""
        operations.invoke(cls(table_name, old_name, new_name, schema=schema))


_Renamed = TypeVar("_Renamed", bound="_RenamedColumn")


@dataclass(eq=False)
class _RenamedColumn(_RenameSync):
    """Shared data of ``drop_renamed_column`` and its reverse, ``restore_renamed_column``.

    ``existing_type`` is the old column's type, ``nullable`` whether it allowed NULL, ``key``
    the column the restoring backfill ranges over (the primary key by default).
    """

    _: KW_ONLY
    existing_type: Any = None
    nullable: bool = True
    key: str | None = None

    def swapped(self, kind: type[_Renamed]) -> _Renamed:
        """The same data as a ``kind`` operation (the reverse of this one)."""
        return kind(**{f.name: getattr(self, f.name) for f in fields(self)})


@Operations.register_operation("drop_renamed_column")
class DropRenamedColumnOp(_RenamedColumn):
    """The contract of a column rename: drop the sync trigger and the old column, one short tx."""

    def reverse(self) -> RestoreRenamedColumnOp:
        """Bring the old column back, filled from the new one."""
        return self.swapped(RestoreRenamedColumnOp)

    @classmethod
    def drop_renamed_column(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        *,
        existing_type: Any,
        nullable: bool = True,
        key: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Finish a rename: the old column goes, its values live on in ``new_name``."""
        operations.invoke(
            cls(
                table_name,
                old_name,
                new_name,
                existing_type=existing_type,
                nullable=nullable,
                key=key,
                schema=schema,
            )
        )


@Operations.register_operation("restore_renamed_column")
class RestoreRenamedColumnOp(_RenamedColumn):
    """The downgrade of ``drop_renamed_column``: the old column back, synced, filled, NOT NULL."""

    def reverse(self) -> DropRenamedColumnOp:
        """Drop the old column again."""
        return self.swapped(DropRenamedColumnOp)

    @classmethod
    def restore_renamed_column(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        *,
        existing_type: Any,
        nullable: bool = True,
        key: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Undo ``drop_renamed_column`` without losing the values written since."""
        operations.invoke(
            cls(
                table_name,
                old_name,
                new_name,
                existing_type=existing_type,
                nullable=nullable,
                key=key,
                schema=schema,
            )
        )


@dataclass(eq=False)
class _TableRename(MigrateOperation):
    """Shared data of the operations of a table rename behind a view."""

    old_name: str
    new_name: str
    _: KW_ONLY
    schema: str | None = None

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return (type(self).__name__, self.schema, self.old_name, self.new_name)


@Operations.register_operation("rename_table_behind_view")
class RenameTableBehindViewOp(_TableRename):
    """Rename the table and leave a view under the old name, in one short transaction.

    The view is a simple one (``SELECT *``), so PostgreSQL lets code that still uses the old
    name read, insert, update and delete through it until the contract drops it.
    """

    def reverse(self) -> RestoreTableFromViewOp:
        """Drop the view and give the table its old name back."""
        return RestoreTableFromViewOp(self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def rename_table_behind_view(
        cls, operations: Operations, old_name: str, new_name: str, *, schema: str | None = None
    ) -> None:
        """Rename a table while code using the old name keeps working (through a view)."""
        operations.invoke(cls(old_name, new_name, schema=schema))


@Operations.register_operation("restore_table_from_view")
class RestoreTableFromViewOp(_TableRename):
    """The downgrade of ``rename_table_behind_view``: drop the view, rename the table back."""

    def reverse(self) -> RenameTableBehindViewOp:
        """Rename behind a view again."""
        return RenameTableBehindViewOp(self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def restore_table_from_view(
        cls, operations: Operations, old_name: str, new_name: str, *, schema: str | None = None
    ) -> None:
        """Undo ``rename_table_behind_view``."""
        operations.invoke(cls(old_name, new_name, schema=schema))


@Operations.register_operation("drop_rename_view")
class DropRenameViewOp(_TableRename):
    """The contract of a table rename: drop the view under the old name."""

    def reverse(self) -> CreateRenameViewOp:
        """Create the view again."""
        return CreateRenameViewOp(self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def drop_rename_view(
        cls, operations: Operations, old_name: str, new_name: str, *, schema: str | None = None
    ) -> None:
        """Drop the view a table rename left under the old name."""
        operations.invoke(cls(old_name, new_name, schema=schema))


@Operations.register_operation("create_rename_view")
class CreateRenameViewOp(_TableRename):
    """The downgrade of ``drop_rename_view``: the view under the old name again."""

    def reverse(self) -> DropRenameViewOp:
        """Drop the view."""
        return DropRenameViewOp(self.old_name, self.new_name, schema=self.schema)

    @classmethod
    def create_rename_view(
        cls, operations: Operations, old_name: str, new_name: str, *, schema: str | None = None
    ) -> None:
        """Create the view over the renamed table under its old name."""
        operations.invoke(cls(old_name, new_name, schema=schema))


@Operations.register_operation("add_enum_value")
@dataclass(eq=False)
class AddEnumValueOp(MigrateOperation):
    """``ALTER TYPE ... ADD VALUE IF NOT EXISTS``, outside the migration's transaction.

    ``before`` / ``after`` place the value as the model orders it. ``existing`` are the type's
    values before the change (what ``alembic check`` and verify's drift report compare) and
    ``columns`` (``"table.column"``) the columns using the type: both write the downgrade.
    """

    type_name: str
    value: str
    _: KW_ONLY
    before: str | None = None
    after: str | None = None
    schema: str | None = None
    existing: Sequence[str] = field(default_factory=tuple, metadata={"render": False})
    columns: Sequence[str] = field(default_factory=tuple, metadata={"render": False})

    def reverse(self) -> SwapEnumTypeOp:
        """The type swap back to the values before (it stops while a row holds the value)."""
        return SwapEnumTypeOp(
            self.type_name,
            list(self.existing),
            columns=list(self.columns),
            existing=self.values_after(),
            schema=self.schema,
        )

    def values_after(self) -> list[str]:
        """The type's values once the value is added, in order."""
        values = list(self.existing)
        if self.after in values:
            values.insert(values.index(self.after) + 1, self.value)
        elif self.before in values:
            values.insert(values.index(self.before), self.value)
        else:
            values.append(self.value)
        return values

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """``(kind, values in the database, values in the models, type)`` for drift reports."""
        values = tuple(self.values_after())
        return ("add_enum_value", tuple(self.existing), values, self.type_name)

    @classmethod
    def add_enum_value(
        cls,
        operations: Operations,
        type_name: str,
        value: str,
        *,
        before: str | None = None,
        after: str | None = None,
        schema: str | None = None,
    ) -> None:
        """Add a value to an enum type (idempotent; new rows may use it once this returns)."""
        operations.invoke(cls(type_name, value, before=before, after=after, schema=schema))


@Operations.register_operation("swap_enum_type")
@dataclass(eq=False)
class SwapEnumTypeOp(MigrateOperation):
    """The type-swap recipe for removing enum values, without rewriting a table under a lock.

    Stops before changing anything when a row still holds a removed value (count and example
    key); else creates the new type, moves each column in ``columns`` (``"table.column"``) to it
    (a replacement column kept in step by a trigger and filled in batches), swaps the columns
    and the types in one short transaction under lock_timeout and renames the new type to
    ``type_name`` (see :func:`migcheck.autogen.enums.swap_enum_type`).
    """

    type_name: str
    values: Sequence[str] = field(metadata=KEYWORD)
    _: KW_ONLY
    columns: Sequence[str] = ()
    existing: Sequence[str] = ()
    schema: str | None = None
    #: an upgrade's rendering carries the comment telling lint the column drop and rename are
    #: intended; a downgrade's does not (lint does not read downgrades: it would be unused)
    in_upgrade: bool = field(default=False, metadata={"render": False})

    def __post_init__(self) -> None:
        self.values = list(self.values)
        self.columns = list(self.columns)
        self.existing = list(self.existing)

    def reverse(self) -> SwapEnumTypeOp:
        """Swap back to the previous values."""
        return SwapEnumTypeOp(
            self.type_name,
            self.existing,
            columns=self.columns,
            existing=self.values,
            schema=self.schema,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """``(kind, values in the database, values in the models, type)`` for drift reports."""
        return ("change_enum_variants", tuple(self.existing), tuple(self.values), self.type_name)

    @classmethod
    def swap_enum_type(
        cls,
        operations: Operations,
        type_name: str,
        values: Sequence[str],
        *,
        columns: Sequence[str] = (),
        existing: Sequence[str] = (),
        schema: str | None = None,
    ) -> None:
        """Give an enum type exactly ``values`` (``existing``: the values it has now)."""
        operations.invoke(cls(type_name, values, columns=columns, existing=existing, schema=schema))


_KeyOp = TypeVar("_KeyOp", bound="_KeySwap")


@dataclass(eq=False)
class _KeySwap(MigrateOperation):
    """Shared data of ``swap_key`` and its reverse, ``restore_key``.

    The primary key ``table_name.column_name`` and the foreign-key columns referencing it change
    type together (integer to bigint). ``replacement`` is the key's new column, ``index`` the
    unique index on it that becomes the primary key (``constraint``). ``references`` lists each
    foreign key as a dict with ``table``, ``column``, ``replacement``, ``constraint``,
    ``definition`` (its ``FOREIGN KEY ... REFERENCES ...`` SQL), ``indexes`` (as in
    ``replace_column``), ``key`` (the table's primary key) and ``nullable``.
    """

    table_name: str
    column_name: str
    replacement: str
    _: KW_ONLY
    existing_type: Any
    type_: Any
    index: str
    constraint: str
    references: Sequence[Mapping[str, Any]] = field(default_factory=list)
    schema: str | None = None

    def __post_init__(self) -> None:
        self.references = [dict(reference) for reference in self.references]

    def swapped(self, kind: type[_KeyOp]) -> _KeyOp:
        """The same data as a ``kind`` operation (the reverse of this one)."""
        return kind(**{f.name: getattr(self, f.name) for f in fields(self)})

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """A diff entry for ``alembic check``."""
        return (type(self).__name__, self.schema, self.table_name, self.column_name)


@Operations.register_operation("swap_key")
class SwapKeyOp(_KeySwap):
    """The contract of a primary key's type change and its foreign keys', in one transaction.

    Drops the foreign keys, the primary key and the sync triggers, moves the serial sequence
    (its type, ``OWNED BY``, the default) to the new column, drops the old columns, renames the
    new ones, makes the unique index the primary key and adds the foreign keys again
    ``NOT VALID``; then validates each foreign key in a transaction of its own.
    """

    def reverse(self) -> RestoreKeyOp:
        """Bring the old-typed key and foreign-key columns back."""
        return self.swapped(RestoreKeyOp)

    @classmethod
    def swap_key(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        replacement: str,
        *,
        existing_type: Any,
        type_: Any,
        index: str,
        constraint: str,
        references: Sequence[Mapping[str, Any]] = (),
        schema: str | None = None,
    ) -> None:
        """Swap in the key and foreign-key columns built by the expand and backfill revisions."""
        operations.invoke(
            cls(
                table_name,
                column_name,
                replacement,
                existing_type=existing_type,
                type_=type_,
                index=index,
                constraint=constraint,
                references=references,
                schema=schema,
            )
        )


@Operations.register_operation("restore_key")
class RestoreKeyOp(_KeySwap):
    """The downgrade of ``swap_key``: stops first unless every value (and the sequence) fits."""

    def reverse(self) -> SwapKeyOp:
        """Swap the new columns in again."""
        return self.swapped(SwapKeyOp)

    @classmethod
    def restore_key(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        replacement: str,
        *,
        existing_type: Any,
        type_: Any,
        index: str,
        constraint: str,
        references: Sequence[Mapping[str, Any]] = (),
        schema: str | None = None,
    ) -> None:
        """Undo ``swap_key`` without losing the values written since."""
        operations.invoke(
            cls(
                table_name,
                column_name,
                replacement,
                existing_type=existing_type,
                type_=type_,
                index=index,
                constraint=constraint,
                references=references,
                schema=schema,
            )
        )


#: every migcheck operation (already safe: the rewriter leaves them as they are)
MIGCHECK_OPS: tuple[type[MigrateOperation], ...] = (
    NothingToUndoOp,
    UnsafeChangeOp,
    CheckValuesFitOp,
    CreateIndexConcurrentlyOp,
    DropIndexConcurrentlyOp,
    DropConstraintIfExistsOp,
    CreateForeignKeyNotValidOp,
    CreateCheckConstraintNotValidOp,
    CreateUniqueConstraintConcurrentlyOp,
    ValidateConstraintOp,
    AddNotNullConstraintOp,
    DropNotNullConstraintOp,
    BackfillOp,
    CopyRowsOp,
    AddColumnSyncOp,
    DropColumnSyncOp,
    ReplaceColumnOp,
    RestoreColumnOp,
    SwapKeyOp,
    RestoreKeyOp,
    AddRenameSyncOp,
    DropRenameSyncOp,
    DropRenamedColumnOp,
    RestoreRenamedColumnOp,
    RenameTableBehindViewOp,
    RestoreTableFromViewOp,
    DropRenameViewOp,
    CreateRenameViewOp,
    AddEnumValueOp,
    SwapEnumTypeOp,
)

SAFE_CONSTRAINT_OPS = (
    CreateForeignKeyNotValidOp,
    CreateCheckConstraintNotValidOp,
    CreateUniqueConstraintConcurrentlyOp,
)


def safe_constraint_op(op: ops.AddConstraintOp) -> ops.AddConstraintOp:
    """The migcheck version of a plain add-constraint op (others come back unchanged)."""
    if isinstance(op, SAFE_CONSTRAINT_OPS):
        return op
    if isinstance(op, ops.CreateForeignKeyOp):
        return CreateForeignKeyNotValidOp(
            op.constraint_name,
            op.source_table,
            op.referent_table,
            op.local_cols,
            op.remote_cols,
            **op.kw,
        )
    if isinstance(op, ops.CreateCheckConstraintOp):
        return CreateCheckConstraintNotValidOp(
            op.constraint_name, op.table_name, op.condition, schema=op.schema, **op.kw
        )
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return CreateUniqueConstraintConcurrentlyOp(
            op.constraint_name, op.table_name, op.columns, schema=op.schema, **op.kw
        )
    return op


def _drop(op: ops.AddConstraintOp, kind: str) -> DropConstraintIfExistsOp:
    constraint = op.to_constraint()
    table = constraint.table
    drop = DropConstraintIfExistsOp(str(constraint.name), table.name, kind, schema=table.schema)
    compat.set_reverse(drop, op)
    return drop
