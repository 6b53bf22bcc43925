"""How migcheck's operations are written into generated revision files.

Where an operation extends one of Alembic's, Alembic's own renderer writes the arguments and only
the operation's name changes, so every option (schema, dialect kwargs, expressions) reads exactly
as Alembic would write it. migcheck's own operations are dataclasses: :func:`_fields_call`
writes their fields in order (keyword-only fields only when they differ from the default), so a
new operation needs one ``renderers.dispatch_for`` line, not a renderer of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any

from alembic.operations import MigrateOperation
from sqlalchemy import TextClause
from sqlalchemy.types import TypeEngine

from migcheck.alembic_project import compat
from migcheck.autogen import ops

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

renderers = compat.renderers()

#: how the FILL_IN placeholder is imported in a generated revision
FILL_IN_IMPORT = "from migcheck.alembic import FILL_IN"
#: extra indentation of continuation lines inside ``for attempt ...: with attempt:``
_BLOCK_INDENT = " " * 8


def _renamed(
    alembic_renderer: str, plain: str, ours: str
) -> Callable[[AutogenContext, MigrateOperation], list[str]]:
    render = compat.alembic_renderer(alembic_renderer)

    def render_op(autogen_context: AutogenContext, op: MigrateOperation) -> list[str]:
        prefix = compat.alembic_prefix(autogen_context)
        lines = [str(line) for line in _as_list(render(autogen_context, op))]
        return [line.replace(f"{prefix}{plain}(", f"{prefix}{ours}(", 1) for line in lines]

    return render_op


def _as_list(rendered: Any) -> list[Any]:
    return list(rendered) if isinstance(rendered, list) else [rendered]


renderers.dispatch_for(ops.CreateIndexConcurrentlyOp)(
    _renamed("_add_index", "create_index", "create_index_concurrently")
)
_create_index_concurrently = _renamed("_add_index", "create_index", "create_index_concurrently")


@renderers.dispatch_for(ops.ForeignKeyIndexOp)
def _foreign_key_index(autogen_context: AutogenContext, op: ops.ForeignKeyIndexOp) -> list[str]:
    columns = ", ".join(repr(str(c)) for c in op.columns)
    return [
        f"# the new foreign key's index: declare it in the models too (index=True on {columns}"
        ", or an Index), or the next autogenerate drops it",
        *_create_index_concurrently(autogen_context, op),
    ]


renderers.dispatch_for(ops.DropIndexConcurrentlyOp)(
    _renamed("_drop_index", "drop_index", "drop_index_concurrently")
)
renderers.dispatch_for(ops.CreateForeignKeyNotValidOp)(
    _renamed("_add_fk_constraint", "create_foreign_key", "create_foreign_key_not_valid")
)
renderers.dispatch_for(ops.CreateCheckConstraintNotValidOp)(
    _renamed(
        "_add_check_constraint", "create_check_constraint", "create_check_constraint_not_valid"
    )
)
renderers.dispatch_for(ops.CreateUniqueConstraintConcurrentlyOp)(
    _renamed(
        "_add_unique_constraint",
        "create_unique_constraint",
        "create_unique_constraint_concurrently",
    )
)


def _value(autogen_context: AutogenContext, value: Any) -> str:
    """A field's value as Python source in the revision file."""
    if isinstance(value, ops.FillIn):
        autogen_context.imports.add(FILL_IN_IMPORT)
        return "FILL_IN"
    if isinstance(value, TextClause):
        return f"{compat.sqlalchemy_prefix(autogen_context)}text({value.text!r})"
    if isinstance(value, TypeEngine):
        return compat.repr_type(value, autogen_context)
    if isinstance(value, dict):
        items = ", ".join(f"{k!r}: {_value(autogen_context, v)}" for k, v in value.items())
        return f"{{{items}}}"
    return repr(value)


def _fields_call(
    autogen_context: AutogenContext, op: Any, name: str, *, multiline: bool = False
) -> str:
    """``op.<name>(...)`` from the fields of a dataclass operation.

    Positional fields are written in order (as ``field=value`` when their metadata says
    ``keyword``); keyword-only fields only when they differ from their default.
    """
    args = []
    for spec in fields(op):
        if spec.metadata.get("render") is False:
            continue
        value = getattr(op, spec.name)
        if spec.kw_only:
            if spec.default_factory is not MISSING:
                if value == spec.default_factory():
                    continue
            elif spec.default is not MISSING and value == spec.default:
                continue
        rendered = _value(autogen_context, value)
        keyword = spec.kw_only or spec.metadata.get("keyword", False)
        args.append(f"{spec.name}={rendered}" if keyword else rendered)
    prefix = compat.alembic_prefix(autogen_context)
    if multiline:
        body = "".join(f"    {arg},\n" for arg in args)
        return f"{prefix}{name}(\n{body})"
    return f"{prefix}{name}({', '.join(args)})"


def _one_line(name: str) -> Callable[[AutogenContext, Any], str]:
    def render_op(autogen_context: AutogenContext, op: Any) -> str:
        return _fields_call(autogen_context, op, name)

    return render_op


def _multi_line(name: str) -> Callable[[AutogenContext, Any], str]:
    def render_op(autogen_context: AutogenContext, op: Any) -> str:
        return _fields_call(autogen_context, op, name, multiline=True)

    return render_op


renderers.dispatch_for(ops.ValidateConstraintOp)(_one_line("validate_constraint"))
renderers.dispatch_for(ops.AddNotNullConstraintOp)(_one_line("add_not_null_constraint"))
renderers.dispatch_for(ops.DropNotNullConstraintOp)(_one_line("drop_not_null_constraint"))
renderers.dispatch_for(ops.AddColumnSyncOp)(_one_line("add_column_sync"))
renderers.dispatch_for(ops.DropColumnSyncOp)(_one_line("drop_column_sync"))
renderers.dispatch_for(ops.BackfillOp)(_multi_line("backfill"))
renderers.dispatch_for(ops.CopyRowsOp)(_multi_line("copy_rows"))
renderers.dispatch_for(ops.RestoreColumnOp)(_multi_line("restore_column"))
renderers.dispatch_for(ops.AddEnumValueOp)(_one_line("add_enum_value"))
renderers.dispatch_for(ops.CheckValuesFitOp)(_one_line("check_values_fit"))
renderers.dispatch_for(ops.AddRenameSyncOp)(_one_line("add_rename_sync"))
renderers.dispatch_for(ops.DropRenameSyncOp)(_one_line("drop_rename_sync"))
renderers.dispatch_for(ops.RestoreRenamedColumnOp)(_multi_line("restore_renamed_column"))
renderers.dispatch_for(ops.RestoreTableFromViewOp)(_one_line("restore_table_from_view"))
renderers.dispatch_for(ops.CreateRenameViewOp)(_one_line("create_rename_view"))

#: the contract of a type change drops and renames a column on purpose
SWAP_IGNORE = [
    "# the old column's values live on, converted, in its replacement:",
    "# migcheck: ignore[MC302, MC203]",
]


@renderers.dispatch_for(ops.ReplaceColumnOp)
def _replace_column(autogen_context: AutogenContext, op: ops.ReplaceColumnOp) -> list[str]:
    return [*SWAP_IGNORE, _fields_call(autogen_context, op, "replace_column", multiline=True)]


renderers.dispatch_for(ops.RestoreKeyOp)(_multi_line("restore_key"))


@renderers.dispatch_for(ops.SwapEnumTypeOp)
def _swap_enum_type(autogen_context: AutogenContext, op: ops.SwapEnumTypeOp) -> list[str]:
    call = _fields_call(autogen_context, op, "swap_enum_type")
    return [*SWAP_IGNORE, call] if op.in_upgrade else [call]


#: the key swap also locks its tables up front, the referencing ones before the key's (the order
#: the application's writes lock them in), so that it never waits for one while holding another
KEY_SWAP_IGNORE = [
    "# the old columns' values live on, converted, in their replacements; the tables are",
    "# locked up front, referencing ones first, the order the application's writes take:",
    "# migcheck: ignore[MC302, MC203, MC119]",
]


@renderers.dispatch_for(ops.SwapKeyOp)
def _swap_key(autogen_context: AutogenContext, op: ops.SwapKeyOp) -> list[str]:
    return [*KEY_SWAP_IGNORE, _fields_call(autogen_context, op, "swap_key", multiline=True)]


@renderers.dispatch_for(ops.UnsafeChangeOp)
def _unsafe_change(autogen_context: AutogenContext, op: ops.UnsafeChangeOp) -> list[str]:
    prefix = compat.alembic_prefix(autogen_context)
    return [
        "# migcheck stopped this revision before it changes anything: read the reason below,",
        "# do what it says, then delete this line",
        f"{prefix}unsafe_change({op.reason!r})",
    ]


@renderers.dispatch_for(ops.DropRenamedColumnOp)
def _drop_renamed_column(autogen_context: AutogenContext, op: ops.DropRenamedColumnOp) -> list[str]:
    return [
        f"# the values of {op.old_name!r} live on in {op.new_name!r}:",
        "# migcheck: ignore[MC302]",
        _fields_call(autogen_context, op, "drop_renamed_column", multiline=True),
    ]


@renderers.dispatch_for(ops.RenameTableBehindViewOp)
def _rename_table_behind_view(
    autogen_context: AutogenContext, op: ops.RenameTableBehindViewOp
) -> list[str]:
    return [
        f"# a view named {op.old_name!r} keeps code that uses the old name working:",
        "# migcheck: ignore[MC202]",
        _fields_call(autogen_context, op, "rename_table_behind_view"),
    ]


@renderers.dispatch_for(ops.DropRenameViewOp)
def _drop_rename_view(autogen_context: AutogenContext, op: ops.DropRenameViewOp) -> list[str]:
    return [
        f"# the view {op.old_name!r} only served code that used the old name:",
        "# migcheck: ignore[MC301]",
        _fields_call(autogen_context, op, "drop_rename_view"),
    ]


@renderers.dispatch_for(ops.DropConstraintIfExistsOp)
def _drop_constraint_if_exists(
    autogen_context: AutogenContext, op: ops.DropConstraintIfExistsOp
) -> str:
    args = [repr(str(op.constraint_name)), repr(op.table_name)]
    if op.schema:
        args.append(f"schema={op.schema!r}")
    return f"{compat.alembic_prefix(autogen_context)}drop_constraint_if_exists({', '.join(args)})"


@renderers.dispatch_for(ops.LockTimeoutBlockOp)
def _lock_timeout_block(
    autogen_context: AutogenContext, op: ops.LockTimeoutBlockOp
) -> list[str | None]:
    if not op.ops:
        return []
    prefix = compat.alembic_prefix(autogen_context)
    lines: list[str | None] = [f"for attempt in {prefix}lock_timeout_retries():", "with attempt:"]
    for child in op.ops:
        for line in compat.render_op(autogen_context, child):
            lines.append(None if line is None else line.replace("\n", "\n" + _BLOCK_INDENT))
    # two None lines close the ``with`` and the ``for`` in Alembic's PythonPrinter
    lines.extend([None, None])
    return lines


@renderers.dispatch_for(ops.NothingToUndoOp)
def _nothing_to_undo(autogen_context: AutogenContext, op: ops.NothingToUndoOp) -> list[str]:
    return []
