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

from migcheck.autogen import rewrites as _rewrites
from migcheck.autogen.ops import MIGCHECK_OPS, LockTimeoutBlockOp
from migcheck.autogen.registry import RewriteContext, Split, rewrites

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
    """Rewritten operations, by the phase (separate revision) they belong to."""

    expand: list[MigrateOperation] = field(default_factory=list)
    backfill: list[MigrateOperation] = field(default_factory=list)
    contract: list[MigrateOperation] = field(default_factory=list)

    def phases(self) -> list[tuple[str, list[MigrateOperation]]]:
        """The non-empty phases in shipping order (expand always comes first)."""
        found = [(name, getattr(self, name)) for name in PHASES]
        return [found[0]] + [(name, found_ops) for name, found_ops in found[1:] if found_ops]


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
        return isinstance(op, GUARDED) and not isinstance(op, MIGCHECK_OPS)

    def _table(self, table_ops: ops.ModifyTableOps, phased: Phased) -> None:
        per_phase = Split()
        pending: list[MigrateOperation] = []
        for op in _unwrapped(table_ops.ops):
            split = self._split(op)
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
