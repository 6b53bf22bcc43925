"""Constraints on existing tables: added without holding a lock while existing rows are checked.

* a foreign key or CHECK -> ``..._not_valid`` then ``validate_constraint``;
* a unique constraint -> ``create_unique_constraint_concurrently`` (via a unique index).

An unnamed constraint gets the name PostgreSQL would give it (validating needs a name).
"""

from __future__ import annotations

import hashlib

from alembic.operations import ops

from migcheck.autogen import sql
from migcheck.autogen.ops import (
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    CreateUniqueConstraintConcurrentlyOp,
    ValidateConstraintOp,
)
from migcheck.autogen.registry import RewriteContext, Split, rewrites


def _given_name(name: object) -> str | None:
    """A constraint's name as a string; None when autogenerate left it unnamed."""
    return str(name) if isinstance(name, str) and name else None


@rewrites.dispatch_for(ops.CreateForeignKeyOp)
def foreign_key(op: ops.CreateForeignKeyOp, context: RewriteContext) -> Split:
    """Add the foreign key NOT VALID, then validate it in its own transaction."""
    name = _given_name(op.constraint_name) or sql.identifier_name(
        op.source_table, *op.local_cols, suffix="fkey"
    )
    fk = CreateForeignKeyNotValidOp(
        name, op.source_table, op.referent_table, op.local_cols, op.remote_cols, **op.kw
    )
    validate = ValidateConstraintOp(name, op.source_table, schema=op.kw.get("source_schema"))
    return Split(expand=[fk, validate])


@rewrites.dispatch_for(ops.CreateCheckConstraintOp)
def check(op: ops.CreateCheckConstraintOp, context: RewriteContext) -> Split:
    """Add the CHECK NOT VALID, then validate it in its own transaction."""
    digest = hashlib.sha1(str(op.condition).encode()).hexdigest()[:8]
    name = _given_name(op.constraint_name) or sql.identifier_name(
        op.table_name, digest, suffix="check"
    )
    check = CreateCheckConstraintNotValidOp(
        name, op.table_name, op.condition, schema=op.schema, **op.kw
    )
    return Split(expand=[check, ValidateConstraintOp(name, op.table_name, schema=op.schema)])


@rewrites.dispatch_for(ops.CreateUniqueConstraintOp)
def unique(op: ops.CreateUniqueConstraintOp, context: RewriteContext) -> Split:
    """Build the unique index concurrently, then attach it as the constraint."""
    columns = [str(c) for c in op.columns]
    name = _given_name(op.constraint_name) or sql.identifier_name(
        op.table_name, *columns, suffix="key"
    )
    return Split(
        expand=[
            CreateUniqueConstraintConcurrentlyOp(
                name, op.table_name, op.columns, schema=op.schema, **op.kw
            )
        ]
    )
