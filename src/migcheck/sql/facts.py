"""Typed facts about one SQL statement: what the rules read instead of SQL text or parse trees."""

from __future__ import annotations

from dataclasses import dataclass

from migcheck.sql.locks import Lock
from migcheck.sql.types import TypeRef

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~9 ms)
if TYPE_CHECKING:
    from typing import Any


@dataclass(slots=True)
class Expr:
    """An expression's volatility as far as it matters for defaults and backfills.

    ``volatile`` is True when it calls a known volatile function (random(), gen_random_uuid(),
    clock_timestamp(), nextval(), …); ``unknown_calls`` lists functions migcheck cannot classify
    (user functions are VOLATILE unless declared otherwise).
    """

    volatile: bool = False
    unknown_calls: tuple[str, ...] = ()
    is_null: bool = False


@dataclass(slots=True)
class Constraint:
    """A table constraint (inline on a column or table-level)."""

    kind: str  # check, foreign_key, unique, primary_key, exclude, not_null
    name: str | None = None
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    #: for ``CHECK (col IS NOT NULL)``: the column it proves non-null
    not_null_column: str | None = None


@dataclass(slots=True)
class ColumnDef:
    """A column definition in CREATE TABLE or ADD COLUMN."""

    name: str
    type: TypeRef | None = None
    not_null: bool = False
    primary_key: bool = False
    default: Expr | None = None
    generated_stored: bool = False
    identity: bool = False
    constraints: tuple[Constraint, ...] = ()

    @property
    def serial(self) -> bool:
        """True for serial, bigserial and smallserial columns."""
        return self.type is not None and self.type.name in {"serial", "bigserial", "smallserial"}


@dataclass(slots=True)
class Action:
    """One subcommand of ALTER TABLE, with the lock it takes on the table."""

    kind: str
    lock: Lock
    column: str | None = None
    column_def: ColumnDef | None = None
    constraint: Constraint | None = None
    type: TypeRef | None = None
    using: bool = False
    name: str | None = None
    concurrently: bool = False
    default: Expr | None = None
    if_exists: bool = False


@dataclass(slots=True)
class Statement:
    """Facts about one statement, with where it came from.

    ``kind`` is one of: create_table, alter_table, create_index, drop_index, drop_table, drop,
    rename, reindex, vacuum, cluster, lock, truncate, update, delete, insert, select, set,
    begin, commit, rollback, alter_enum, rename_enum_value, create_type, create_domain,
    alter_domain, create_view, create_matview, refresh, drop_database, create_schema, set_schema,
    create_function, create_trigger, do, error, other (and, from Alembic revisions: schema_hint,
    Alembic's existing_type; render_error, a revision that cannot be rendered offline;
    unnamed_constraint_drop, ``op.drop_constraint(None, …)``).
    """

    kind: str
    text: str = ""
    path: str = ""
    line: int = 1
    column: int = 1
    end_line: int = 1
    revision: str | None = None
    #: the target table (``schema.name``; ``public.`` dropped)
    table: str | None = None
    #: every table the statement names as its target (DROP/TRUNCATE/LOCK of several)
    tables: tuple[str, ...] = ()
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    actions: tuple[Action, ...] = ()
    index_name: str | None = None
    index_columns: tuple[str, ...] = ()
    unique: bool = False
    concurrently: bool = False
    #: ``ON ONLY`` a partitioned table: no rows are indexed (the partitioned-table recipe)
    only: bool = False
    if_exists: bool = False
    if_not_exists: bool = False
    object_type: str = ""
    old_name: str | None = None
    new_name: str | None = None
    lock_mode: Lock = Lock.NONE
    setting: str | None = None
    setting_value: str | None = None
    setting_local: bool = False
    full: bool = False
    has_where: bool = False
    #: UPDATE/DELETE whose WHERE bounds a key range or a LIMITed subquery (a batch)
    batched: bool = False
    #: UPDATE/DELETE of rows picked by key (``id = 1``, ``id IN (1, 2)``)
    by_key: bool = False
    #: reads tables: INSERT … SELECT … FROM, or a SELECT … FROM
    has_from_select: bool = False
    #: DROP … CASCADE: dependent objects go too
    cascade: bool = False
    #: the type a statement is about: an enum (CREATE TYPE, ALTER TYPE) or a domain
    enum_type: str | None = None
    enum_value: str | None = None
    error: str | None = None
    #: render_error, unnamed_constraint_drop: the revision function whose op failed
    function: str | None = None
    partition_of: str | None = None
    #: locks taken: (table, level)
    locks: tuple[tuple[str, Lock], ...] = ()
    #: the statement cannot run inside a transaction block
    no_transaction: bool = False
    #: emitted by Alembic itself (alembic_version bookkeeping): never reported
    internal: bool = False
    #: run from inside a DO block (atomic, like a transaction of its own)
    nested: bool = False
    #: DO block: ``(line, message)`` of each ``RAISE EXCEPTION`` with a literal message
    raises: tuple[tuple[int, str], ...] = ()

    def __getstate__(self) -> tuple[Any, ...]:
        """The fields as a tuple (pickles faster than the default mapping of slot names)."""
        return tuple([getattr(self, name) for name in _PICKLED])

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_PICKLED, state, strict=True):
            setattr(self, name, value)


#: the fields of a pickled Statement
_PICKLED = tuple(Statement.__slots__)
