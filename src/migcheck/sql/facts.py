"""Typed facts about one SQL statement: what the rules read instead of SQL text or parse trees."""

from __future__ import annotations

from migcheck.postgres.locks import Lock
from migcheck.postgres.types import TypeRef
from migcheck.record import Record


class Expr(Record):
    """An expression's volatility as far as it matters for defaults and backfills.

    ``volatile`` is True when it calls a known volatile function (random(), gen_random_uuid(),
    clock_timestamp(), nextval(), …); ``unknown_calls`` lists functions migcheck cannot classify
    (user functions are VOLATILE unless declared otherwise).
    """

    __slots__ = ("volatile", "unknown_calls", "is_null")

    volatile: bool
    unknown_calls: tuple[str, ...]
    is_null: bool

    def __init__(
        self,
        volatile: bool = False,
        unknown_calls: tuple[str, ...] = (),
        is_null: bool = False,
    ) -> None:
        self.volatile = volatile
        self.unknown_calls = unknown_calls
        self.is_null = is_null


class Constraint(Record):
    """A table constraint (inline on a column or table-level)."""

    __slots__ = (
        "kind",
        "name",
        "columns",
        "not_valid",
        "using_index",
        "ref_table",
        "ref_columns",
        "not_null_column",
    )

    kind: str
    name: str | None
    columns: tuple[str, ...]
    not_valid: bool
    using_index: str | None
    ref_table: str | None
    ref_columns: tuple[str, ...]
    #: for ``CHECK (col IS NOT NULL)``: the column it proves non-null
    not_null_column: str | None

    def __init__(
        self,
        kind: str,
        name: str | None = None,
        columns: tuple[str, ...] = (),
        not_valid: bool = False,
        using_index: str | None = None,
        ref_table: str | None = None,
        ref_columns: tuple[str, ...] = (),
        not_null_column: str | None = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self.columns = columns
        self.not_valid = not_valid
        self.using_index = using_index
        self.ref_table = ref_table
        self.ref_columns = ref_columns
        self.not_null_column = not_null_column


class ColumnDef(Record):
    """A column definition in CREATE TABLE or ADD COLUMN."""

    __slots__ = (
        "name",
        "type",
        "not_null",
        "primary_key",
        "default",
        "generated_stored",
        "identity",
        "constraints",
    )

    name: str
    type: TypeRef | None
    not_null: bool
    primary_key: bool
    default: Expr | None
    generated_stored: bool
    identity: bool
    constraints: tuple[Constraint, ...]

    def __init__(
        self,
        name: str,
        type: TypeRef | None = None,
        not_null: bool = False,
        primary_key: bool = False,
        default: Expr | None = None,
        generated_stored: bool = False,
        identity: bool = False,
        constraints: tuple[Constraint, ...] = (),
    ) -> None:
        self.name = name
        self.type = type
        self.not_null = not_null
        self.primary_key = primary_key
        self.default = default
        self.generated_stored = generated_stored
        self.identity = identity
        self.constraints = constraints

    @property
    def serial(self) -> bool:
        """True for serial, bigserial and smallserial columns."""
        return self.type is not None and self.type.name in {"serial", "bigserial", "smallserial"}


class Action(Record):
    """One subcommand of ALTER TABLE, with the lock it takes on the table."""

    __slots__ = (
        "kind",
        "lock",
        "column",
        "column_def",
        "constraint",
        "type",
        "using",
        "name",
        "concurrently",
        "default",
        "if_exists",
    )

    kind: str
    lock: Lock
    column: str | None
    column_def: ColumnDef | None
    constraint: Constraint | None
    type: TypeRef | None
    using: bool
    name: str | None
    concurrently: bool
    default: Expr | None
    if_exists: bool

    def __init__(
        self,
        kind: str,
        lock: Lock,
        column: str | None = None,
        column_def: ColumnDef | None = None,
        constraint: Constraint | None = None,
        type: TypeRef | None = None,
        using: bool = False,
        name: str | None = None,
        concurrently: bool = False,
        default: Expr | None = None,
        if_exists: bool = False,
    ) -> None:
        self.kind = kind
        self.lock = lock
        self.column = column
        self.column_def = column_def
        self.constraint = constraint
        self.type = type
        self.using = using
        self.name = name
        self.concurrently = concurrently
        self.default = default
        self.if_exists = if_exists


class Statement(Record):
    """Facts about one statement, with where it came from.

    ``kind`` is one of: create_table, alter_table, create_index, drop_index, drop_table, drop,
    rename, reindex, vacuum, cluster, lock, truncate, update, delete, insert, select, set,
    begin, commit, rollback, alter_enum, rename_enum_value, create_type, create_domain,
    alter_domain, create_view, create_matview, refresh, drop_database, create_schema, set_schema,
    create_function, create_trigger, do, error, other (and, from Alembic revisions: schema_hint,
    Alembic's existing_type; render_error, a revision that cannot be rendered offline;
    unnamed_constraint_drop, ``op.drop_constraint(None, …)``).
    """

    __slots__ = (
        "kind",
        "text",
        "path",
        "line",
        "column",
        "end_line",
        "revision",
        "table",
        "tables",
        "columns",
        "constraints",
        "actions",
        "index_name",
        "index_columns",
        "unique",
        "concurrently",
        "only",
        "if_exists",
        "if_not_exists",
        "object_type",
        "old_name",
        "new_name",
        "lock_mode",
        "setting",
        "setting_value",
        "setting_local",
        "full",
        "has_where",
        "batched",
        "by_key",
        "has_from_select",
        "cascade",
        "enum_type",
        "enum_value",
        "error",
        "function",
        "partition_of",
        "locks",
        "no_transaction",
        "internal",
        "nested",
        "raises",
    )

    kind: str
    text: str
    path: str
    line: int
    column: int
    end_line: int
    revision: str | None
    #: the target table (``schema.name``; ``public.`` dropped)
    table: str | None
    #: every table the statement names as its target (DROP/TRUNCATE/LOCK of several)
    tables: tuple[str, ...]
    columns: tuple[ColumnDef, ...]
    constraints: tuple[Constraint, ...]
    actions: tuple[Action, ...]
    index_name: str | None
    index_columns: tuple[str, ...]
    unique: bool
    concurrently: bool
    #: ``ON ONLY`` a partitioned table: no rows are indexed (the partitioned-table recipe)
    only: bool
    if_exists: bool
    if_not_exists: bool
    object_type: str
    old_name: str | None
    new_name: str | None
    lock_mode: Lock
    setting: str | None
    setting_value: str | None
    setting_local: bool
    full: bool
    has_where: bool
    #: UPDATE/DELETE whose WHERE bounds a key range or a LIMITed subquery (a batch)
    batched: bool
    #: UPDATE/DELETE of rows picked by key (``id = 1``, ``id IN (1, 2)``)
    by_key: bool
    #: reads tables: INSERT … SELECT … FROM, or a SELECT … FROM
    has_from_select: bool
    #: DROP … CASCADE: dependent objects go too
    cascade: bool
    #: the type a statement is about: an enum (CREATE TYPE, ALTER TYPE) or a domain
    enum_type: str | None
    enum_value: str | None
    error: str | None
    #: render_error, unnamed_constraint_drop: the revision function whose op failed
    function: str | None
    partition_of: str | None
    #: locks taken: (table, level)
    locks: tuple[tuple[str, Lock], ...]
    #: the statement cannot run inside a transaction block
    no_transaction: bool
    #: emitted by Alembic itself (alembic_version bookkeeping): never reported
    internal: bool
    #: run from inside a DO block (atomic, like a transaction of its own)
    nested: bool
    #: DO block: ``(line, message)`` of each ``RAISE EXCEPTION`` with a literal message
    raises: tuple[tuple[int, str], ...]

    def __init__(
        self,
        kind: str,
        text: str = "",
        path: str = "",
        line: int = 1,
        column: int = 1,
        end_line: int = 1,
        revision: str | None = None,
        table: str | None = None,
        tables: tuple[str, ...] = (),
        columns: tuple[ColumnDef, ...] = (),
        constraints: tuple[Constraint, ...] = (),
        actions: tuple[Action, ...] = (),
        index_name: str | None = None,
        index_columns: tuple[str, ...] = (),
        unique: bool = False,
        concurrently: bool = False,
        only: bool = False,
        if_exists: bool = False,
        if_not_exists: bool = False,
        object_type: str = "",
        old_name: str | None = None,
        new_name: str | None = None,
        lock_mode: Lock = Lock.NONE,
        setting: str | None = None,
        setting_value: str | None = None,
        setting_local: bool = False,
        full: bool = False,
        has_where: bool = False,
        batched: bool = False,
        by_key: bool = False,
        has_from_select: bool = False,
        cascade: bool = False,
        enum_type: str | None = None,
        enum_value: str | None = None,
        error: str | None = None,
        function: str | None = None,
        partition_of: str | None = None,
        locks: tuple[tuple[str, Lock], ...] = (),
        no_transaction: bool = False,
        internal: bool = False,
        nested: bool = False,
        raises: tuple[tuple[int, str], ...] = (),
    ) -> None:
        self.kind = kind
        self.text = text
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.revision = revision
        self.table = table
        self.tables = tables
        self.columns = columns
        self.constraints = constraints
        self.actions = actions
        self.index_name = index_name
        self.index_columns = index_columns
        self.unique = unique
        self.concurrently = concurrently
        self.only = only
        self.if_exists = if_exists
        self.if_not_exists = if_not_exists
        self.object_type = object_type
        self.old_name = old_name
        self.new_name = new_name
        self.lock_mode = lock_mode
        self.setting = setting
        self.setting_value = setting_value
        self.setting_local = setting_local
        self.full = full
        self.has_where = has_where
        self.batched = batched
        self.by_key = by_key
        self.has_from_select = has_from_select
        self.cascade = cascade
        self.enum_type = enum_type
        self.enum_value = enum_value
        self.error = error
        self.function = function
        self.partition_of = partition_of
        self.locks = locks
        self.no_transaction = no_transaction
        self.internal = internal
        self.nested = nested
        self.raises = raises
