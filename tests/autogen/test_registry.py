"""The rewrite registry: dispatch by operation class, in registration order, phased or not."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops

from migcheck.autogen.phases import downgrade
from migcheck.autogen.registry import RewriteContext, Rewrites, Split
from migcheck.autogen.rewriter import Rewriter


class _Base(ops.AddColumnOp):
    pass


class _Child(_Base):
    pass


def test_first_rewrite_that_applies_wins_then_base_classes() -> None:
    registry = Rewrites()
    seen: list[str] = []

    @registry.dispatch_for(_Child)
    def declines(op: _Child, context: RewriteContext) -> Split | None:
        seen.append("child")
        return None

    @registry.dispatch_for(_Base)
    def takes(op: _Base, context: RewriteContext) -> Split | None:
        seen.append("base")
        return Split(expand=[op])

    op = _Child("t", sa.Column("c", sa.Integer()))
    split = registry.rewrite(op, RewriteContext())
    assert split is not None and split.expand == [op]
    assert seen == ["child", "base"]


def test_phased_rewrites_are_skipped_in_downgrades() -> None:
    registry = Rewrites()

    @registry.dispatch_for(_Base, phased=True)
    def phased(op: _Base, context: RewriteContext) -> Split | None:
        return Split(backfill=[op])

    op = _Base("t", sa.Column("c", sa.Integer()))
    assert registry.rewrite(op, RewriteContext(split=True)) is not None
    assert registry.rewrite(op, RewriteContext(split=False)) is None


def test_downgrade_readding_a_volatile_column_backfills_in_one_revision() -> None:
    md = sa.MetaData()
    sa.Table("order", md, sa.Column("id", sa.BigInteger, primary_key=True))
    column = sa.Column("token", sa.Uuid(), nullable=False, server_default=sa.text("uuidv7()"))
    drop = ops.DropColumnOp.from_column_and_tablename(None, "order", column)
    upgrade = ops.UpgradeOps(ops=[ops.ModifyTableOps("order", [drop])])
    upgrade = ops.UpgradeOps(ops=Rewriter(set(), [md]).rewrite(upgrade.ops).contract)
    down = downgrade(upgrade, set(), [md])
    (table,) = down.ops
    assert isinstance(table, ops.ModifyTableOps)
    kinds = [type(op).__name__ for op in table.ops]
    assert kinds == ["LockTimeoutBlockOp", "BackfillOp", "AddNotNullConstraintOp"]
