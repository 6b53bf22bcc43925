"""A snapshot of a database's schema, read straight from pg_catalog in one round trip.

:func:`install` creates a temporary function (``pg_temp.migcheck_snapshot``, from
``snapshot.sql``) in the session; :func:`take` calls it. The server returns the whole schema as
one JSON text in a canonical order, so two snapshots of the same schema compare equal as text
and are only parsed (:attr:`Snapshot.objects`) when they differ and a diff is wanted.

Every object is identified by its names (schema, table, object), never by OID, and described
by the server's own ``pg_get_*def()`` text plus structured state flags (a constraint's
``validated``, an index's ``valid``) that the definitions alone would hide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

#: Between the parts of a snapshot's text (never found unescaped in JSON).
SEPARATOR = "\x1e"

SNAPSHOT_CALL = (
    "SELECT versions, other, tables, names, signature FROM pg_temp.migcheck_snapshot("
    "to_regclass(%(vt)s), %(touched)s::oid[], %(signature)s::text, %(own_locks)s)"
)


class Executor(Protocol):
    """What :func:`install` and :func:`take` need: run SQL, return the first row."""

    def __call__(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        """Run ``sql`` with pyformat ``params`` and return its first row (None for none)."""


@cache
def function_sql() -> str:
    """The ``CREATE FUNCTION pg_temp.migcheck_snapshot`` statement."""
    return resources.files("migcheck.catalog").joinpath("snapshot.sql").read_text("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """One database's schema at one moment, and the rows of its alembic version table.

    ``text`` is the canonical text the server produced (the categories outside tables, then one
    JSON fragment per table in name order, joined by :data:`SEPARATOR`); equality compares it
    and ``versions``, which is exact because the server orders everything.
    """

    text: str
    versions: tuple[str, ...] = ()

    @cached_property
    def objects(self) -> Objects:
        """The parsed schema: category -> identity -> field -> value."""
        parsed: Objects = {category: {} for category in FIELDS}
        for part in self.text.split(SEPARATOR):
            raw: dict[str, list[list[Any]] | None] = json.loads(part)
            for category, rows in raw.items():
                names = FIELDS[category]
                target = parsed[category]
                for row in rows or ():
                    target[tuple(row[0])] = dict(zip(names, row[1:], strict=True))
        return parsed

    def same_schema(self, other: Snapshot) -> bool:
        """True when both snapshots describe the same schema (version rows aside)."""
        return self.text == other.text


class SnapshotTaker:
    """Takes snapshots in one session, rendering again only the tables a step touched.

    ``touched`` (the OIDs the session held locks on since the previous snapshot) limits the
    tables the server renders; every other table keeps its previous fragment. Without it, on
    the first call, when a schema, type, function or sequence was renamed (which locks no
    table that names it), or when a sequence owned by a column was dropped or changed owner
    (which locks no table either), every table is rendered.
    """

    def __init__(self) -> None:
        self._fragments: dict[int, str] = {}
        self._other: str | None = None
        self._names: dict[int, str] = {}
        self._signature: str | None = None

    def take(
        self,
        execute: Executor,
        version_table: str | None = "alembic_version",
        touched: set[int] | None = None,
        *,
        own_locks: bool = False,
    ) -> Snapshot:
        """Snapshot the schema through ``execute`` (after :func:`install` in that session).

        ``version_table`` is the (optionally schema-qualified, quoted where needed) name of the
        alembic version table: it is left out of the schema and its rows become
        :attr:`Snapshot.versions`. ``own_locks`` adds the locks the session holds now (the
        uncommitted step being snapshot) to ``touched``.
        """
        partial = touched is not None and self._other is not None
        if partial:
            row = self._call(
                execute, version_table, sorted(touched or ()), self._signature, own_locks
            )
            if row[1] is None:  # nothing outside the tables changed
                row = (row[0], self._other, row[2], None, row[4])
                names = self._names
            else:
                names = _names(row[3])
                if (row[1] != self._other and _renamed(self._names, names)) or _owner_lost(
                    self._names, names, row[2]
                ):
                    row = self._call(execute, version_table, None, None, False)
        else:
            row = self._call(execute, version_table, None, None, False)
            names = _names(row[3])
        versions_text, other, tables_text, _, signature = row
        fragments: dict[int, str] = {}
        parts = [str(other)]
        for oid, _identity, fragment in json.loads(tables_text) if tables_text else ():
            if fragment is None:
                fragment = self._fragments.get(oid)
                if fragment is None:  # not held: render everything rather than guess
                    self._other = None
                    return self.take(execute, version_table, None)
            fragments[oid] = fragment
            parts.append(fragment)
        self._fragments = fragments
        self._other = str(other)
        self._names = names
        self._signature = str(signature)
        versions = tuple(json.loads(versions_text)) if versions_text else ()
        return Snapshot(text=SEPARATOR.join(parts), versions=versions)

    @staticmethod
    def _call(
        execute: Executor,
        version_table: str | None,
        touched: list[int] | None,
        signature: str | None,
        own_locks: bool,
    ) -> tuple[Any, ...]:
        params = {
            "vt": version_table,
            "touched": touched,
            "signature": signature,
            "own_locks": own_locks,
        }
        row = execute(SNAPSHOT_CALL, params)
        if row is None:
            raise RuntimeError("the snapshot function returned no row")
        return row


def _names(text: str | None) -> dict[int, str]:
    return {int(oid): str(name) for oid, name in json.loads(text or "[]")}


def _renamed(before: dict[int, str], after: dict[int, str]) -> bool:
    return any(after.get(oid, name) != name for oid, name in before.items())


def _owner_lost(before: dict[int, str], after: dict[int, str], tables_text: str | None) -> bool:
    """True when a sequence owned by a table that still exists was dropped or changed owner.

    The table's fragment lists the sequence, but neither change locks the table. (When the
    table itself is gone, so is its fragment.)
    """
    owners = {
        int(owner)
        for oid, name in before.items()
        for owner in [name.rsplit("@", 1)[-1]]
        if "@" in name and owner.isdigit() and after.get(oid) != name
    }
    if not owners:
        return False
    tables = {int(entry[0]) for entry in json.loads(tables_text or "[]")}
    return not owners.isdisjoint(tables)


def install(execute: Executor) -> None:
    """Create the snapshot function in the current session (temporary; gone on disconnect)."""
    execute(function_sql())


def take(execute: Executor, version_table: str | None = "alembic_version") -> Snapshot:
    """One full snapshot (see :class:`SnapshotTaker` for a series of them)."""
    return SnapshotTaker().take(execute, version_table)
