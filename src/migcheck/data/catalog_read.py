"""What seeding needs to know about the live database's tables, read from pg_catalog.

One round trip per kind of fact (tables, columns, constraints, unique indexes, partitions):
tables and partitioned tables outside the system schemas and not owned by an extension. A leaf
partition is not a table of its own here: rows reach it through its partitioned parent, whose
:attr:`Table.partition_filter` says which rows some partition accepts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import psycopg

from migcheck.postgres.types import TypeRef, typmod_mods

_TABLES_SQL = """
SELECT c.oid::int, n.nspname, c.relname, c.relkind = 'p'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

# The column's type, with arrays looked through to their element and a domain to its base:
# ``cast_*`` name what a value is cast to (the domain itself, so its checks apply), ``base_*``
# what values are generated for.
_COLUMNS_SQL = """
SELECT a.attrelid::int, a.attnum, a.attname, a.attnotnull, a.attidentity <> '',
       a.attgenerated <> '', pg_get_expr(d.adbin, d.adrelid),
       t.typcategory = 'A',
       ct.typnamespace::regnamespace::text, ct.typname,
       bt.typname, bt.typtype, bt.typcategory,
       CASE WHEN ct.typtype = 'd' THEN ct.typtypmod ELSE a.atttypmod END,
       CASE WHEN bt.typtype = 'e' THEN ARRAY(
           SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid
           ORDER BY e.enumsortorder) END,
       format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type ct ON ct.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
JOIN pg_type bt ON bt.oid = CASE WHEN ct.typtype = 'd' THEN ct.typbasetype ELSE ct.oid END
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS_SQL = """
SELECT con.conrelid::int, con.conname, con.contype, con.conkey::int[],
       con.confrelid::int, fn.nspname, fc.relname, con.confkey::int[],
       pg_get_constraintdef(con.oid)
FROM pg_constraint con
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.conrelid = ANY(%s) AND con.contype IN ('f', 'c')
ORDER BY con.conrelid, con.conname
"""

_UNIQUE_SQL = """
SELECT i.indrelid::int, ic.relname, i.indkey::int[]
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY(%s) AND i.indisunique
ORDER BY i.indrelid, ic.relname
"""

_PARTITIONS_SQL = """
SELECT p.oid::int,
       (SELECT count(*) FROM pg_partition_tree(p.oid) t WHERE t.isleaf)::int,
       (SELECT bool_or(pg_get_expr(l.relpartbound, l.oid) = 'DEFAULT')
        FROM pg_partition_tree(p.oid) t JOIN pg_class l ON l.oid = t.relid),
       ARRAY(SELECT pg_get_partition_constraintdef(t.relid)
             FROM pg_partition_tree(p.oid) t WHERE t.isleaf ORDER BY t.relid::regclass::text),
       ARRAY(SELECT DISTINCT a.attname::text FROM pg_partitioned_table pt
             JOIN pg_partition_tree(p.oid) t ON pt.partrelid = t.relid
             JOIN pg_attribute a ON a.attrelid = p.oid AND a.attnum = ANY(pt.partattrs))
FROM pg_class p WHERE p.oid = ANY(%s)
"""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its type (element type for arrays, base type for domains) and defaults."""

    name: str
    type: TypeRef  # canonical base type, with modifiers; ``array`` when an array column
    category: str  # pg_type.typcategory of the base type (S string, N numeric, …)
    cast_schema: str  # the type values are cast to: the column's own (element) type
    cast_name: str
    display: str  # format_type(): the type as PostgreSQL spells it
    not_null: bool
    default: str | None
    identity: bool
    generated: bool
    enum_labels: tuple[str, ...] = ()

    @property
    def sequence_default(self) -> bool:
        """Identity, serial or another ``nextval()`` default: the server numbers the rows."""
        return self.identity or (self.default or "").startswith("nextval(")


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """A foreign key: local columns → the parent table's columns."""

    name: str
    columns: tuple[str, ...]
    parent: str  # qualified name, as :attr:`Table.name`
    parent_schema: str
    parent_table: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Check:
    """A CHECK constraint: its name, the columns it reads and its definition."""

    name: str
    columns: tuple[str, ...]
    definition: str  # pg_get_constraintdef(): ``CHECK ((price >= (0)::numeric))``

    @property
    def expression(self) -> str:
        """The boolean expression inside ``CHECK (…)``, without ``NOT VALID``."""
        text = self.definition.removesuffix(" NOT VALID")
        return text[len("CHECK (") : -1] if text.startswith("CHECK (") else text


@dataclass(frozen=True, slots=True)
class Partitioning:
    """A partitioned table's leaves: how many, whether one is DEFAULT, what each accepts."""

    leaves: int
    has_default: bool
    leaf_constraints: tuple[str, ...]
    key_columns: tuple[str, ...]


@dataclass(slots=True)
class Table:
    """A table seeding may fill, with what constrains its rows."""

    oid: int
    schema: str
    table: str
    columns: list[Column] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    unique: list[tuple[str, ...]] = field(default_factory=list)  # columns of unique indexes
    partitioning: Partitioning | None = None

    @property
    def name(self) -> str:
        """``table`` in the public schema, ``schema.table`` elsewhere."""
        return qualified(self.schema, self.table)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(column for column in self.columns if column.name == name)


def qualified(schema: str, table: str) -> str:
    """How tables are named in reports and in ``rows``: ``public`` goes without saying."""
    return table if schema == "public" else f"{schema}.{table}"


def read_tables(connection: psycopg.Connection[Any], exclude: Collection[str] = ()) -> list[Table]:
    """Every user table of the connected database, by name, without those named in ``exclude``."""
    rows = [
        row
        for row in connection.execute(_TABLES_SQL).fetchall()
        if qualified(row[1], row[2]) not in exclude
    ]
    tables = [Table(oid=oid, schema=schema, table=name) for oid, schema, name, _ in rows]
    partitioned = [row[0] for row in rows if row[3]]
    by_oid = {table.oid: table for table in tables}
    oids = list(by_oid)
    names: dict[tuple[int, int], str] = {}
    for row in connection.execute(_COLUMNS_SQL, (oids,)).fetchall():
        (oid, attnum, name, not_null, identity, generated, default, array) = row[:8]
        cast_schema, cast_name, base, typtype, category, typmod, labels, display = row[8:]
        canonical = TypeRef.of(base).name
        by_oid[oid].columns.append(
            Column(
                name=name,
                type=TypeRef.of(canonical, typmod_mods(canonical, typmod), array),
                category="E" if typtype == "e" else category,
                cast_schema=cast_schema,
                cast_name=cast_name,
                display=display,
                not_null=not_null,
                default=default,
                identity=identity,
                generated=generated,
                enum_labels=tuple(labels or ()),
            )
        )
        names[oid, attnum] = name
    for row in connection.execute(_CONSTRAINTS_SQL, (oids,)).fetchall():
        oid, name, kind, conkey, parent_oid, parent_schema, parent_table, confkey, definition = row
        table = by_oid[oid]
        columns = tuple(names[oid, number] for number in conkey or ())
        if kind == "c":
            table.checks.append(Check(name, columns, definition))
            continue
        parent_columns = _column_names(connection, parent_oid, confkey, names)
        table.foreign_keys.append(
            ForeignKey(
                name=name,
                columns=columns,
                parent=qualified(parent_schema, parent_table),
                parent_schema=parent_schema,
                parent_table=parent_table,
                parent_columns=parent_columns,
            )
        )
    for oid, _, indkey in connection.execute(_UNIQUE_SQL, (oids,)).fetchall():
        by_oid[oid].unique.append(tuple(names[oid, n] if n else "" for n in indkey))
    if partitioned:
        for oid, leaves, has_default, constraints, keys in connection.execute(
            _PARTITIONS_SQL, (partitioned,)
        ).fetchall():
            by_oid[oid].partitioning = Partitioning(
                leaves, bool(has_default), tuple(constraints), tuple(keys)
            )
    return tables


def _column_names(
    connection: psycopg.Connection[Any],
    oid: int,
    numbers: list[int],
    known: dict[tuple[int, int], str],
) -> tuple[str, ...]:
    """Column names of ``oid`` by number (a parent outside the seeded tables is looked up)."""
    missing = [n for n in numbers if (oid, n) not in known]
    if missing:
        rows = connection.execute(
            "SELECT attnum, attname FROM pg_attribute WHERE attrelid = %s AND attnum = ANY(%s)",
            (oid, missing),
        ).fetchall()
        known.update({(oid, attnum): name for attnum, name in rows})
    return tuple(known[oid, n] for n in numbers)
