"""Model drift: Alembic's comparison of ``target_metadata`` with the database at head."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from migcheck.verify.results import Drift


def check_drift(context: MigrationContext) -> list[Drift] | None:
    """Compare env.py's ``target_metadata`` with the database; None when env.py has none.

    Runs with env.py's own ``configure()`` options (include_object, include_schemas,
    compare_type, ...), exactly as ``alembic check`` would.
    """
    metadata = context.opts.get("target_metadata")
    if metadata is None or (isinstance(metadata, (list, tuple)) and not metadata):
        return None
    return [describe_diff(item) for item in _flatten(compare_metadata(context, metadata))]


def _flatten(items: Iterable[Any]) -> Iterable[tuple[Any, ...]]:
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield tuple(item)


def _table_name(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _object(obj: Any) -> str:
    name = getattr(obj, "name", None) or "(unnamed)"
    table = getattr(obj, "table", None)
    kind = type(obj).__name__
    label = {
        "Index": "index",
        "UniqueConstraint": "unique constraint",
        "ForeignKeyConstraint": "foreign key",
        "CheckConstraint": "check constraint",
        "PrimaryKeyConstraint": "primary key",
        "Table": "table",
    }.get(kind, kind)
    if kind == "Table":
        return f"table {_table_name(getattr(obj, 'schema', None), str(name))}"
    if table is not None:
        return f"{label} {name} on {_table_name(table.schema, table.name)}"
    return f"{label} {name}"


_MODIFY: dict[str, tuple[str, Callable[[Any], str]]] = {
    "modify_nullable": ("", lambda v: "nullable" if v else "NOT NULL"),
    "modify_type": ("type ", str),
    "modify_default": ("default ", lambda v: "none" if v is None else str(getattr(v, "arg", v))),
    "modify_comment": ("comment ", repr),
}


#: The diff tuples of alembic-postgresql-enum (a comparator plugin env.py files import):
#: ``(kind, name, schema, values)`` for a whole enum type, ``(kind, old values, new values,
#: columns)`` for its labels.
_ENUM_TYPE_SIDES = {
    "create_enum": "in the models but not in the database",
    "drop_enum": "in the database but not in the models",
}
_ENUM_LABEL_KINDS = ("change_enum_variants", "add_enum_value")


def _labels(values: Any) -> str:
    return "(" + ", ".join(repr(str(value)) for value in values) + ")"


def describe_diff(item: tuple[Any, ...]) -> Drift:
    """One readable line for one of Alembic's diff tuples (or a known plugin's)."""
    kind = str(item[0])
    if kind in _ENUM_TYPE_SIDES and len(item) == 4:
        _, name, schema, values = item
        name = _table_name(schema, str(name))
        return Drift(kind, f"enum type {name} {_labels(values)} is {_ENUM_TYPE_SIDES[kind]}")
    if kind in _ENUM_LABEL_KINDS and len(item) == 4:
        _, old, new, _columns = item
        message = f"enum labels {_labels(old)} in the database, {_labels(new)} in the models"
        return Drift(kind, message)
    if kind in _MODIFY:
        _, schema, table, column, _existing, old, new = item[:7]
        prefix, show = _MODIFY[kind]
        where = f"column {_table_name(schema, table)}.{column}"
        message = f"{where}: {prefix}{show(old)} in the database, {prefix}{show(new)} in the models"
        return Drift(kind, message)
    if kind in ("add_column", "remove_column"):
        _, schema, table, column = item[:4]
        what = f"column {_table_name(schema, table)}.{column.name}"
    elif kind in ("add_table_comment", "remove_table_comment"):
        what = f"the comment on {_object(item[1])}"
    else:
        what = _object(item[1]) if len(item) > 1 else kind
    if kind.startswith("add_"):
        return Drift(kind, f"{what} is in the models but not in the database")
    if kind.startswith("remove_"):
        return Drift(kind, f"{what} is in the database but not in the models")
    return Drift(kind, f"{kind}: {', '.join(str(part) for part in item[1:])}")
