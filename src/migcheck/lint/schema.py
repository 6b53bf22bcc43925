"""What the rules know when they look at a statement: schema so far, transaction state, settings.

:class:`Context` is updated by :meth:`Context.apply` after the rules have seen a statement, so a
rule always sees the state *before* the statement it checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migcheck.postgres.locks import Lock
from migcheck.postgres.naming import default_constraint_name
from migcheck.postgres.types import TypeRef
from migcheck.sql.facts import (
    TRANSACTION_KINDS,
    Constraint,
    Create,
    DomainChange,
    Drop,
    EnumChange,
    IndexBuild,
    Kind,
    Rename,
    Routine,
    SchemaHint,
    Setting,
    Statement,
    TableChange,
    TransactionControl,
)


@dataclass(slots=True)
class ColumnState:
    """A column as known from earlier statements."""

    type: TypeRef | None = None
    not_null: bool = False
    #: ``not_null`` is known (the column was defined or its nullability set here), not a guess
    nullability_known: bool = False


@dataclass(slots=True)
class ConstraintState:
    """A constraint as known from earlier statements."""

    kind: str
    validated: bool
    columns: tuple[str, ...] = ()
    not_null_column: str | None = None
    #: a foreign key: the table it references
    ref_table: str | None = None


@dataclass(slots=True)
class TableState:
    """A table as known from earlier statements (columns, constraints, index column lists)."""

    columns: dict[str, ColumnState] = field(default_factory=dict)
    constraints: dict[str, ConstraintState] = field(default_factory=dict)
    indexes: list[tuple[str, ...]] = field(default_factory=list)
    #: column -> names of CHECK (column IS NOT NULL) constraints on it
    not_null_checks: dict[str, set[str]] = field(default_factory=dict)
    #: the full definition was seen (created in this run), so "no such index" is trustworthy
    complete: bool = False
    #: constraints validated here whose definition was never seen (added by an earlier migration)
    validated_unseen: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Schema:
    """Tables and indexes known from earlier statements, files or revisions."""

    tables: dict[str, TableState] = field(default_factory=dict)
    index_tables: dict[str, str] = field(default_factory=dict)
    #: index name -> its key columns
    index_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: function name (``schema.name``, ``public.`` dropped) -> volatile, stable or immutable:
    #: from a CREATE FUNCTION in the run, or the live catalog's ``pg_proc.provolatile``
    #: (:data:`migcheck.postgres.functions.VOLATILITY` reads both spellings)
    functions: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> TableState:
        """The state of table ``name``, created empty on first use."""
        state = self.tables.get(name)
        if state is None:
            state = self.tables[name] = TableState()
        return state

    def validated_not_null_check(self, table: str, column: str) -> bool:
        """True when a validated ``CHECK (column IS NOT NULL)`` is known on the table."""
        state = self.tables.get(table)
        if state is None:
            return False
        names = state.not_null_checks.get(column, ())
        if any(n in state.constraints and state.constraints[n].validated for n in names):
            return True
        return any(_names_not_null_check(name, column) for name in state.validated_unseen)

    def domain_users(self, domain: str) -> list[str]:
        """The known columns (``table.column``) whose type is ``domain`` (or an array of it)."""
        name = domain.rsplit(".", 1)[-1].lower()
        return [
            f"{table}.{column}"
            for table, state in self.tables.items()
            for column, known in state.columns.items()
            if known.type is not None and known.type.name == name
        ]

    def has_index_on(self, table: str, columns: tuple[str, ...]) -> bool:
        """True when a known index (or PK/UNIQUE) starts with exactly these columns."""
        state = self.tables.get(table)
        if state is None:
            return False
        width = len(columns)
        return any(
            index[:width] == columns or set(index[:width]) == set(columns)
            for index in state.indexes
        )


@dataclass(slots=True)
class Context:
    """Everything a rule may ask about the statement's surroundings."""

    pg_version: int = 13
    path: str = ""
    schema: Schema = field(default_factory=Schema)
    #: tables created earlier in this file / revision (lock rules do not apply to them)
    created: set[str] = field(default_factory=set)
    in_transaction: bool = False
    #: the transaction was opened by BEGIN in the SQL (not implied by the runner)
    explicit_begin: Statement | None = None
    #: strongest lock held per table in the current transaction
    held: dict[str, Lock] = field(default_factory=dict)
    #: indexes whose table is unknown, standing for their table in lock lists
    unresolved_indexes: set[str] = field(default_factory=set)
    #: first statement in this transaction that took ACCESS EXCLUSIVE on an existing table
    exclusive_by: Statement | None = None
    lock_timeout: bool = False
    statement_timeout: bool = False
    local_lock_timeout: bool = False
    #: (table, constraint) added NOT VALID in the current transaction
    not_valid_in_tx: dict[tuple[str, str], Statement] = field(default_factory=dict)
    #: (type, value) added by ALTER TYPE … ADD VALUE in the current transaction
    enum_values_in_tx: dict[str, Statement] = field(default_factory=dict)
    #: a transaction statement (BEGIN/COMMIT) was seen in this stream
    transactional_stream: bool = False
    #: increments at every BEGIN, so rules can remember things per transaction
    transaction_number: int = 0
    #: the runner wraps the stream in a transaction and COMMITs at its end
    #: (``--assume-in-transaction``, or a file that starts with SET LOCAL)
    runner_commits: bool = False
    #: a BEGIN PostgreSQL ignored (with a warning) because this transaction was already open
    ignored_begin: Statement | None = None
    #: the last transaction had an ignored BEGIN: (that BEGIN, the COMMIT/ROLLBACK that ended it)
    ended_despite_begin: tuple[Statement, Statement | None] | None = None
    #: the first statement run without a transaction after :attr:`ended_despite_begin`
    autocommitted: Statement | None = None
    #: (ignored BEGIN, the end of its transaction, a statement run without one, the COMMIT or
    #: ROLLBACK that found no transaction): a nesting PostgreSQL does not have, seen in full
    broken_nesting: list[tuple[Statement, Statement | None, Statement, Statement]] = field(
        default_factory=list
    )
    #: per-unit scratch space for rules, keyed by rule id (reset with each file / revision)
    memory: dict[str, Any] = field(default_factory=dict)

    def remember(self, rule: str) -> dict[str, Any]:
        """Scratch space for ``rule`` that lasts for the current file / revision."""
        found: dict[str, Any] = self.memory.setdefault(rule, {})
        return found

    def is_new(self, table: str | None) -> bool:
        """True when ``table`` was created earlier in this file / revision."""
        return table is not None and table in self.created

    def existing(self, statement: Statement) -> list[tuple[str, Lock]]:
        """The statement's locks on tables that already existed before this unit."""
        return [(t, lock) for t, lock in self.locks_of(statement) if t not in self.created]

    def locks_of(self, statement: Statement) -> list[tuple[str, Lock]]:
        """Every table lock the statement takes, as far as the schema tells.

        Its own :attr:`~Statement.locks`, the locks on the tables of the indexes it names (an
        index whose table is unknown stands for it: :meth:`unknown_table_of`), and for
        DROP TABLE, ACCESS EXCLUSIVE on each table the dropped tables' foreign keys reference
        (their triggers on it are dropped too).
        """
        locks = list(statement.locks)
        for index, lock in statement.index_locks:
            table = self.schema.index_tables.get(index)
            if table is None:
                self.unresolved_indexes.add(index)
            locks.append((table or index, lock))
        if statement.kind is Kind.DROP_TABLE:
            for table in dict.fromkeys(t for t, _ in statement.locks):
                locks.extend((ref, Lock.ACCESS_EXCLUSIVE) for ref in self.referenced_by(table))
        return locks

    def referenced_by(self, table: str) -> list[str]:
        """The other tables the known foreign keys of ``table`` reference, in order."""
        state = self.schema.tables.get(table)
        if state is None:
            return []
        refs = (c.ref_table for c in state.constraints.values() if c.kind == "foreign_key")
        return list(dict.fromkeys(r for r in refs if r and r != table))

    def unknown_table_of(self, name: str) -> bool:
        """True when ``name`` in a lock list is an index standing for its unknown table."""
        return name in self.unresolved_indexes and name not in self.schema.tables

    def begin(self, statement: Statement | None) -> None:
        """Open a transaction (explicitly when ``statement`` is the BEGIN)."""
        self.in_transaction = True
        self.transaction_number += 1
        self.explicit_begin = statement
        self.ignored_begin = None
        self.ended_despite_begin = None
        self.autocommitted = None
        self.held = {}
        self.exclusive_by = None
        self.not_valid_in_tx = {}
        self.enum_values_in_tx = {}

    def end(self, statement: Statement | None = None) -> None:
        """Close the current transaction (``statement``: the COMMIT or ROLLBACK, if any)."""
        if self.ignored_begin is not None:
            self.ended_despite_begin = (self.ignored_begin, statement)
        self.autocommitted = None
        self.ignored_begin = None
        self.in_transaction = False
        self.explicit_begin = None
        self.held = {}
        self.exclusive_by = None
        self.not_valid_in_tx = {}
        self.enum_values_in_tx = {}
        if self.local_lock_timeout:
            self.local_lock_timeout = False
            self.lock_timeout = False

    def apply(self, s: Statement) -> None:
        """Update the state with the effects of statement ``s``."""
        kind = s.kind
        if kind in TRANSACTION_KINDS:
            self._apply_transaction(s)
            return
        after_early_end = self.ended_despite_begin is not None and self.autocommitted is None
        if after_early_end and not self.in_transaction and kind is not Kind.SAVEPOINT:
            self.autocommitted = s
        if isinstance(s, Setting):
            self._apply_set(s)
            return
        if self.in_transaction:
            for table, lock in self.locks_of(s):
                if lock > self.held.get(table, Lock.NONE):
                    self.held[table] = lock
                if (
                    lock is Lock.ACCESS_EXCLUSIVE
                    and self.exclusive_by is None
                    and table not in self.created
                ):
                    self.exclusive_by = s
            if isinstance(s, EnumChange) and kind is Kind.ALTER_ENUM and s.value is not None:
                self.enum_values_in_tx[s.value] = s
        handler = _SCHEMA.get(kind)
        if handler is not None:
            handler(self, s)

    def _apply_transaction(self, s: Statement) -> None:
        """BEGIN, COMMIT and ROLLBACK, as PostgreSQL treats them.

        BEGIN inside a transaction and COMMIT/ROLLBACK outside one do nothing (PostgreSQL only
        warns), so ``BEGIN; BEGIN; COMMIT;`` is one transaction, committed. A COMMIT that finds no
        transaction after statements ran without one, because an ignored BEGIN's transaction
        was ended before them, is recorded in :attr:`broken_nesting`.
        """
        self.transactional_stream = True
        if s.kind is Kind.BEGIN:
            if self.in_transaction:
                self.ignored_begin = self.ignored_begin or s
            else:
                self.begin(s)
            return
        if self.in_transaction:
            self.end(s)
        else:
            ended, autocommitted = self.ended_despite_begin, self.autocommitted
            if ended is not None and autocommitted is not None:
                self.broken_nesting.append((ended[0], ended[1], autocommitted, s))
            self.ended_despite_begin = self.autocommitted = None
        if isinstance(s, TransactionControl) and s.chain:
            self.begin(s)

    def _apply_set(self, s: Setting) -> None:
        on = _duration_set(s.value)
        if s.local and not self.in_transaction:
            return
        if s.name == "all":  # RESET ALL
            self.lock_timeout = self.local_lock_timeout = self.statement_timeout = False
        elif s.name == "lock_timeout":
            self.lock_timeout = on
            self.local_lock_timeout = s.local and on
        elif s.name == "statement_timeout":
            self.statement_timeout = on


#: a duration setting's value as PostgreSQL reads it: a number and an optional unit
_DURATION = re.compile(r"\s*[+]?(\d*\.?\d+)\s*(us|ms|s|min|h|d)?\s*", re.IGNORECASE)


def _duration_set(value: str | None) -> bool:
    """True when a timeout setting's value turns the timeout on (a non-zero duration).

    ``0``, ``'0min'``, ``'0.0s'`` are off, as are DEFAULT/RESET (None) and values PostgreSQL
    rejects (the SET fails, so no timeout is set by it).
    """
    found = _DURATION.fullmatch(value) if value is not None else None
    return found is not None and float(found.group(1)) != 0


def _names_not_null_check(name: str, column: str) -> bool:
    """True when a constraint name reads as "column is not null" (``users_email_not_null``).

    Used only for a constraint validated here but added by an earlier migration this run did not
    see: the usual recipe splits ``ADD … NOT VALID`` and ``VALIDATE`` + ``SET NOT NULL``.
    """
    lowered = name.lower()
    says_not_null = "null" in lowered or lowered.endswith("_nn") or "_nn_" in lowered
    return says_not_null and column.lower() in lowered


def _create_table(ctx: Context, s: Statement) -> None:
    assert isinstance(s, TableChange)
    if not s.table:
        return
    ctx.created.add(s.table)
    state = ctx.schema.tables[s.table] = TableState(complete=True)
    for col in s.columns:
        state.columns[col.name] = ColumnState(col.type, col.not_null, True)
        for con in col.constraints:
            _add_constraint(ctx, s.table, con, validated=True)
    for con in s.constraints:
        _add_constraint(ctx, s.table, con, validated=True)


def _add_constraint(ctx: Context, table: str, con: Constraint, validated: bool) -> None:
    state = ctx.schema.table(table)
    name = (
        con.name
        or default_constraint_name(table, con.kind, con.columns)
        or f"{table}_{'_'.join(con.columns)}_{con.kind}"
    )
    state.constraints[name] = ConstraintState(
        con.kind, validated and not con.not_valid, con.columns, con.not_null_column, con.ref_table
    )
    if con.not_null_column:
        state.not_null_checks.setdefault(con.not_null_column, set()).add(name)
    if con.kind in ("primary_key", "unique", "exclude") and con.columns:
        state.indexes.append(con.columns)
    if con.kind == "primary_key":
        for column in con.columns:
            state.columns.setdefault(column, ColumnState()).not_null = True


def _alter_table(ctx: Context, s: Statement) -> None:
    assert isinstance(s, TableChange)
    if not s.table:
        return
    state = ctx.schema.table(s.table)
    for a in s.actions:
        if a.kind == "add_column" and a.column_def is not None:
            col = a.column_def
            state.columns[col.name] = ColumnState(col.type, col.not_null, True)
            for con in col.constraints:
                _add_constraint(ctx, s.table, con, validated=True)
        elif a.kind == "drop_column" and a.column:
            state.columns.pop(a.column, None)
        elif a.kind == "alter_type" and a.column:
            state.columns.setdefault(a.column, ColumnState()).type = a.type
        elif a.kind in ("set_not_null", "drop_not_null") and a.column:
            column = state.columns.setdefault(a.column, ColumnState())
            column.not_null = a.kind == "set_not_null"
            column.nullability_known = True
        elif a.kind == "add_constraint" and a.constraint is not None:
            _add_constraint(ctx, s.table, a.constraint, validated=True)
            con = a.constraint
            name = con.name or default_constraint_name(s.table, con.kind, con.columns)
            if con.not_valid and name and ctx.in_transaction:
                ctx.not_valid_in_tx[(s.table, name)] = s
        elif a.kind == "validate_constraint" and a.constraint_name:
            known = state.constraints.get(a.constraint_name)
            if known is not None:
                known.validated = True
            else:
                state.validated_unseen.add(a.constraint_name)
        elif a.kind == "drop_constraint" and a.constraint_name:
            state.constraints.pop(a.constraint_name, None)
            state.validated_unseen.discard(a.constraint_name)


def _create_index(ctx: Context, s: Statement) -> None:
    assert isinstance(s, IndexBuild)
    if not s.table:
        return
    ctx.schema.table(s.table).indexes.append(s.columns)
    if s.index:
        ctx.schema.index_tables[s.index] = s.table
        ctx.schema.index_columns[s.index] = s.columns


def _drop_table(ctx: Context, s: Statement) -> None:
    assert isinstance(s, Drop)
    for table in s.names:
        ctx.schema.tables.pop(table, None)
        ctx.created.discard(table)


def _rename(ctx: Context, s: Statement) -> None:
    assert isinstance(s, Rename)
    if not s.table or not s.new_name:
        return
    if s.object_type == "OBJECT_TABLE":
        state = ctx.schema.tables.pop(s.table, None)
        if state is not None:
            ctx.schema.tables[s.new_name] = state
        if s.table in ctx.created:
            ctx.created.add(s.new_name)
    elif s.object_type == "OBJECT_COLUMN" and s.old_name:
        table = ctx.schema.tables.get(s.table)
        if table is not None and s.old_name in table.columns:
            table.columns[s.new_name] = table.columns.pop(s.old_name)


def _create_domain(ctx: Context, s: Statement) -> None:
    """A domain created here: no table uses it yet, nor running code."""
    assert isinstance(s, DomainChange)
    if s.domain:
        ctx.created.add(s.domain)


def _create_enum(ctx: Context, s: Statement) -> None:
    """An enum type created here: no table uses it yet, nor running code."""
    assert isinstance(s, EnumChange)
    if s.enum:
        ctx.created.add(s.enum)


def _create_view(ctx: Context, s: Statement) -> None:
    """A view or materialized view created here: nobody reads it yet."""
    assert isinstance(s, Create)
    if s.name:
        ctx.created.add(s.name)


def _create_schema(ctx: Context, s: Statement) -> None:
    """A schema created here (known as ``schema:name`` among the created objects)."""
    assert isinstance(s, Create)
    if s.name:
        ctx.created.add(f"schema:{s.name}")


def _schema_hint(ctx: Context, s: Statement) -> None:
    """Alembic's ``existing_type``/``existing_nullable``: fill in what is not known yet."""
    assert isinstance(s, SchemaHint)
    if not s.table:
        return
    state = ctx.schema.table(s.table)
    for col in s.columns:
        known = state.columns.setdefault(col.name, ColumnState())
        if known.type is None:
            known.type = col.type
        if col.not_null:
            known.not_null = True


def _create_function(ctx: Context, s: Statement) -> None:
    """A function created here: calls to it are as volatile as it is declared."""
    assert isinstance(s, Routine)
    if s.name:
        ctx.schema.functions[s.name] = s.volatility


#: how each kind changes the schema state (the handler asserts the kind's family)
_SCHEMA: dict[Kind, Callable[[Context, Statement], None]] = {
    Kind.SCHEMA_HINT: _schema_hint,
    Kind.CREATE_TABLE: _create_table,
    Kind.CREATE_DOMAIN: _create_domain,
    Kind.CREATE_TYPE: _create_enum,
    Kind.CREATE_MATVIEW: _create_view,
    Kind.CREATE_VIEW: _create_view,
    Kind.CREATE_SCHEMA: _create_schema,
    Kind.ALTER_TABLE: _alter_table,
    Kind.CREATE_INDEX: _create_index,
    Kind.CREATE_FUNCTION: _create_function,
    Kind.DROP_TABLE: _drop_table,
    Kind.RENAME: _rename,
}
