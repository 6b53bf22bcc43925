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

SNAPSHOT_CALL = "SELECT versions, snapshot FROM pg_temp.migcheck_snapshot(to_regclass(%(vt)s))"


class Executor(Protocol):
    """What :func:`install` and :func:`take` need: run SQL, return the first row."""

    def __call__(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        """Run ``sql`` with pyformat ``params`` and return its first row (None for none)."""


@cache
def function_sql() -> str:
    """The ``CREATE FUNCTION pg_temp.migcheck_snapshot`` statement."""
    return resources.files("migcheck.schema").joinpath("snapshot.sql").read_text("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """One database's schema at one moment, and the rows of its alembic version table.

    ``text`` is the canonical JSON the server produced; equality compares it (and
    ``versions``), which is exact because the server orders everything.
    """

    text: str
    versions: tuple[str, ...] = ()

    @cached_property
    def objects(self) -> Objects:
        """The parsed schema: category -> identity -> field -> value."""
        raw: dict[str, list[list[Any]] | None] = json.loads(self.text)
        parsed: Objects = {}
        for category, names in FIELDS.items():
            rows = raw.get(category) or []
            parsed[category] = {
                tuple(row[0]): dict(zip(names, row[1:], strict=True)) for row in rows
            }
        return parsed

    def same_schema(self, other: Snapshot) -> bool:
        """True when both snapshots describe the same schema (version rows aside)."""
        return self.text == other.text


def install(execute: Executor) -> None:
    """Create the snapshot function in the current session (temporary; gone on disconnect)."""
    execute(function_sql())


def take(execute: Executor, version_table: str | None = "alembic_version") -> Snapshot:
    """Snapshot the schema through ``execute`` (after :func:`install` in the same session).

    ``version_table`` is the (optionally schema-qualified, already quoted where needed) name of
    the alembic version table: it is left out of the schema and its rows are returned as
    :attr:`Snapshot.versions`.
    """
    row = execute(SNAPSHOT_CALL, {"vt": version_table})
    if row is None:
        raise RuntimeError("the snapshot function returned no row")
    versions_text, text = row
    versions = tuple(json.loads(versions_text)) if versions_text else ()
    return Snapshot(text=str(text), versions=versions)
