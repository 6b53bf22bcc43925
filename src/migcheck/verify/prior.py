"""The lint schema read from the live catalog: what the rules know before a revision runs.

``migcheck lint`` learns the schema from the statements it has seen. During ``migcheck verify``
the database itself is the truth: just before a revision's step runs, one query on the
migrations' own connection reads every table with its columns (type and NOT NULL), constraints
(kind, validated, columns, the table a foreign key references), indexes (key columns) and the
volatility of the user's functions (``pg_proc.provolatile``), and :func:`lint_schema` turns the rows
into the :class:`~migcheck.lint.schema.Schema` the rules consult. Types are built from the
catalog's internal names and type modifiers, so no SQL is parsed.
"""

from __future__ import annotations

import re
from typing import Any

from migcheck.lint.schema import ColumnState, ConstraintState, Schema, TableState
from migcheck.postgres.functions import VOLATILITY
from migcheck.postgres.types import TypeRef
from migcheck.sql.extract import table_key

_USER = (
    "{n}.nspname NOT IN ('pg_catalog', 'information_schema') AND {n}.nspname NOT LIKE 'pg_toast%%'"
    " AND {n}.nspname NOT LIKE 'pg_temp%%'"
)

#: one row, one JSON document: tables, columns, constraints and indexes of the user's schemas
CATALOG_SQL = f"""
WITH rel AS MATERIALIZED (
  SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND {_USER.format(n="n")}
)
SELECT json_build_object(
  't', (SELECT json_agg(json_build_array(oid, nspname, relname)) FROM rel),
  'c', (SELECT json_agg(json_build_array(a.attrelid, a.attname, coalesce(e.typname, t.typname),
                                         e.oid IS NOT NULL, a.atttypmod, a.attnotnull)
                        ORDER BY a.attrelid, a.attnum)
        FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        WHERE a.attnum > 0 AND NOT a.attisdropped),
  'k', (SELECT json_agg(json_build_array(k.conrelid, k.conname, k.contype::text, k.convalidated,
                        (SELECT array_agg(a.attname ORDER BY array_position(k.conkey, a.attnum))
                         FROM pg_attribute a
                         WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)),
                        CASE k.contype WHEN 'c' THEN pg_get_constraintdef(k.oid) END,
                        k.confrelid))
        FROM rel JOIN pg_constraint k ON k.conrelid = rel.oid
        WHERE k.contype IN ('c', 'f', 'p', 'u', 'x')),
  'f', (SELECT json_agg(json_build_array(n.nspname, p.proname, p.provolatile::text))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind = 'f' AND {_USER.format(n="n")}),
  'i', (SELECT json_agg(json_build_array(i.indrelid, x.relname,
                        (SELECT array_agg(a.attname
                                          ORDER BY array_position(i.indkey::int2[], a.attnum))
                         FROM pg_attribute a
                         WHERE a.attrelid = i.indrelid
                           AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))))
        FROM rel JOIN pg_index i ON i.indrelid = rel.oid JOIN pg_class x ON x.oid = i.indexrelid)
)
"""

_KINDS = {"c": "check", "f": "foreign_key", "p": "primary_key", "u": "unique", "x": "exclude"}

#: least to most volatile
_VOLATILITY_ORDER = ("immutable", "stable", "volatile")

#: ``CHECK ((email IS NOT NULL))`` as pg_get_constraintdef writes a not-null check
_NOT_NULL_CHECK = re.compile(r'^CHECK \(\(("(?:[^"]|"")+"|[^\s()]+) IS NOT NULL\)\)')

#: types whose modifier is a length or precision as written (``varchar(20)`` is 24 inside)
_LENGTH_MINUS_HEADER = frozenset({"varchar", "bpchar"})
_PRECISION = frozenset({"timestamp", "timestamptz", "time", "timetz", "bit", "varbit"})


def type_of(name: str, array: bool, typmod: int) -> TypeRef:
    """The TypeRef of a column from its type's internal name and ``atttypmod``."""
    mods: tuple[int, ...] = ()
    if typmod >= 0:
        if name in _LENGTH_MINUS_HEADER:
            mods = (typmod - 4,)
        elif name == "numeric":
            mods = ((typmod - 4) >> 16, (typmod - 4) & 0xFFFF)
        elif name in _PRECISION:
            mods = (typmod,)
    return TypeRef.of(name, mods, array)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def lint_schema(document: dict[str, Any] | None, ignore: str = "") -> Schema:
    """Build the lint schema from :data:`CATALOG_SQL`'s document (``ignore``: a table left out)."""
    schema = Schema()
    if not document:
        return schema
    names: dict[int, str] = {}
    for oid, namespace, relname in document.get("t") or ():
        key = table_key(namespace, relname)
        if key != ignore:
            names[oid] = key
            schema.tables[key] = TableState(complete=True)
    for oid, column, type_name, array, typmod, not_null in document.get("c") or ():
        table = names.get(oid)
        if table is not None:
            schema.tables[table].columns[column] = ColumnState(
                type_of(type_name, bool(array), int(typmod)), bool(not_null), True
            )
    for oid, name, kind, validated, columns, definition, referenced in document.get("k") or ():
        table = names.get(oid)
        if table is None:
            continue
        state = schema.tables[table]
        found = _NOT_NULL_CHECK.match(definition or "")
        not_null_column = _unquote(found.group(1)) if found else None
        state.constraints[name] = ConstraintState(
            _KINDS[kind],
            bool(validated),
            tuple(columns or ()),
            not_null_column,
            names.get(referenced) if kind == "f" else None,
        )
        if not_null_column:
            state.not_null_checks.setdefault(not_null_column, set()).add(name)
    for namespace, function, volatility in document.get("f") or ():
        # overloads share the name: a call may reach the most volatile of them
        key = table_key(namespace, function.lower())
        level = VOLATILITY.get(volatility, "volatile")
        known = schema.functions.get(key)
        if known is None or _VOLATILITY_ORDER.index(level) > _VOLATILITY_ORDER.index(known):
            schema.functions[key] = level
    for oid, name, columns in document.get("i") or ():
        table = names.get(oid)
        if table is None:
            continue
        keys = tuple(columns or ())
        schema.tables[table].indexes.append(keys)
        schema.index_tables[name] = table
        schema.index_columns[name] = keys
    return schema
