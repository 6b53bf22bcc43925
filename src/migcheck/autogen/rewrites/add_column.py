"""New columns on existing tables that existing rows cannot get a value for by themselves.

* a server default PostgreSQL must evaluate per row (volatile, or a function it cannot
  classify: the rows lint's MC106 flags) -> add the column without the default, set the default
  (new rows), ``backfill`` existing rows with the same expression, then
  ``add_not_null_constraint`` if it is NOT NULL;
* NOT NULL without a server default -> *expand* (add it nullable), *backfill* (``op.backfill``
  with a FILL_IN placeholder a person must replace) and *contract* (``add_not_null_constraint``);
  in a downgrade (which re-adds a dropped column whose values are gone) it comes back nullable.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import MigrateOperation, ops
from sqlalchemy import ClauseElement, Column, TextClause, text

from migcheck.alembic_project import compat
from migcheck.autogen import sql
from migcheck.autogen.ops import FILL_IN, AddNotNullConstraintOp, BackfillOp
from migcheck.autogen.registry import RewriteContext, Split, rewrites
from migcheck.sql.expression import may_be_volatile


def default_sql(column: Column[Any]) -> str | None:
    """The column's server default as PostgreSQL evaluates it; None when there is none."""
    if column.server_default is None or column.computed is not None:
        return None
    return clause_sql(column.server_default)


def clause_sql(server_default: Any) -> str | None:
    """A server default (``DefaultClause``, text, string) as SQL; None when it has no SQL."""
    arg = getattr(server_default, "arg", server_default)
    if isinstance(arg, str):
        return sql.literal(arg)
    if isinstance(arg, TextClause):
        return arg.text
    if isinstance(arg, ClauseElement):
        return str(arg.compile(dialect=sql.DIALECT))
    return None


@rewrites.dispatch_for(ops.AddColumnOp)
def volatile_default(op: ops.AddColumnOp, context: RewriteContext) -> Split | None:
    """Add without the default, set the default, backfill with it, then NOT NULL."""
    column = op.column
    default = default_sql(column)
    if default is None or not may_be_volatile(default):
        return None
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
        {name: text(default)},
        where=f"{sql.quote(name)} IS NULL",
        key=context.primary_key(op.schema, op.table_name),
        schema=op.schema,
    )
    contract: list[MigrateOperation] = []
    if not column.nullable:
        contract.append(AddNotNullConstraintOp(op.table_name, name, schema=op.schema))
    return Split(
        plain=[nullable_copy(op, keep_default=False), set_default],
        backfill=[backfill],
        contract=contract,
    )


@rewrites.dispatch_for(ops.AddColumnOp, phased=True)
def unfilled(op: ops.AddColumnOp, context: RewriteContext) -> Split | None:
    """Add it nullable, backfill a value a person fills in, then NOT NULL."""
    column = op.column
    if (
        column.nullable
        or column.server_default is not None
        or column.computed is not None
        or column.identity is not None
        or column.primary_key
    ):
        return None
    name = str(column.name)
    backfill = BackfillOp(
        op.table_name,
        {name: FILL_IN},
        where=f"{sql.quote(name)} IS NULL",
        key=context.primary_key(op.schema, op.table_name),
        schema=op.schema,
    )
    return Split(
        plain=[nullable_copy(op)],
        backfill=[backfill],
        contract=[AddNotNullConstraintOp(op.table_name, name, schema=op.schema)],
    )


@rewrites.dispatch_for(ops.AddColumnOp)
def refilled_in_downgrade(op: ops.AddColumnOp, context: RewriteContext) -> Split | None:
    """In a downgrade, a dropped NOT NULL column without default comes back nullable.

    Its values are gone with the drop; added as NOT NULL it would fail on a table with rows.
    """
    column = op.column
    if context.split or column.nullable or column.server_default is not None:
        return None
    if column.computed is not None or column.identity is not None or column.primary_key:
        return None
    return Split(plain=[nullable_copy(op)])


def nullable_copy(op: ops.AddColumnOp, *, keep_default: bool = True) -> ops.AddColumnOp:
    """``op`` adding a nullable copy of its column (the model's column is left as it is)."""
    column = compat.copy_column(op.column)
    column.nullable = True
    if not keep_default:
        column.server_default = None
    return ops.AddColumnOp(op.table_name, column, schema=op.schema, **op.kw)
