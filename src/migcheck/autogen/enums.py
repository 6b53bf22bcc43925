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
  if a row still holds a removed value; each column moves the way a type change does (a
  replacement column kept in step by a trigger, filled in batches, swapped in by one short
  transaction), so no table is rewritten under a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.util import PriorityDispatchResult
from sqlalchemy.exc import DBAPIError

from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import model_key, run_backfill
from migcheck.autogen.checks import primary_key, stop, stop_if_rows
from migcheck.autogen.implementations import not_null_steps
from migcheck.autogen.rewrites.add_column import default_sql
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
                    in_upgrade=True,
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


#: the columns using an enum type, with what the zero-downtime swap needs to know of each;
#: ``bound``: an index, a constraint (other than NOT NULL) or a view depends on the column
_USES = """
SELECT c.relname, a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
       EXISTS (SELECT FROM pg_depend p
               LEFT JOIN pg_constraint k
                 ON p.classid = 'pg_constraint'::regclass AND k.oid = p.objid
               WHERE p.refclassid = 'pg_class'::regclass AND p.refobjid = c.oid
                 AND p.refobjsubid = a.attnum AND coalesce(k.contype, '') <> 'n'
                 AND p.classid IN ('pg_class'::regclass, 'pg_constraint'::regclass,
                                   'pg_rewrite'::regclass)) AS bound
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.atttypid = to_regtype(:type) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
"""

_VALUES = """
SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_enum e WHERE e.enumtypid = to_regtype(:type)
"""


@dataclass
class _Column:
    """One column moved to the new type: its table, name, key, NOT NULL and default (SQL)."""

    table: str
    name: str
    key: str
    not_null: bool
    default: str | None

    @property
    def replacement(self) -> str:
        return sql.identifier_name(self.name, suffix="enum")

    @property
    def trigger(self) -> str:
        return sql.identifier_name(self.table, self.replacement, suffix="sync")


@Operations.implementation_for(ops.SwapEnumTypeOp)
def swap_enum_type(operations: Operations, operation: ops.SwapEnumTypeOp) -> None:
    """Give the type its new values without rewriting a table under a lock.

    Stops first if a row holds a removed value. Then, with the tables in use throughout: a new
    type with the new values; for each column a replacement of that type kept in step by a
    trigger, filled in paced batches (:mod:`migcheck.autogen.backfill`) and made NOT NULL
    through a validated CHECK when the column is; last one short transaction under
    lock_timeout drops the old columns, gives the replacements their names, drops the old type,
    renames the new one and sets the columns' defaults again (offline: the models' defaults).
    A rerun resumes; a column that is in an index, a constraint or a view stops it before
    anything changes, in one line.
    """
    steps = Steps(operations)
    name, schema = operation.type_name, operation.schema
    qualified = sql.qualified(name, schema)
    removed = [value for value in operation.existing if value not in operation.values]
    temporary = sql.qualified(sql.identifier_name(name, suffix="new"), schema)
    with steps.outside_transaction():
        if not steps.offline:
            current = steps.query(_VALUES, type=qualified)[0][0]
            if current == list(operation.values):
                return  # done by an earlier run
        _stop_on_removed(steps, operation, removed)
        columns = _columns(steps, operation, qualified)
        labels = ", ".join(sql.literal(value) for value in operation.values)
        create = f"CREATE TYPE {temporary} AS ENUM ({labels})"
        if steps.offline or steps.query(_VALUES, type=temporary)[0][0] is None:
            steps.transaction([create], what=f"create enum type {temporary}")
        for column in columns:
            using = f"{sql.quote(column.name)}::text::{temporary}"
            steps.transaction(
                [
                    sql.add_column(column.table, column.replacement, temporary, schema),
                    *sql.create_sync(
                        column.table, column.replacement, using, column.trigger, schema
                    ),
                ],
                what=f"enum type {name}: new column {column.table}.{column.replacement}",
            )
            run_backfill(
                steps,
                ops.BackfillOp(
                    column.table,
                    {column.replacement: sa.text(using)},
                    where=f"{sql.quote(column.replacement)} IS NULL"
                    f" AND {sql.quote(column.name)} IS NOT NULL",
                    key=column.key,
                    schema=schema,
                ),
            )
            if column.not_null:
                check = sql.identifier_name(column.table, column.replacement, suffix="not_null")
                not_null_steps(steps, column.table, column.replacement, schema, check)
        try:
            steps.transaction(_swap(operation, columns, temporary), what=f"swap enum type {name}")
        except DBAPIError as error:
            reason = "; ".join(str(error.orig).strip().splitlines())
            raise MigcheckError(
                f"migcheck: swap of enum type {qualified} failed, the old type is still in use"
                f" (every column using it must be in columns=): {reason}"
            ) from error


def _columns(steps: Steps, operation: ops.SwapEnumTypeOp, qualified: str) -> list[_Column]:
    """The columns to move, each with its table's key; stops on a column it cannot move."""
    found = []
    uses: dict[tuple[str, str], tuple[bool, str | None, bool]] = {}
    if not steps.offline:
        for row in steps.query(_USES, type=qualified):
            table, column, not_null, default, bound = tuple(row)
            uses[(str(table), str(column))] = (bool(not_null), default, bool(bound))
    for target in operation.columns:
        table, _, name = target.partition(".")
        relation = sql.qualified(table, operation.schema)
        if steps.offline:
            key = model_key(steps, table, operation.schema)
            not_null, default = _model_column(steps, table, name, operation.schema)
        else:
            key = primary_key(steps, relation)
            not_null, default, bound = uses.get((table, name), (False, None, False))
            if bound:
                stop(
                    steps,
                    f"migcheck: enum type {qualified}: {relation}.{sql.quote(name)} is in an"
                    " index, a constraint or a view, which the zero-downtime swap does not move;"
                    " drop it in an earlier revision and create it again after this one, or"
                    " move the column yourself (ALTER TABLE ... ALTER COLUMN ... TYPE ... USING"
                    " ...::text::..., which rewrites the table under ACCESS EXCLUSIVE)",
                )
        if key is None:
            raise MigcheckError(
                f"migcheck: enum type {qualified}: {relation} needs a single-column primary key"
                " to copy its column in batches (in --sql output, from the models in"
                " target_metadata)"
            )
        found.append(_Column(table, name, key, not_null, default))
    return found


def _model_column(
    steps: Steps, table: str, column: str, schema: str | None
) -> tuple[bool, str | None]:
    """Offline: NOT NULL and the server default the models (env.py's target_metadata) give."""
    target = steps.context.opts.get("target_metadata")
    name = f"{schema}.{table}" if schema else table
    for metadata in target if isinstance(target, (list, tuple)) else [target]:
        model = getattr(metadata, "tables", {}).get(name)
        if model is not None and column in model.columns:
            found = model.columns[column]
            return not found.nullable, default_sql(found)
    return False, None


def _swap(operation: ops.SwapEnumTypeOp, columns: list[_Column], temporary: str) -> list[str]:
    """The statements of the swap's one short transaction (catalog changes only).

    A default (``'basic'::customer_tier``) names the old type: it goes with the old column
    and is set again, as the same text, once the new type has the old name.
    """
    name, schema = operation.type_name, operation.schema
    statements = []
    for column in columns:
        statements += [
            *sql.drop_sync(column.table, column.trigger, schema),
            sql.drop_column(column.table, column.name, schema),
            sql.rename_column(column.table, column.replacement, column.name, schema),
        ]
    statements += [
        f"DROP TYPE {sql.qualified(name, schema)}",
        f"ALTER TYPE {temporary} RENAME TO {sql.quote(name)}",
    ]
    for column in columns:
        if column.default is not None:
            relation = sql.qualified(column.table, schema)
            statements.append(
                f"ALTER TABLE {relation} ALTER COLUMN {sql.quote(column.name)}"
                f" SET DEFAULT {column.default}"
            )
    return statements


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
