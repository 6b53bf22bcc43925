"""The rewriter: naive autogenerate operations in, zero-downtime operations out, by phase.

Each operation on a table that already exists (one not created in the same revision) goes to
the rewrites registered for its class (:mod:`migcheck.autogen.registry`, the rewrites themselves
in :mod:`migcheck.autogen.rewrites`). What no rewrite takes stays a plain Alembic operation; the
plain operations that lock an existing table (add/drop column, cheap ``alter_column``, drop
constraint or table, a new table with a foreign key to an existing one, which locks the
referenced table) run inside ``for attempt in op.lock_timeout_retries()``.

Operations on tables created in the same revision stay exactly as Alembic wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from alembic.operations import MigrateOperation, ops
from sqlalchemy import MetaData

from migcheck.autogen import renames
from migcheck.autogen import rewrites as _rewrites
from migcheck.autogen.ops import MIGCHECK_OPS, LockTimeoutBlockOp, UnsafeChangeOp
from migcheck.autogen.registry import RewriteContext, Split, rewrites
from migcheck.autogen.rewrites import renames as rewrite_renames

#: the phases a change may need, in the order they ship
PHASES = ("expand", "backfill", "contract")

#: plain operations that take a brief ACCESS EXCLUSIVE lock and so run under lock_timeout
GUARDED = (
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

_rewrites.load()


@dataclass(slots=True)
class Phased:
    """Rewritten operations, by the phase (separate revision) they belong to.

    ``first`` are checks and stops that run before anything else, in the first revision.
    """

    first: list[MigrateOperation] = field(default_factory=list)
    expand: list[MigrateOperation] = field(default_factory=list)
    backfill: list[MigrateOperation] = field(default_factory=list)
    contract: list[MigrateOperation] = field(default_factory=list)

    def phases(self) -> list[tuple[str, list[MigrateOperation]]]:
        """The non-empty phases in shipping order (at least one), ``first`` at the front."""
        found = [(name, list(getattr(self, name))) for name in PHASES]
        kept = [(name, found_ops) for name, found_ops in found if found_ops] or found[:1]
        kept[0][1][:0] = self.first
        return kept


class Rewriter:
    """Rewrites one revision's upgrade (or downgrade) operations.

    ``created`` holds the tables the revision itself creates; ``split`` allows moving work into
    later phases (off when rewriting downgrades); ``metadata`` is the target metadata, used to
    find the primary key a backfill ranges over.
    """

    def __init__(
        self, created: set[TableKey], metadata: Sequence[MetaData] = (), *, split: bool = True
    ) -> None:
        self.created = created
        self.context = RewriteContext(metadata, split)

    def rewrite(self, operations: Iterable[MigrateOperation]) -> Phased:
        """Rewrite top-level operations into phases."""
        operations = list(operations)
        phased = Phased()
        skipped: set[int] = set()
        dropped: set[TableKey] = set()
        if self.context.split:
            skipped = self._table_renames(operations, phased)
            dropped = {
                (op.schema, op.table_name)
                for op in operations
                if isinstance(op, ops.DropTableOp) and id(op) not in skipped
            } - self.created
        pending: list[MigrateOperation] = []
        for op in operations:
            if id(op) in skipped:
                continue
            key = (getattr(op, "schema", None), getattr(op, "table_name", None))
            if isinstance(op, (ops.ModifyTableOps, ops.DropTableOp)) and key in dropped:
                # a table the revision drops: its rows go in the contract phase, not before
                phased.contract.append(LockTimeoutBlockOp(list(_unwrapped(_children(op)))))
            elif isinstance(op, ops.ModifyTableOps) and key not in self.created:
                _flush(pending, phased.expand)
                self._table(op, phased)
            elif self._guarded(op):
                pending.append(op)
            else:
                _flush(pending, phased.expand)
                phased.expand.append(op)
        _flush(pending, phased.expand)
        return phased

    def _table_renames(self, operations: list[MigrateOperation], phased: Phased) -> set[int]:
        """Marked table renames into ``phased``, guessed ones as stops; ids of consumed ops."""
        existing = {
            (op.schema, op.table_name) for op in operations if isinstance(op, ops.DropTableOp)
        } - self.created
        found = renames.table_renames(operations, existing)
        phased.first.extend(UnsafeChangeOp(reason) for reason in found.guessed)
        consumed: set[int] = set()
        for rename in found.marked:
            split = rewrite_renames.table_rename(rename)
            phased.expand.extend(split.expand)
            phased.contract.extend(split.contract)
            tables = {
                (rename.drop.schema, rename.drop.table_name),
                (rename.create.schema, rename.create.table_name),
            }
            consumed |= {id(rename.drop), id(rename.create)}
            consumed |= {
                id(op)
                for op in operations
                if isinstance(op, ops.ModifyTableOps) and (op.schema, op.table_name) in tables
            }
        return consumed

    def _guarded(self, op: MigrateOperation) -> bool:
        """Whether a top-level plain op takes a lock on an existing table."""
        if isinstance(op, ops.CreateTableOp):
            return _references_existing(op, self.created)
        return isinstance(op, GUARDED) and not isinstance(op, MIGCHECK_OPS)

    def _table(self, table_ops: ops.ModifyTableOps, phased: Phased) -> None:
        per_phase = Split()
        pending: list[MigrateOperation] = []
        children = list(_unwrapped(table_ops.ops))
        splits: dict[int, Split] = {}
        if self.context.split:
            found = renames.column_renames(table_ops, children)
            phased.first.extend(UnsafeChangeOp(reason) for reason in found.guessed)
            for rename in found.marked:
                splits[id(rename.add)] = rewrite_renames.column_rename(rename, self.context)
                splits[id(rename.drop)] = Split()
        for op in children:
            split = splits.get(id(op)) or self._split(op)
            phased.first.extend(split.first)
            pending.extend(split.plain)
            if not self.context.split:
                split.expand += split.backfill + split.contract
                split.backfill, split.contract = [], []
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

    def _split(self, op: MigrateOperation) -> Split:
        """What ``op`` becomes: migcheck's own ops as they are, else the registered rewrite."""
        if isinstance(op, MIGCHECK_OPS):
            return Split(expand=[op])
        split = rewrites.rewrite(op, self.context)
        if split is not None:
            return split
        return Split(plain=[op]) if isinstance(op, GUARDED) else Split(expand=[op])


def _flush(pending: list[MigrateOperation], into: list[MigrateOperation]) -> None:
    if pending:
        into.append(LockTimeoutBlockOp(list(pending)))
        pending.clear()


def _children(op: MigrateOperation) -> list[MigrateOperation]:
    return list(op.ops) if isinstance(op, ops.ModifyTableOps) else [op]


def _unwrapped(operations: Iterable[MigrateOperation]) -> Iterable[MigrateOperation]:
    for op in operations:
        if isinstance(op, LockTimeoutBlockOp):
            yield from _unwrapped(op.ops)
        else:
            yield op


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
