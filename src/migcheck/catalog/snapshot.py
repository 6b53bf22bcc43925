"""A snapshot of a database's schema, read straight from pg_catalog in one round trip.

:func:`install` creates a temporary function (``pg_temp.migcheck_snapshot``, from
``snapshot.sql``) in the session and, for targeted snapshots, the change tracking of
``touched.sql`` in the database; :func:`take` and :class:`SnapshotTaker` call it. The server
returns each table (with its columns, constraints, indexes, ...) as one JSON fragment and each
other category (types, views, functions, ...) as one more, each in a canonical order, so two
snapshots of the same schema compare equal fragment by fragment and are only parsed
(:attr:`Snapshot.objects`, :func:`differing`) where they differ and a diff is wanted.

Every object is identified by its names (schema, table, object), never by OID, and described
by the server's own ``pg_get_*def()`` text plus structured state flags (a constraint's
``validated``, an index's ``valid``) that the definitions alone would hide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any, Protocol

#: The fields of each category, in the order the SQL function returns them after the identity.
FIELDS: dict[str, tuple[str, ...]] = {
    "schema": ("comment",),
    "table": (
        "kind",
        "persistence",
        "partition_key",
        "partition_of",
        "partition_bound",
        "inherits",
        "row_security",
        "force_row_security",
        "options",
        "comment",
    ),
    "column": (
        "type",
        "notnull",
        "default",
        "generated",
        "identity",
        "collation",
        "comment",
    ),
    "constraint": (
        "on",
        "kind",
        "definition",
        "validated",
        "deferrable",
        "deferred",
        "comment",
    ),
    "index": ("table", "definition", "valid", "unique", "partial", "expression", "comment"),
    "sequence": (
        "type",
        "start",
        "increment",
        "min",
        "max",
        "cache",
        "cycle",
        "persistence",
        "owned_by",
        "comment",
    ),
    "type": (
        "kind",
        "labels",
        "base_type",
        "notnull",
        "default",
        "collation",
        "attributes",
        "subtype",
        "comment",
    ),
    "view": ("kind", "definition", "options", "populated", "comment"),
    "function": ("kind", "definition", "comment"),
    "trigger": ("definition", "enabled", "comment"),
    "event trigger": ("event", "function", "enabled", "tags"),
    "extension": ("version", "schema"),
    "policy": ("command", "permissive", "roles", "using", "with_check", "comment"),
    "rule": ("definition",),
    "statistics": ("definition",),
}

#: An object's identity: its names, outermost first, e.g. ("public", "users", "email").
Identity = tuple[str, ...]
#: category -> identity -> field -> value
Objects = dict[str, dict[Identity, dict[str, Any]]]

SNAPSHOT_CALL = (
    "SELECT versions, other_keys, other_values, tables, signature, complete"
    " FROM pg_temp.migcheck_snapshot("
    "to_regclass(%(vt)s), %(mode)s, %(also)s::oid[], %(signature)s::text)"
)


class Executor(Protocol):
    """What :func:`install` and :func:`take` need: run SQL, return the first row."""

    def __call__(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        """Run ``sql`` with pyformat ``params`` and return its first row (None for none)."""


@cache
def function_sql() -> str:
    """The ``CREATE FUNCTION pg_temp.migcheck_snapshot`` statement."""
    return resources.files("migcheck.catalog").joinpath("snapshot.sql").read_text("utf-8")


@cache
def tracking_sql() -> str:
    """The statement installing the event triggers that record what each step touched."""
    return resources.files("migcheck.catalog").joinpath("touched.sql").read_text("utf-8")


def _parse(text: str, into: Objects) -> None:
    raw: dict[str, list[list[Any]] | None] = json.loads(text)
    for category, rows in raw.items():
        names = FIELDS[category]
        target = into.setdefault(category, {})
        for row in rows or ():
            target[tuple(row[0])] = dict(zip(names, row[1:], strict=True))


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One database's schema at one moment, and the rows of its alembic version table.

    ``other`` is the JSON text of every category outside tables; ``tables`` maps each table's
    identity to its fragment (the JSON text of its own categories). Snapshots taken one after
    another share the fragments of the tables that did not change, so comparing two is mostly
    comparing references. Equality compares the schema and ``versions``.
    """

    other: str = "{}"
    tables: Mapping[Identity, str] = field(default_factory=dict)
    versions: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.same_schema(other) and self.versions == other.versions

    __hash__ = object.__hash__

    @cached_property
    def objects(self) -> Objects:
        """The parsed schema: category -> identity -> field -> value."""
        parsed: Objects = {category: {} for category in FIELDS}
        _parse(self.other, parsed)
        for fragment in self.tables.values():
            _parse(fragment, parsed)
        return parsed

    def same_schema(self, other: Snapshot) -> bool:
        """True when both snapshots describe the same schema (version rows aside)."""
        return self.other == other.other and (
            self.tables is other.tables or self.tables == other.tables
        )


def differing(before: Snapshot, after: Snapshot) -> tuple[Objects, Objects]:
    """The parsed parts of two snapshots that differ: "other" and the changed tables only.

    Everything a diff of the whole schemas would report is in there, and nothing is parsed
    twice: the cost follows the change, not the schema.
    """
    old: Objects = {category: {} for category in FIELDS}
    new: Objects = {category: {} for category in FIELDS}
    if before.other != after.other:
        _parse(before.other, old)
        _parse(after.other, new)
    a, b = before.tables, after.tables
    if a is not b:
        for identity in a.keys() | b.keys():
            one, two = a.get(identity), b.get(identity)
            if one is two or one == two:
                continue
            if one is not None:
                _parse(one, old)
            if two is not None:
                _parse(two, new)
    return old, new


class SnapshotTaker:
    """Takes snapshots in one session, rendering again only what each step touched.

    With ``targeted`` (after :func:`install` with tracking), the first snapshot, and the next
    one after :meth:`full_next`, render everything; every other renders the objects the
    database's event triggers saw touched since the previous one, and what depends on them
    (see ``snapshot.sql``), and keeps every other fragment. When a table was renamed or had a
    column renamed, a second call renders what names it elsewhere (foreign keys, views).
    Whenever the server cannot trust its log (tracking missing, disabled, or a failed
    record), it renders everything. Without ``targeted`` every snapshot is full.
    """

    def __init__(self, *, targeted: bool = True) -> None:
        self.targeted = targeted
        self._full = True
        self._tables: dict[int, tuple[Identity, str]] = {}
        self._by_identity: dict[Identity, str] = {}
        self._other = "{}"
        self._other_parts: dict[str, str] = {}  # category outside tables -> its JSON text
        self._signature: str | None = None

    @property
    def tables(self) -> Mapping[int, tuple[Identity, str]]:
        """The last snapshot's tables: oid -> (identity, fragment).

        An entry is the same object from one snapshot to the next while its table is unchanged
        (a full snapshot renders new, equal, ones).
        """
        return self._tables

    @property
    def other(self) -> str:
        """The last snapshot's categories outside tables, as JSON text."""
        return self._other

    def full_next(self) -> None:
        """Render everything in the next snapshot (for example after untracked steps)."""
        self._full = True

    def take(self, execute: Executor, version_table: str | None = "alembic_version") -> Snapshot:
        """Snapshot the schema through ``execute`` (after :func:`install` in that session).

        ``version_table`` is the (optionally schema-qualified, quoted where needed) name of the
        alembic version table: it is left out of the schema and its rows become
        :attr:`Snapshot.versions`.
        """
        if not self.targeted:
            mode = "full"
        elif self._full:
            mode = "reset"
        else:
            mode = "targeted"
        row = self._call(execute, version_table, mode, [])
        renamed = self._apply(row)
        if renamed:
            self._apply(self._call(execute, version_table, "targeted", sorted(renamed)))
        self._full = False
        versions = tuple(json.loads(row[0])) if row[0] else ()
        return Snapshot(other=self._other, tables=self._by_identity, versions=versions)

    def _call(
        self, execute: Executor, version_table: str | None, mode: str, also: list[int]
    ) -> tuple[Any, ...]:
        params = {"vt": version_table, "mode": mode, "also": also, "signature": self._signature}
        row = execute(SNAPSHOT_CALL, params)
        if row is None:
            raise RuntimeError("the snapshot function returned no row")
        return row

    def _apply(self, row: tuple[Any, ...]) -> set[int]:
        """Take in what the server rendered; return the tables whose name or a column's changed."""
        _, keys, values, tables_text, signature, complete = row
        self._signature = str(signature)
        if keys:
            parts = {} if complete else dict(self._other_parts)
            parts.update(zip(keys, values, strict=True))
            self._other_parts = parts
            self._other = _assemble(parts)
        rendered: list[tuple[int, list[str] | None, str | None]] = (
            json.loads(tables_text) if tables_text else []
        )
        if complete:
            self._tables = {}
            self._by_identity = {}
        elif not rendered:
            return set()
        previous = self._tables
        tables = dict(previous)
        by_identity = dict(self._by_identity)
        for oid, _, _ in rendered:  # first forget them all: two tables may swap names
            old = tables.pop(oid, None)
            if old is not None:
                del by_identity[old[0]]
        renamed: set[int] = set()
        for oid, names, fragment in rendered:
            if names is None or fragment is None:  # gone
                continue
            identity = tuple(names)
            tables[oid] = (identity, fragment)
            by_identity[identity] = fragment
            old = previous.get(oid)
            if old is not None and _renames(old, identity, fragment):
                renamed.add(oid)
        self._tables = tables
        self._by_identity = by_identity
        return renamed


def _assemble(parts: Mapping[str, str]) -> str:
    """The JSON text of "other" from its categories' texts, in one canonical order."""
    return "{" + ", ".join(f"{json.dumps(k)}: {parts[k]}" for k in FIELDS if k in parts) + "}"


def _renames(old: tuple[Identity, str], identity: Identity, fragment: str) -> bool:
    """True when a table's name or one of its columns' names changed (not only added/dropped)."""
    if old[0] != identity:
        return True
    if old[1] == fragment:
        return False
    before, after = _column_names(old[1]), _column_names(fragment)
    return bool(before - after) and bool(after - before)


def _column_names(fragment: str) -> set[str]:
    rows: list[list[Any]] = json.loads(fragment).get("column") or []
    return {str(row[0][-1]) for row in rows}


def install(execute: Executor, *, track: bool = False) -> None:
    """Create the snapshot function in the current session (temporary; gone on disconnect).

    With ``track``, also install the database's change tracking (``touched.sql``) unless it is
    there already; without the privilege to create event triggers nothing is installed and
    every snapshot is full.
    """
    execute(function_sql())
    if track:
        execute(tracking_sql())


def take(execute: Executor, version_table: str | None = "alembic_version") -> Snapshot:
    """One full snapshot (see :class:`SnapshotTaker` for a series of them)."""
    return SnapshotTaker(targeted=False).take(execute, version_table)
