"""The lint schema read from the live catalog: what the rules know before a revision runs.

``migcheck lint`` learns the schema from the statements it has seen. During ``migcheck verify``
the database itself is the truth: just before a revision's step runs, one query on the
migrations' own connection (:data:`CATALOG_SQL`, with the session's ``lock_timeout``) reads the
tables with their columns (type and NOT NULL), constraints (kind, validated, columns, the
table a foreign key references), indexes (key columns) and the volatility of the user's
functions (``pg_proc.provolatile``), and :class:`PriorCatalog` turns the rows into the
:class:`~migcheck.lint.schema.Schema` the rules consult. Types are built from the catalog's
internal names and type modifiers, so no SQL is parsed.

The cost follows the step, not the schema: :class:`PriorReader` reads again only the tables the
snapshot taken after the previous step re-rendered (what PostgreSQL's event triggers saw
touched, and what depends on it), and the Schema builds a table's state only when a rule or a
statement asks for that table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from migcheck.catalog.snapshot import Executor, SnapshotTaker
from migcheck.lint.schema import ColumnState, ConstraintState, Schema, TableState
from migcheck.postgres.functions import VOLATILITY
from migcheck.postgres.types import TypeRef
from migcheck.sql.extract import table_key

_USER = (
    "{n}.nspname NOT IN ('pg_catalog', 'information_schema') AND {n}.nspname NOT LIKE 'pg_toast%%'"
    " AND {n}.nspname NOT LIKE 'pg_temp%%'"
)

#: one row: ``[[oid, schema, table, columns, constraints, indexes], ...]`` for every table of the
#: user's schemas but those in ``%(clean)s`` (an oid array literal, ``{}`` for all), and the
#: session's ``lock_timeout`` (pyformat parameters: ``%%`` is one ``%``). Per-table subqueries
#: use the catalogs' indexes, which beats scanning them when a step changed one or two tables.
CATALOG_SQL = f"""
SELECT (
  SELECT json_agg(json_build_array(
    c.oid::int8, n.nspname, c.relname,
    (SELECT json_agg(json_build_array(a.attname, coalesce(e.typname, t.typname),
                                      e.oid IS NOT NULL, a.atttypmod, a.attnotnull)
                     ORDER BY a.attnum)
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT json_agg(json_build_array(k.conname, k.contype::text, k.convalidated,
                     (SELECT array_agg(a.attname ORDER BY array_position(k.conkey, a.attnum))
                      FROM pg_attribute a
                      WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)),
                     CASE k.contype WHEN 'c' THEN pg_get_constraintdef(k.oid) END,
                     (SELECT json_build_array(rn.nspname, rc.relname)
                      FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                      WHERE rc.oid = k.confrelid AND rc.relkind IN ('r', 'p')
                        AND {_USER.format(n="rn")}))
                     ORDER BY k.oid)
     FROM pg_constraint k
     WHERE k.conrelid = c.oid AND k.contype IN ('c', 'f', 'p', 'u', 'x')),
    (SELECT json_agg(json_build_array(x.relname,
                     (SELECT array_agg(a.attname
                                       ORDER BY array_position(i.indkey::int2[], a.attnum))
                      FROM pg_attribute a
                      WHERE a.attrelid = i.indrelid
                        AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])))
                     ORDER BY i.indexrelid)
     FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
     WHERE i.indrelid = c.oid)))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND {_USER.format(n="n")}
    AND c.oid NOT IN (SELECT unnest(%(clean)s::text::oid[]))
), current_setting('lock_timeout'),
CASE WHEN %(functions)s::bool THEN (
  SELECT json_agg(json_build_array(n.nspname, p.proname, p.provolatile::text))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind = 'f' AND {_USER.format(n="n")}
) END
"""

#: :data:`CATALOG_SQL` as a pg_temp function (``%(clean)s`` and ``%(functions)s`` become its
#: arguments), created by :meth:`PriorReader.install`: PL/pgSQL keeps its plan for the session,
#: where the query sent as SQL is planned again at every step, and planning it costs about as
#: much as running it on a step's tables. It runs with the caller's search_path, as the query
#: does, so CHECK definitions read the same.
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION pg_temp.migcheck_prior(clean text, read_functions boolean,
                                                 OUT o_tables json, OUT o_lock_timeout text,
                                                 OUT o_functions json)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $migcheck$
BEGIN
  SELECT * INTO o_tables, o_lock_timeout, o_functions FROM ({
    CATALOG_SQL.replace("%(clean)s", "clean")
    .replace("%(functions)s", "read_functions")
    .replace("%%", "%")
}) q;
END
$migcheck$
"""

_FUNCTION_CALL = "SELECT * FROM pg_temp.migcheck_prior(%(clean)s, %(functions)s)"

#: least to most volatile
_VOLATILITY_ORDER = ("immutable", "stable", "volatile")

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


@dataclass(frozen=True, slots=True)
class _Rows:
    """One table as the catalog describes it: what :class:`TableState` is built from."""

    key: str
    columns: tuple[tuple[str, TypeRef, bool], ...]
    #: (name, kind, validated, columns, the column of a ``CHECK (column IS NOT NULL)``, the
    #: table a foreign key references)
    constraints: tuple[tuple[str, str, bool, tuple[str, ...], str | None, str | None], ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...]

    def state(self) -> TableState:
        """A new TableState (lint changes it as the step's statements run)."""
        state = TableState(complete=True)
        for name, type_ref, not_null in self.columns:
            state.columns[name] = ColumnState(type_ref, not_null, True)
        for name, kind, validated, columns, not_null_column, ref in self.constraints:
            state.constraints[name] = ConstraintState(
                kind, validated, columns, not_null_column, ref
            )
            if not_null_column:
                state.not_null_checks.setdefault(not_null_column, set()).add(name)
        state.indexes.extend(keys for _, keys in self.indexes)
        return state


def _rows(tables: list[list[Any]] | None) -> dict[int, _Rows]:
    """The tables :data:`CATALOG_SQL` read, by oid."""
    found: dict[int, _Rows] = {}
    for oid, namespace, relname, columns, constraints, indexes in tables or ():
        found[oid] = _Rows(
            table_key(namespace, relname),
            tuple(
                (name, type_of(type_name, bool(array), int(typmod)), bool(not_null))
                for name, type_name, array, typmod, not_null in columns or ()
            ),
            tuple(
                (
                    name,
                    _KINDS[kind],
                    bool(validated),
                    tuple(keys or ()),
                    _not_null_column(text),
                    table_key(*referenced) if kind == "f" and referenced else None,
                )
                for name, kind, validated, keys, text, referenced in constraints or ()
            ),
            tuple((name, tuple(keys or ())) for name, keys in indexes or ()),
        )
    return found


def _functions(rows: list[list[str]] | None) -> dict[str, str]:
    """Function name -> volatility; overloads share the name: the most volatile of them."""
    found: dict[str, str] = {}
    for namespace, function, volatility in rows or ():
        key = table_key(namespace, function.lower())
        level = VOLATILITY.get(volatility, "volatile")
        known = found.get(key)
        if known is None or _VOLATILITY_ORDER.index(level) > _VOLATILITY_ORDER.index(known):
            found[key] = level
    return found


def _not_null_column(definition: str | None) -> str | None:
    """The column of a ``CHECK (column IS NOT NULL)`` definition."""
    found = _NOT_NULL_CHECK.match(definition or "")
    return _unquote(found.group(1)) if found else None


class _Tables(dict[str, TableState]):
    """``Schema.tables`` whose TableStates are built when first asked for.

    A step's statements name a few tables out of possibly thousands: the others are never built.
    Every read of the mapping sees the same tables as an eagerly built dict would.
    """

    def __init__(self, rows: dict[str, _Rows]) -> None:
        super().__init__()
        self._rows = rows  # not built yet (never a key of the dict itself)

    def _build(self, key: object) -> None:
        if isinstance(key, str):
            rows = self._rows.pop(key, None)
            if rows is not None:
                super().__setitem__(key, rows.state())

    def _build_all(self) -> None:
        for key in list(self._rows):
            self._build(key)

    def __getitem__(self, key: str) -> TableState:
        self._build(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._build(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._rows or super().__contains__(key)

    def __setitem__(self, key: str, value: TableState) -> None:
        self._rows.pop(key, None)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._build(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self._build(key)
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._build(key)
        return super().setdefault(key, default)

    def __len__(self) -> int:
        return super().__len__() + len(self._rows)

    def __iter__(self) -> Iterator[str]:
        self._build_all()
        return super().__iter__()

    def keys(self) -> Any:
        self._build_all()
        return super().keys()

    def values(self) -> Any:
        self._build_all()
        return super().values()

    def items(self) -> Any:
        self._build_all()
        return super().items()

    def __eq__(self, other: object) -> bool:
        self._build_all()
        if isinstance(other, _Tables):
            other._build_all()
        return super().__eq__(other)

    __hash__ = None

    def __repr__(self) -> str:
        self._build_all()
        return super().__repr__()

    def copy(self) -> dict[str, TableState]:
        self._build_all()
        return dict(super().items())

    def popitem(self) -> tuple[str, TableState]:
        self._build_all()
        return super().popitem()

    def clear(self) -> None:
        self._rows.clear()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


class PriorCatalog:
    """The user's tables as the catalog describes them at one moment.

    ``reread`` is how many of them were read from the server this time (the others were known).
    """

    def __init__(self, tables: Iterable[_Rows] = (), reread: int = 0) -> None:
        self.reread = reread
        #: table key -> rows; index name -> table key, and -> key columns
        self.tables: dict[str, _Rows] = {}
        self.index_tables: dict[str, str] = {}
        self.index_columns: dict[str, tuple[str, ...]] = {}
        #: function name -> volatility
        self.functions: dict[str, str] = {}
        for rows in tables:
            self.add(rows)

    def add(self, rows: _Rows) -> None:
        """Take in one table."""
        self.tables[rows.key] = rows
        for name, keys in rows.indexes:
            self.index_tables[name] = rows.key
            self.index_columns[name] = keys

    def remove(self, rows: _Rows) -> None:
        """Forget one table (as it was when added)."""
        if self.tables.get(rows.key) is rows:
            del self.tables[rows.key]
        for name, _ in rows.indexes:
            if self.index_tables.get(name) == rows.key:
                del self.index_tables[name]
                del self.index_columns[name]

    def copy(self, reread: int) -> PriorCatalog:
        """A copy that later changes to this one do not reach."""
        other = PriorCatalog(reread=reread)
        other.tables = dict(self.tables)
        other.index_tables = dict(self.index_tables)
        other.index_columns = dict(self.index_columns)
        other.functions = self.functions
        return other

    def schema(self, ignore: str = "") -> Schema:
        """A new lint Schema of these tables (``ignore``: a table left out, the version table)."""
        tables = dict(self.tables)
        index_tables = dict(self.index_tables)
        index_columns = dict(self.index_columns)
        left_out = tables.pop(ignore, None)
        for name, _ in left_out.indexes if left_out is not None else ():
            if index_tables.get(name) == ignore:
                del index_tables[name]
                del index_columns[name]
        return Schema(_Tables(tables), index_tables, index_columns, dict(self.functions))


#: a table's entry in a snapshot (:attr:`~migcheck.catalog.snapshot.SnapshotTaker.tables`)
SnapshotEntry = tuple[tuple[str, ...], str]


class PriorReader:
    """Reads the prior schema before each captured step, again only for what changed.

    Given a :class:`~migcheck.catalog.snapshot.SnapshotTaker` whose last snapshot was taken since
    the last step, a table whose entry (identity and fragment) is the one it had when this reader
    last read it is taken from memory; every other table of the user's schemas (changed, new, or
    one the snapshot leaves out such as the version table) is read again, in the same round trip
    as ``lock_timeout``; the functions' volatility is read again when the snapshot's categories
    outside tables changed. Without ``snapshot`` everything is read. Since a snapshot renders
    every object a step touched (and what depends on it) and holds every fact the lint schema
    has, both ways give the same schema.
    """

    def __init__(self) -> None:
        #: oid -> (the snapshot entry when read, the rows or None: not a lint table)
        self._known: dict[int, tuple[SnapshotEntry, _Rows | None]] = {}
        #: the tables in ``_known``, kept up to date step by step
        self._catalog = PriorCatalog()
        self._other: str | None = None  # the snapshot's "other" when functions were read
        self._query = CATALOG_SQL  # or the function of install()

    def install(self, execute: Executor) -> None:
        """Create the catalog read as a function in ``execute``'s session; :meth:`read` uses it."""
        execute(FUNCTION_SQL)
        self._query = _FUNCTION_CALL

    def read(
        self, execute: Executor, taker: SnapshotTaker | None = None
    ) -> tuple[PriorCatalog, str]:
        """The catalog now, and the session's ``lock_timeout`` setting."""
        known, catalog = self._known, self._catalog
        snapshot: Mapping[int, SnapshotEntry] = {} if taker is None else taker.tables
        self._known = {}
        if taker is None:
            known, catalog = {}, PriorCatalog()
        functions = taker is None or self._other is None or taker.other != self._other
        for oid, entry in snapshot.items():
            seen = known.pop(oid, None)
            if seen is not None and (seen[0] is entry or seen[0] == entry):
                self._known[oid] = seen
            elif seen is not None and seen[1] is not None:
                catalog.remove(seen[1])
        for _, gone in known.values():  # tables dropped since
            if gone is not None:
                catalog.remove(gone)
        clean = "{" + ",".join(map(str, self._known)) + "}"
        row = execute(self._query, {"clean": clean, "functions": functions})
        if row is None:
            raise RuntimeError("the catalog query returned no row")
        fresh = _rows(row[0])
        if functions:
            catalog.functions = _functions(row[2])
            self._other = None if taker is None else taker.other
        for oid, entry in snapshot.items():
            if oid not in self._known:
                rows = fresh.get(oid)
                self._known[oid] = (entry, rows)
                if rows is not None:
                    catalog.add(rows)
        self._catalog = catalog
        now = catalog.copy(reread=len(fresh))
        for oid, rows in fresh.items():  # what no snapshot covers (the version table): every time
            if oid not in self._known:
                now.add(rows)
        return now, str(row[1])
