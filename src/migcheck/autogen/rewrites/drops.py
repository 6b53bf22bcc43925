"""Drops of columns on existing tables: they wait for the contract revision.

A column dropped in the same change as others that need a backfill must not go before that
backfill (it may be what the backfill reads), and the application still reads it until the
deploy that stops using it. So in an upgrade a ``drop_column`` moves to the contract phase,
under lock_timeout; when it is the whole change, the contract is the only revision. Downgrades
keep it where it is.
"""

from __future__ import annotations

from alembic.operations import ops

from migcheck.autogen.ops import LockTimeoutBlockOp
from migcheck.autogen.registry import RewriteContext, Split, rewrites


@rewrites.dispatch_for(ops.DropColumnOp, phased=True)
def drop_column(op: ops.DropColumnOp, context: RewriteContext) -> Split:
    """``drop_column`` -> the same, in the contract phase, under lock_timeout."""
    return Split(contract=[LockTimeoutBlockOp([op])])
