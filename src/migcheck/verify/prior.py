"""The lint schema read from the live catalog: what the rules know before a revision runs.

``migcheck lint`` learns the schema from the statements it has seen. During ``migcheck verify``
the database itself is the truth: just before a revision's step runs, one query on the
migrations' own connection reads every table with its columns (type and NOT NULL), constraints
(kind, validated, columns) and indexes (key columns), and :func:`lint_schema` turns the rows
into the :class:`~migcheck.lint.schema.Schema` the rules consult. Types are built from the
catalog's internal names and type modifiers, so no SQL is parsed.
"""

from __future__ import annotations

import re
from typing import Any

from migcheck.lint.schema import ColumnState, ConstraintState, Schema, TableState
from migcheck.postgres.types import TypeRef
from migcheck.sql.extract import table_key

_USER = (
    "{n}.nspname NOT IN ('pg_catalog', 'information_schema') AND {n}.nspname NOT LIKE 'pg_toast%%'"
    " AND {n}.nspname NOT LIKE 'pg_temp%%'"
)

#: one row, one JSON document: tables, columns, constraints and indexes of the user's schemas
CATALOG_SQL = f"""
SELECT json_build_object(
  't', (SELECT json_agg(json_build_array(c.oid, n.nspname, c.relname))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND {_USER.format(n="n")}),
  'c', (SELECT json_agg(json_build_array(a.attrelid, a.attname, coalesce(e.typname, t.typname),
                                         e.oid IS NOT NULL, a.atttypmod, a.attnotnull)
                        ORDER BY a.attrelid, a.attnum)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
          AND {_USER.format(n="n")}),
  'k', (SELECT json_agg(json_build_array(k.conrelid, k.conname, k.contype::text, k.convalidated,
                        (SELECT coalesce(json_agg(a.attname ORDER BY u.ord), '[]'::json)
                         FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),
                        CASE k.contype WHEN 'c' THEN pg_get_constraintdef(k.oid) END))
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype IN ('c', 'f', 'p', 'u', 'x') AND {_USER.format(n="n")}),
  'i', (SELECT json_agg(json_build_array(i.indrelid, x.relname,
                        (SELECT coalesce(json_agg(a.attname ORDER BY u.ord), '[]'::json)
                         FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(num, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.num
                         WHERE u.ord <= i.indnkeyatts)))
        FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = x.relnamespace
        WHERE {_USER.format(n="n")})
)
"""

_KINDS = {"c": "check", "f": "foreign_key", "p": "primary_key", "u": "unique", "x": "exclude"}

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
    for oid, name, kind, validated, columns, definition in document.get("k") or ():
        table = names.get(oid)
        if table is None:
            continue
        state = schema.tables[table]
        found = _NOT_NULL_CHECK.match(definition or "")
        not_null_column = _unquote(found.group(1)) if found else None
        state.constraints[name] = ConstraintState(
            _KINDS[kind], bool(validated), tuple(columns), not_null_column
        )
        if not_null_column:
            state.not_null_checks.setdefault(not_null_column, set()).add(name)
    for oid, name, columns in document.get("i") or ():
        table = names.get(oid)
        if table is None:
            continue
        schema.tables[table].indexes.append(tuple(columns))
        schema.index_tables[name] = table
        schema.index_columns[name] = tuple(columns)
    return schema
