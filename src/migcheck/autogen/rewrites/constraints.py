"""Constraints on existing tables: added without holding a lock while existing rows are checked.

* a foreign key or CHECK -> ``..._not_valid`` then ``validate_constraint``; a foreign key whose
  columns lead no index of the model gets one first, built concurrently (``ix_<table>_<column>``,
  the name ``index=True`` gives);
* a unique constraint -> ``create_unique_constraint_concurrently`` (via a unique index).

An unnamed foreign key or unique constraint gets the name PostgreSQL would give it
(:mod:`migcheck.postgres.naming`; validating needs a name); an unnamed CHECK, whose PostgreSQL
name depends on the columns its expression reads, is named after a digest of the expression.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from alembic.operations import ops
from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint

from migcheck.autogen import sql
from migcheck.autogen.ops import (
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    CreateUniqueConstraintConcurrentlyOp,
    ForeignKeyIndexOp,
    ValidateConstraintOp,
)
from migcheck.autogen.registry import RewriteContext, Split, rewrites
from migcheck.postgres.identifiers import MAX_BYTES
from migcheck.postgres.naming import default_constraint_name


def _given_name(name: object) -> str | None:
    """A constraint's name as a string; None when autogenerate left it unnamed."""
    return str(name) if isinstance(name, str) and name else None


def _default_name(table: str, kind: str, columns: Sequence[str]) -> str:
    """The name PostgreSQL would give the unnamed constraint (``order_customer_id_fkey``)."""
    name = default_constraint_name(table, kind, tuple(str(c) for c in columns))
    assert name is not None, kind  # only CHECK constraints can lack a default name
    return name


@rewrites.dispatch_for(ops.CreateForeignKeyOp)
def foreign_key(op: ops.CreateForeignKeyOp, context: RewriteContext) -> Split:
    """Add the foreign key NOT VALID, then validate it in its own transaction."""
    name = _given_name(op.constraint_name) or _default_name(
        op.source_table, "foreign_key", op.local_cols
    )
    fk = CreateForeignKeyNotValidOp(
        name, op.source_table, op.referent_table, op.local_cols, op.remote_cols, **op.kw
    )
    schema = op.kw.get("source_schema")
    validate = ValidateConstraintOp(name, op.source_table, schema=schema)
    table = context.model(schema, op.source_table)
    columns = [str(c) for c in op.local_cols]
    if table is None or _indexed(table, columns):
        return Split(expand=[fk, validate])
    index_name = f"ix_{op.source_table}_{columns[0]}"
    if len(index_name.encode()) > MAX_BYTES:
        index_name = sql.identifier_name(op.source_table, columns[0], suffix="idx")
    index = ForeignKeyIndexOp(index_name, op.source_table, columns, schema=schema)
    return Split(expand=[index, fk, validate])


def _indexed(table: Table, columns: list[str]) -> bool:
    """Whether an index, primary key or unique constraint of the model leads with ``columns``."""
    candidates: list[list[str]] = [
        [str(getattr(e, "name", "")) for e in index.expressions] for index in table.indexes
    ]
    candidates += [
        [str(c.name) for c in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))
    ]
    return any(found[: len(columns)] == columns for found in candidates)


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
    name = _given_name(op.constraint_name) or _default_name(op.table_name, "unique", columns)
    return Split(
        expand=[
            CreateUniqueConstraintConcurrentlyOp(
                name, op.table_name, op.columns, schema=op.schema, **op.kw
            )
        ]
    )
