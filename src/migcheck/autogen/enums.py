"""Enum types: the values the models add or remove, found and applied without surprises.

Alembic does not compare the values of an existing PostgreSQL enum type, so a value added to or
removed from a model's ``sa.Enum`` gave an empty revision and no drift. :func:`compare_enums`
is an autogenerate comparator (registered by :func:`register_comparator` under a name the
default ``autogenerate_plugins=["alembic.autogenerate.*"]`` includes), so ``alembic revision
--autogenerate``, ``alembic check`` and ``migcheck verify``'s drift all see the difference:

* a value added -> ``op.add_enum_value`` (``ALTER TYPE ... ADD VALUE IF NOT EXISTS ... BEFORE /
  AFTER``, outside a transaction: instant, and idempotent); its downgrade is the type swap back;
* a value removed -> ``op.swap_enum_type``, the type-swap recipe (a new type with the model's
  values, each column moved to it, the old type dropped, the new one renamed), which first stops
  if a row still holds a removed value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.util import PriorityDispatchResult
from sqlalchemy.exc import DBAPIError

from migcheck.autogen import ops, sql
from migcheck.autogen.checks import stop_if_rows
from migcheck.autogen.runtime import Steps
from migcheck.errors import MigcheckError

#: the plugin name: inside the ``alembic.autogenerate.*`` namespace Alembic includes by default
PLUGIN_NAME = "alembic.autogenerate.migcheck_enums"

_ENUMS = """
SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
GROUP BY n.nspname, t.typname
"""


@dataclass
class ModelEnum:
    """A named enum type of the models and the columns that use it."""

    schema: str | None
    name: str
    values: list[str]
    columns: list[str] = field(default_factory=list)


def model_enums(metadata: Any) -> dict[tuple[str | None, str], ModelEnum]:
    """The named native enum types of the models, by (schema, name)."""
    found: dict[tuple[str | None, str], ModelEnum] = {}
    for meta in metadata if isinstance(metadata, (list, tuple)) else [metadata]:
        for table in meta.tables.values():
            for column in table.columns:
                kind = column.type
                if not isinstance(kind, sa.Enum) or not kind.native_enum or not kind.name:
                    continue
                schema = kind.schema or table.schema
                entry = found.setdefault(
                    (schema, kind.name), ModelEnum(schema, kind.name, list(kind.enums))
                )
                entry.columns.append(f"{table.name}.{column.name}")
    return found


def enum_ops(connection: sa.Connection, metadata: Any) -> list[Any]:
    """The operations that give the database's enum types the models' values."""
    default_schema = connection.dialect.default_schema_name
    database = {
        (None if schema == default_schema else schema, name): list(values)
        for schema, name, values in connection.execute(sa.text(_ENUMS)).all()
    }
    result: list[Any] = []
    for key, model in sorted(model_enums(metadata).items(), key=lambda i: str(i[0])):
        existing = database.get(key)
        if existing is None or existing == model.values:
            continue
        removed = [value for value in existing if value not in model.values]
        if removed:
            result.append(
                ops.SwapEnumTypeOp(
                    model.name,
                    model.values,
                    columns=model.columns,
                    existing=existing,
                    schema=model.schema,
                )
            )
            continue
        current = list(existing)
        for index, value in enumerate(model.values):
            if value in current:
                continue
            after = model.values[index - 1] if index > 0 else None
            before = model.values[index + 1] if after is None and len(model.values) > 1 else None
            result.append(
                ops.AddEnumValueOp(
                    model.name,
                    value,
                    before=before,
                    after=after,
                    schema=model.schema,
                    existing=tuple(current),
                    columns=tuple(model.columns),
                )
            )
            current.insert(current.index(after) + 1 if after else 0, value)
    return result


def compare_enums(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> PriorityDispatchResult:
    """Autogenerate comparator: enum value changes as migcheck operations (PostgreSQL only)."""
    connection = autogen_context.connection
    metadata = autogen_context.metadata
    if connection is not None and metadata is not None:
        upgrade_ops.ops.extend(enum_ops(connection, metadata))
    return PriorityDispatchResult.CONTINUE


def register_comparator() -> None:
    """Register :func:`compare_enums` as an autogenerate plugin (idempotent)."""
    from alembic.runtime.plugins import Plugin, _all_plugins

    if PLUGIN_NAME in _all_plugins:
        return
    plugin = Plugin(PLUGIN_NAME)
    plugin.add_autogenerate_comparator(compare_enums, "schema", qualifier="postgresql")


@Operations.implementation_for(ops.AddEnumValueOp)
def add_enum_value(operations: Operations, operation: ops.AddEnumValueOp) -> None:
    """ALTER TYPE ... ADD VALUE IF NOT EXISTS, outside the migration's transaction."""
    steps = Steps(operations)
    place = ""
    if operation.after is not None:
        place = f" AFTER {sql.literal(operation.after)}"
    elif operation.before is not None:
        place = f" BEFORE {sql.literal(operation.before)}"
    statement = (
        f"ALTER TYPE {sql.qualified(operation.type_name, operation.schema)} ADD VALUE IF NOT "
        f"EXISTS {sql.literal(operation.value)}{place}"
    )
    with steps.outside_transaction():
        steps.concurrently(statement, what=f"add enum value {operation.value}")


@Operations.implementation_for(ops.SwapEnumTypeOp)
def swap_enum_type(operations: Operations, operation: ops.SwapEnumTypeOp) -> None:
    """Stop if a row holds a removed value; else the type swap, in one transaction."""
    steps = Steps(operations)
    name, schema = operation.type_name, operation.schema
    qualified = sql.qualified(name, schema)
    removed = [value for value in operation.existing if value not in operation.values]
    temporary = sql.qualified(sql.identifier_name(name, suffix="new"), schema)
    labels = ", ".join(sql.literal(value) for value in operation.values)
    defaults = sql.identifier_name(name, suffix="defaults")
    statements = [
        f"CREATE TYPE {temporary} AS ENUM ({labels})",
        # the columns' defaults (e.g. 'basic'::customer_tier) cannot be cast: kept aside, then
        # set again once the new type has the old name
        f"CREATE TEMPORARY TABLE {sql.quote(defaults)} ON COMMIT DROP AS"
        " SELECT a.attrelid::regclass::text AS relation, a.attname, pg_get_expr(d.adbin,"
        " d.adrelid) AS expression FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid ="
        f" d.adrelid AND a.attnum = d.adnum WHERE a.atttypid = {sql.literal(qualified)}::regtype",
    ]
    for target in operation.columns:
        table, _, column = target.partition(".")
        alter = f"ALTER TABLE {sql.qualified(table, schema)} ALTER COLUMN {sql.quote(column)}"
        statements += [
            f"{alter} DROP DEFAULT",
            f"{alter} TYPE {temporary} USING {sql.quote(column)}::text::{temporary}",
        ]
    statements += [
        f"DROP TYPE {qualified}",
        f"ALTER TYPE {temporary} RENAME TO {sql.quote(name)}",
        "DO $migcheck$ DECLARE found record; BEGIN FOR found IN SELECT * FROM"
        f" {sql.quote(defaults)} LOOP EXECUTE 'ALTER TABLE ' || found.relation ||"
        " ' ALTER COLUMN ' || quote_ident(found.attname) || ' SET DEFAULT ' ||"
        " found.expression; END LOOP; END $migcheck$",
    ]
    with steps.outside_transaction():
        _stop_on_removed(steps, operation, removed)
        try:
            steps.transaction(statements, what=f"swap enum type {name}", brief=False)
        except DBAPIError as error:
            reason = "; ".join(str(error.orig).strip().splitlines())
            raise MigcheckError(
                f"migcheck: swap of enum type {qualified} failed, nothing changed (every column "
                f"using it must be in columns=): {reason}"
            ) from error


def _stop_on_removed(steps: Steps, operation: ops.SwapEnumTypeOp, removed: list[str]) -> None:
    if not removed:
        return
    labels = ", ".join(sql.literal(value) for value in removed)
    for target in operation.columns:
        table, _, column = target.partition(".")
        relation = sql.qualified(table, operation.schema)
        condition = f"{sql.quote(column)}::text IN ({labels})"
        message = (
            f"migcheck: removing {labels} from enum {operation.type_name} stopped before "
            f"changing anything: rows of {relation} still hold one; give them another value "
            "first (an op.backfill before this line)"
        )
        stop_if_rows(steps, relation, condition, message, "rows")
