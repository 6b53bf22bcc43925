"""Typed facts about one SQL statement: what the rules read instead of SQL text or parse trees.

Every statement is a :class:`Statement`: its :class:`Kind`, where it came from and the locks it
takes. Each kind belongs to one *family*, a subclass that adds the facts of that family
(:data:`FAMILIES` maps each kind to its class): a rule reads only the fields of the families of
the kinds it declares.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from migcheck.postgres.locks import Lock
from migcheck.postgres.types import TypeRef


class Kind(enum.Enum):
    """What a statement is; the value is its name in messages and docs."""

    # table changes (TableChange)
    CREATE_TABLE = "create_table"
    ALTER_TABLE = "alter_table"
    # indexes (IndexBuild, Reindex)
    CREATE_INDEX = "create_index"
    ALTER_INDEX = "alter_index"
    REINDEX = "reindex"
    # drops (Drop)
    DROP = "drop"
    DROP_TABLE = "drop_table"
    DROP_INDEX = "drop_index"
    DROP_DATABASE = "drop_database"
    # renames and moves (Rename, Move)
    RENAME = "rename"
    SET_SCHEMA = "set_schema"
    # maintenance and explicit locks (Maintenance)
    VACUUM = "vacuum"
    ANALYZE = "analyze"
    CLUSTER = "cluster"
    REFRESH = "refresh"
    LOCK = "lock"
    TRUNCATE = "truncate"
    # data changes (DataChange) and queries (Query)
    UPDATE = "update"
    DELETE = "delete"
    INSERT = "insert"
    SELECT = "select"
    # settings (Setting)
    SET = "set"
    # transaction control (TransactionControl)
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    SAVEPOINT = "savepoint"
    # enum types (EnumChange) and domains (DomainChange)
    CREATE_TYPE = "create_type"
    ALTER_ENUM = "alter_enum"
    RENAME_ENUM_VALUE = "rename_enum_value"
    CREATE_DOMAIN = "create_domain"
    ALTER_DOMAIN = "alter_domain"
    # other objects created (Create)
    CREATE_VIEW = "create_view"
    CREATE_MATVIEW = "create_matview"
    CREATE_SCHEMA = "create_schema"
    # functions and procedures (Routine)
    CREATE_FUNCTION = "create_function"
    # only location and locks (Statement)
    CREATE_TRIGGER = "create_trigger"
    OTHER = "other"
    # PL/pgSQL DO blocks (DoBlock)
    DO = "do"
    # a statement PostgreSQL cannot parse (ParseError)
    ERROR = "error"
    # from Alembic revisions only: existing_type/existing_nullable (SchemaHint); a revision that
    # cannot be rendered offline (RenderError); op.drop_constraint(None, …) (UnnamedConstraintDrop)
    SCHEMA_HINT = "schema_hint"
    RENDER_ERROR = "render_error"
    UNNAMED_CONSTRAINT_DROP = "unnamed_constraint_drop"

    @property
    def sql(self) -> str:
        """The kind in upper-case words, as messages name it (``VACUUM``, ``DROP TABLE``)."""
        return str(self.value).replace("_", " ").upper()


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
    """A table or domain constraint (inline on a column or table-level)."""

    #: check, foreign_key, unique, primary_key, exclude or not_null
    kind: str
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

    #: add_column, drop_column, alter_type, set_not_null, add_constraint, … (``AT_`` name)
    kind: str
    lock: Lock
    column: str | None = None
    column_def: ColumnDef | None = None
    constraint: Constraint | None = None
    #: ALTER COLUMN … TYPE: the new type
    type: TypeRef | None = None
    #: ALTER COLUMN … TYPE: a USING expression that is more than the column itself
    using: bool = False
    #: VALIDATE / DROP CONSTRAINT: the constraint
    constraint_name: str | None = None
    #: ATTACH / DETACH PARTITION: the partition
    partition: str | None = None
    #: SET TABLESPACE: the tablespace
    tablespace: str | None = None
    #: DETACH PARTITION … CONCURRENTLY
    concurrently: bool = False
    #: SET DEFAULT: the new default
    default: Expr | None = None
    #: … IF EXISTS (DROP COLUMN, DROP CONSTRAINT, ALTER COLUMN)
    if_exists: bool = False
    #: ADD COLUMN IF NOT EXISTS
    if_not_exists: bool = False


@dataclass(slots=True)
class Statement:
    """Any statement: its kind, where it came from, and what it locks.

    The family of kinds that carry no more facts (CREATE FUNCTION, CREATE TRIGGER, others).
    """

    kind: Kind
    text: str = ""
    path: str = ""
    line: int = 1
    column: int = 1
    end_line: int = 1
    revision: str | None = None
    #: locks taken: (table, level)
    locks: tuple[tuple[str, Lock], ...] = ()
    #: locks taken on the table of each named index: (index, level); the statement does not
    #: name the table (DROP INDEX), the schema knows it (``Context.locks_of`` in lint.schema)
    index_locks: tuple[tuple[str, Lock], ...] = ()
    #: the statement cannot run inside a transaction block
    no_transaction: bool = False
    #: emitted by Alembic itself (alembic_version bookkeeping): never reported
    internal: bool = False
    #: run from inside a DO block (atomic, like a transaction of its own)
    nested: bool = False


@dataclass(slots=True, kw_only=True)
class TableChange(Statement):
    """CREATE TABLE (also ``CREATE TABLE … AS``) and ALTER TABLE."""

    #: the target table (``schema.name``; ``public.`` dropped)
    table: str | None = None
    #: CREATE TABLE: its columns and table-level constraints
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    #: ALTER TABLE: its subcommands
    actions: tuple[Action, ...] = ()
    #: CREATE TABLE … PARTITION OF: the parent
    partition_of: str | None = None
    #: ALTER TABLE IF EXISTS
    if_exists: bool = False
    #: CREATE TABLE IF NOT EXISTS
    if_not_exists: bool = False


@dataclass(slots=True, kw_only=True)
class IndexBuild(Statement):
    """CREATE INDEX, and ALTER INDEX (``index`` only)."""

    #: the indexed table
    table: str | None = None
    index: str | None = None
    #: the key columns (empty string for an expression)
    columns: tuple[str, ...] = ()
    unique: bool = False
    concurrently: bool = False
    #: ``ON ONLY`` a partitioned table: no rows are indexed (the partitioned-table recipe)
    only: bool = False
    #: a partial index (``WHERE …``)
    partial: bool = False
    if_not_exists: bool = False


@dataclass(slots=True, kw_only=True)
class Reindex(Statement):
    """REINDEX."""

    #: REINDEX_OBJECT_INDEX, _TABLE, _SCHEMA, _DATABASE or _SYSTEM
    object_type: str = ""
    #: the index, table, schema or database named
    target: str | None = None
    #: CONCURRENTLY (the keyword, or the option read by its value: ``(CONCURRENTLY false)`` is not)
    concurrently: bool = False
    #: every option by name, read by value (:func:`migcheck.sql.extract.option_values`)
    options: dict[str, bool | str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Drop(Statement):
    """DROP of any object: a table, index, view, schema, type, database, trigger and so on."""

    #: libpg_query's object type (OBJECT_TABLE, OBJECT_INDEX, OBJECT_SCHEMA, …)
    object_type: str = ""
    #: the objects dropped (for triggers, policies and rules: the tables they are on)
    names: tuple[str, ...] = ()
    concurrently: bool = False
    if_exists: bool = False
    #: DROP … CASCADE: dependent objects go too
    cascade: bool = False


@dataclass(slots=True, kw_only=True)
class Rename(Statement):
    """ALTER … RENAME of a table, column, constraint, schema, view, type or function."""

    #: libpg_query's object type (OBJECT_TABLE, OBJECT_COLUMN, OBJECT_SCHEMA, …)
    object_type: str = ""
    #: the table renamed, or whose column or constraint is renamed
    table: str | None = None
    old_name: str | None = None
    new_name: str | None = None
    if_exists: bool = False


@dataclass(slots=True, kw_only=True)
class Move(Statement):
    """ALTER … SET SCHEMA."""

    #: libpg_query's object type (OBJECT_TABLE, …)
    object_type: str = ""
    #: the table, view or sequence moved
    table: str | None = None
    #: the schema it moves to
    schema: str | None = None
    if_exists: bool = False


@dataclass(slots=True, kw_only=True)
class Maintenance(Statement):
    """VACUUM, ANALYZE, CLUSTER, REFRESH MATERIALIZED VIEW, LOCK TABLE and TRUNCATE."""

    #: the tables (or materialized view) named; empty for every table
    tables: tuple[str, ...] = ()
    #: VACUUM FULL (read by value: ``VACUUM (FULL false)`` is a plain VACUUM)
    full: bool = False
    #: VACUUM, ANALYZE and CLUSTER options by name, read by value
    #: (:func:`migcheck.sql.extract.option_values`)
    options: dict[str, bool | str] = field(default_factory=dict)
    #: REFRESH MATERIALIZED VIEW CONCURRENTLY
    concurrently: bool = False
    #: LOCK TABLE: the mode asked for
    mode: Lock = Lock.NONE
    #: CLUSTER … USING: the index
    index: str | None = None


@dataclass(slots=True, kw_only=True)
class DataChange(Statement):
    """UPDATE, DELETE and INSERT."""

    table: str | None = None
    has_where: bool = False
    #: UPDATE/DELETE whose WHERE bounds a key range or a LIMITed subquery (a batch)
    batched: bool = False
    #: UPDATE/DELETE of rows picked by key (``id = 1``, ``id IN (1, 2)``)
    by_key: bool = False
    #: INSERT … SELECT … FROM: reads tables
    has_from_select: bool = False


@dataclass(slots=True, kw_only=True)
class Query(Statement):
    """SELECT (other than ``set_config``, which is a :class:`Setting`)."""

    #: SELECT … FROM: reads tables
    reads_tables: bool = False
    #: reads ``pg_index.indisvalid``: the migration looks for an INVALID index a failed
    #: concurrent build left (migcheck's autogenerate does, before CREATE INDEX CONCURRENTLY)
    checks_index_validity: bool = False


@dataclass(slots=True, kw_only=True)
class Setting(Statement):
    """SET, RESET and ``SELECT set_config(…)``."""

    #: the setting, lower case (``all`` for RESET ALL)
    name: str = ""
    #: the value set; None for RESET and SET … TO DEFAULT
    value: str | None = None
    #: SET LOCAL (or set_config's is_local): until the end of the transaction
    local: bool = False


@dataclass(slots=True, kw_only=True)
class TransactionControl(Statement):
    """BEGIN, COMMIT, ROLLBACK and SAVEPOINT."""

    #: COMMIT AND CHAIN / ROLLBACK AND CHAIN: a new transaction starts at once
    chain: bool = False


@dataclass(slots=True, kw_only=True)
class EnumChange(Statement):
    """CREATE TYPE … AS ENUM, ALTER TYPE … ADD VALUE and ALTER TYPE … RENAME VALUE."""

    #: the enum type
    enum: str = ""
    #: ADD VALUE: the label added
    value: str | None = None
    #: RENAME VALUE: the label renamed and its new label
    old_value: str | None = None
    new_value: str | None = None
    #: ADD VALUE IF NOT EXISTS
    if_not_exists: bool = False


@dataclass(slots=True, kw_only=True)
class DomainChange(Statement):
    """CREATE DOMAIN and ALTER DOMAIN."""

    domain: str = ""
    #: CREATE DOMAIN: its CHECK constraints; ALTER DOMAIN … ADD: the constraint added
    constraints: tuple[Constraint, ...] = ()
    #: ALTER DOMAIN: add_constraint, validate_constraint, drop_constraint, set_not_null,
    #: drop_not_null, set_default or drop_default ("" for CREATE DOMAIN and other forms)
    action: str = ""
    #: ALTER DOMAIN … VALIDATE / DROP CONSTRAINT: the constraint
    constraint_name: str | None = None


@dataclass(slots=True, kw_only=True)
class Create(Statement):
    """CREATE VIEW, CREATE MATERIALIZED VIEW and CREATE SCHEMA."""

    #: the view or schema created
    name: str | None = None
    if_not_exists: bool = False


@dataclass(slots=True, kw_only=True)
class Routine(Statement):
    """CREATE FUNCTION / PROCEDURE: what a later DEFAULT or backfill calling it costs."""

    #: the function (``schema.name``; ``public.`` dropped), lower case
    name: str = ""
    #: volatile, stable or immutable (VOLATILE unless declared otherwise)
    volatility: str = "volatile"


@dataclass(slots=True, kw_only=True)
class DoBlock(Statement):
    """A DO block (the statements it runs follow it, marked ``nested``)."""

    #: ``(line, message)`` of each ``RAISE EXCEPTION`` with a literal message
    raises: tuple[tuple[int, str], ...] = ()


@dataclass(slots=True, kw_only=True)
class ParseError(Statement):
    """A statement PostgreSQL cannot parse."""

    error: str = ""


@dataclass(slots=True, kw_only=True)
class SchemaHint(Statement):
    """Alembic's ``existing_type``/``existing_nullable`` of an op: what a column already is."""

    table: str = ""
    columns: tuple[ColumnDef, ...] = ()


@dataclass(slots=True, kw_only=True)
class RenderError(Statement):
    """An Alembic revision that cannot be rendered offline, at the line that raised."""

    error: str = ""
    #: the revision function whose op failed
    function: str | None = None


@dataclass(slots=True, kw_only=True)
class UnnamedConstraintDrop(Statement):
    """``op.drop_constraint(None, …)``: a revision that can never run."""

    #: the table, when the op names it
    table: str | None = None
    #: the op's ``type_`` (foreignkey, unique, check, primary), when given
    constraint_type: str | None = None
    #: the revision function of the op
    function: str | None = None
    #: SQLAlchemy's message
    error: str = ""


#: the class of each kind's facts
FAMILIES: dict[Kind, type[Statement]] = {
    Kind.CREATE_TABLE: TableChange,
    Kind.ALTER_TABLE: TableChange,
    Kind.CREATE_INDEX: IndexBuild,
    Kind.ALTER_INDEX: IndexBuild,
    Kind.REINDEX: Reindex,
    Kind.DROP: Drop,
    Kind.DROP_TABLE: Drop,
    Kind.DROP_INDEX: Drop,
    Kind.DROP_DATABASE: Drop,
    Kind.RENAME: Rename,
    Kind.SET_SCHEMA: Move,
    Kind.VACUUM: Maintenance,
    Kind.ANALYZE: Maintenance,
    Kind.CLUSTER: Maintenance,
    Kind.REFRESH: Maintenance,
    Kind.LOCK: Maintenance,
    Kind.TRUNCATE: Maintenance,
    Kind.UPDATE: DataChange,
    Kind.DELETE: DataChange,
    Kind.INSERT: DataChange,
    Kind.SELECT: Query,
    Kind.SET: Setting,
    Kind.BEGIN: TransactionControl,
    Kind.COMMIT: TransactionControl,
    Kind.ROLLBACK: TransactionControl,
    Kind.SAVEPOINT: TransactionControl,
    Kind.CREATE_TYPE: EnumChange,
    Kind.ALTER_ENUM: EnumChange,
    Kind.RENAME_ENUM_VALUE: EnumChange,
    Kind.CREATE_DOMAIN: DomainChange,
    Kind.ALTER_DOMAIN: DomainChange,
    Kind.CREATE_VIEW: Create,
    Kind.CREATE_MATVIEW: Create,
    Kind.CREATE_SCHEMA: Create,
    Kind.CREATE_FUNCTION: Routine,
    Kind.CREATE_TRIGGER: Statement,
    Kind.OTHER: Statement,
    Kind.DO: DoBlock,
    Kind.ERROR: ParseError,
    Kind.SCHEMA_HINT: SchemaHint,
    Kind.RENDER_ERROR: RenderError,
    Kind.UNNAMED_CONSTRAINT_DROP: UnnamedConstraintDrop,
}

#: the kinds that end or open a transaction
TRANSACTION_KINDS = frozenset({Kind.BEGIN, Kind.COMMIT, Kind.ROLLBACK})
