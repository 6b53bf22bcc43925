"""How migcheck's operations are written into generated revision files.

Where an operation extends one of Alembic's, Alembic's own renderer writes the arguments and only
the operation's name changes, so every option (schema, dialect kwargs, expressions) reads exactly
as Alembic would write it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic.autogenerate import render
from alembic.operations import MigrateOperation
from sqlalchemy.sql.elements import TextClause

from migcheck.autogen import ops

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

# render.renderers, not alembic.autogenerate.renderers: this module may be imported while
# alembic.autogenerate itself is still initialising (plugins load inside ``import alembic``)
renderers = render.renderers

#: how the FILL_IN placeholder is imported in a generated revision
FILL_IN_IMPORT = "from migcheck.alembic import FILL_IN"
#: extra indentation of continuation lines inside ``for attempt ...: with attempt:``
_BLOCK_INDENT = " " * 8


def _renamed(
    alembic_renderer: Callable[[AutogenContext, Any], Any], plain: str, ours: str
) -> Callable[[AutogenContext, MigrateOperation], list[str]]:
    def render_op(autogen_context: AutogenContext, op: MigrateOperation) -> list[str]:
        prefix = render._alembic_autogenerate_prefix(autogen_context)
        lines = [str(line) for line in _as_list(alembic_renderer(autogen_context, op))]
        return [line.replace(f"{prefix}{plain}(", f"{prefix}{ours}(", 1) for line in lines]

    return render_op


def _as_list(rendered: Any) -> list[Any]:
    return list(rendered) if isinstance(rendered, list) else [rendered]


renderers.dispatch_for(ops.CreateIndexConcurrentlyOp)(
    _renamed(render._add_index, "create_index", "create_index_concurrently")
)
renderers.dispatch_for(ops.DropIndexConcurrentlyOp)(
    _renamed(render._drop_index, "drop_index", "drop_index_concurrently")
)
renderers.dispatch_for(ops.CreateForeignKeyNotValidOp)(
    _renamed(render._add_fk_constraint, "create_foreign_key", "create_foreign_key_not_valid")
)
renderers.dispatch_for(ops.CreateCheckConstraintNotValidOp)(
    _renamed(
        render._add_check_constraint,
        "create_check_constraint",
        "create_check_constraint_not_valid",
    )
)
renderers.dispatch_for(ops.CreateUniqueConstraintConcurrentlyOp)(
    _renamed(
        render._add_unique_constraint,
        "create_unique_constraint",
        "create_unique_constraint_concurrently",
    )
)


def _call(autogen_context: AutogenContext, name: str, args: list[str]) -> str:
    prefix = render._alembic_autogenerate_prefix(autogen_context)
    return f"{prefix}{name}({', '.join(args)})"


def _schema(schema: str | None) -> list[str]:
    return [f"schema={schema!r}"] if schema else []


@renderers.dispatch_for(ops.DropConstraintIfExistsOp)
def _drop_constraint_if_exists(
    autogen_context: AutogenContext, op: ops.DropConstraintIfExistsOp
) -> str:
    args = [repr(str(op.constraint_name)), repr(op.table_name), *_schema(op.schema)]
    return _call(autogen_context, "drop_constraint_if_exists", args)


@renderers.dispatch_for(ops.ValidateConstraintOp)
def _validate_constraint(autogen_context: AutogenContext, op: ops.ValidateConstraintOp) -> str:
    args = [repr(op.constraint_name), repr(op.table_name), *_schema(op.schema)]
    return _call(autogen_context, "validate_constraint", args)


@renderers.dispatch_for(ops.AddNotNullConstraintOp)
def _add_not_null(autogen_context: AutogenContext, op: ops.AddNotNullConstraintOp) -> str:
    args = [repr(op.table_name), repr(op.column_name), *_schema(op.schema)]
    return _call(autogen_context, "add_not_null_constraint", args)


@renderers.dispatch_for(ops.DropNotNullConstraintOp)
def _drop_not_null(autogen_context: AutogenContext, op: ops.DropNotNullConstraintOp) -> str:
    args = [repr(op.table_name), repr(op.column_name), *_schema(op.schema)]
    return _call(autogen_context, "drop_not_null_constraint", args)


def _value(autogen_context: AutogenContext, value: Any) -> str:
    if isinstance(value, ops.FillIn):
        autogen_context.imports.add(FILL_IN_IMPORT)
        return "FILL_IN"
    if isinstance(value, TextClause):
        prefix = render._sqlalchemy_autogenerate_prefix(autogen_context)
        return f"{prefix}text({value.text!r})"
    return repr(value)


@renderers.dispatch_for(ops.BackfillOp)
def _backfill(autogen_context: AutogenContext, op: ops.BackfillOp) -> str:
    values = ", ".join(f"{k!r}: {_value(autogen_context, v)}" for k, v in op.values.items())
    args = [repr(op.table_name), f"values={{{values}}}"]
    if op.where:
        args.append(f"where={op.where!r}")
    if op.key:
        args.append(f"key={op.key!r}")
    if op.batch_size:
        args.append(f"batch_size={op.batch_size!r}")
    if op.pause:
        args.append(f"pause={op.pause!r}")
    args.extend(_schema(op.schema))
    prefix = render._alembic_autogenerate_prefix(autogen_context)
    body = "".join(f"    {arg},\n" for arg in args)
    return f"{prefix}backfill(\n{body})"


@renderers.dispatch_for(ops.LockTimeoutBlockOp)
def _lock_timeout_block(
    autogen_context: AutogenContext, op: ops.LockTimeoutBlockOp
) -> list[str | None]:
    if not op.ops:
        return []
    prefix = render._alembic_autogenerate_prefix(autogen_context)
    lines: list[str | None] = [f"for attempt in {prefix}lock_timeout_retries():", "with attempt:"]
    for child in op.ops:
        for line in render.render_op(autogen_context, child):
            lines.append(None if line is None else line.replace("\n", "\n" + _BLOCK_INDENT))
    # two None lines close the ``with`` and the ``for`` in Alembic's PythonPrinter
    lines.extend([None, None])
    return lines


@renderers.dispatch_for(ops.NothingToUndoOp)
def _nothing_to_undo(autogen_context: AutogenContext, op: ops.NothingToUndoOp) -> list[str]:
    return []


def _column_sync(autogen_context: AutogenContext, op: ops.AddColumnSyncOp) -> str:
    name = "add_column_sync" if isinstance(op, ops.AddColumnSyncOp) else "drop_column_sync"
    args = [repr(op.table_name), repr(op.source), repr(op.target), f"using={op.using!r}"]
    return _call(autogen_context, name, [*args, *_schema(op.schema)])


renderers.dispatch_for(ops.AddColumnSyncOp)(_column_sync)
renderers.dispatch_for(ops.DropColumnSyncOp)(_column_sync)

#: the contract of a type change drops and renames a column on purpose
SWAP_IGNORE = [
    "# the old column's values live on, converted, in its replacement:",
    "# migcheck: ignore[MC302, MC203]",
]


def _column_swap(autogen_context: AutogenContext, op: ops.ReplaceColumnOp) -> list[str]:
    name = "replace_column" if isinstance(op, ops.ReplaceColumnOp) else "restore_column"
    args = [
        repr(op.table_name),
        repr(op.column_name),
        repr(op.replacement),
        f"existing_type={render._repr_type(op.existing_type, autogen_context)}",
        f"using={op.using!r}",
        f"using_back={op.using_back!r}",
    ]
    if op.indexes:
        args.append(f"indexes={op.indexes!r}")
    if op.key:
        args.append(f"key={op.key!r}")
    if not op.nullable:
        args.append("nullable=False")
    args.extend(_schema(op.schema))
    prefix = render._alembic_autogenerate_prefix(autogen_context)
    body = "".join(f"    {arg},\n" for arg in args)
    call = f"{prefix}{name}(\n{body})"
    return [*SWAP_IGNORE, call] if isinstance(op, ops.ReplaceColumnOp) else [call]


renderers.dispatch_for(ops.ReplaceColumnOp)(_column_swap)
renderers.dispatch_for(ops.RestoreColumnOp)(_column_swap)
