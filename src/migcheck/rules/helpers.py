"""Helpers the rules share: quoting names for messages, naming constraints, reading columns.

Rules import only :mod:`migcheck.rules.base`, this module, :mod:`migcheck.sql`,
:mod:`migcheck.postgres` and :mod:`migcheck.lint.schema`; never another rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from migcheck.lint.schema import Context
from migcheck.postgres.identifiers import RESERVED
from migcheck.postgres.naming import default_constraint_name
from migcheck.postgres.types import TypeRef
from migcheck.sql.facts import Constraint, Kind, TableChange

#: statement kinds that can take a table lock (the others never need lock_timeout)
LOCKING_KINDS = (
    Kind.CREATE_TABLE,
    Kind.ALTER_TABLE,
    Kind.CREATE_INDEX,
    Kind.DROP_INDEX,
    Kind.DROP_TABLE,
    Kind.DROP,
    Kind.CREATE_TRIGGER,
    Kind.RENAME,
    Kind.SET_SCHEMA,
    Kind.REFRESH,
    Kind.REINDEX,
    Kind.VACUUM,
    Kind.CLUSTER,
    Kind.LOCK,
    Kind.TRUNCATE,
)


@lru_cache(maxsize=4096)
def qi(name: str | None) -> str:
    """Quote an identifier for messages and suggested SQL when it needs quoting."""
    if not name:
        return "?"
    if name.isidentifier() and name.isascii() and name.islower() and name not in RESERVED:
        return name  # the common case, without splitting
    parts = name.split(".")
    out = []
    for part in parts:
        simple = part.replace("_", "a").isalnum() and part == part.lower() and not part[0].isdigit()
        plain = simple and part.isascii() and part not in RESERVED
        out.append(part if plain else '"' + part.replace('"', '""') + '"')
    return ".".join(out)


def constraint_label(table: str, con: Constraint) -> tuple[str, str]:
    """How messages name a constraint: (words for the message, name for suggested SQL).

    A named constraint is its quoted name in both. An unnamed one reads
    ``package_revision_id_fkey (unnamed; PostgreSQL's default name)``; when the default cannot
    be told (a table-level CHECK), the message says ``(unnamed)`` and the SQL shows ``<name>``.
    """
    if con.name:
        return qi(con.name), qi(con.name)
    default = default_constraint_name(table, con.kind, con.columns)
    if default is None:
        return "(unnamed)", "<name>"
    return f"{qi(default)} (unnamed; PostgreSQL's default name)", qi(default)


def column_types(s: TableChange) -> Iterator[tuple[str, TypeRef]]:
    """Every (column, type) the statement declares."""
    for col in s.columns:
        if col.type is not None:
            yield col.name, col.type
    for a in s.actions:
        if a.column_def is not None and a.column_def.type is not None:
            yield a.column_def.name, a.column_def.type
        elif a.kind == "alter_type" and a.type is not None and a.column:
            yield a.column, a.type


def lock_place(ctx: Context, table: str) -> str:
    """A locked table for messages: quoted, or "the table of index X" when only the index is known.

    DROP INDEX locks the index's table; when the schema does not know which table that is, the
    index stands for it in :meth:`Context.locks_of` and the message says so.
    """
    if ctx.unknown_table_of(table):
        return f"the table of index {qi(table)}"
    return qi(table)
