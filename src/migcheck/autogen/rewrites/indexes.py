"""Indexes on existing tables: built and dropped concurrently (no SHARE lock for the build)."""

from __future__ import annotations

from alembic.operations import ops

from migcheck.autogen.ops import CreateIndexConcurrentlyOp, DropIndexConcurrentlyOp
from migcheck.autogen.registry import RewriteContext, Split, rewrites


@rewrites.dispatch_for(ops.CreateIndexOp)
def create_index(op: ops.CreateIndexOp, context: RewriteContext) -> Split:
    """``create_index`` -> ``create_index_concurrently``."""
    return Split(
        expand=[
            CreateIndexConcurrentlyOp(
                op.index_name,
                op.table_name,
                op.columns,
                schema=op.schema,
                unique=op.unique,
                **op.kw,
            )
        ]
    )


@rewrites.dispatch_for(ops.DropIndexOp)
def drop_index(op: ops.DropIndexOp, context: RewriteContext) -> Split:
    """``drop_index`` -> ``drop_index_concurrently`` (its reverse rebuilds it concurrently)."""
    return Split(expand=[DropIndexConcurrentlyOp.like(op)])
