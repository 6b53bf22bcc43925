"""Filling the live database's tables with synthetic rows, set-based, on the server.

``seed(connection, rows)`` reads the tables from pg_catalog (:mod:`.catalog_read`), orders them
so every parent is filled before its children, and fills each with one statement::

    WITH "_p0" AS (SELECT parent key, row_number() OVER (ORDER BY key) AS rn FROM parent …),
         "_rows" AS (SELECT <one expression per column> FROM generate_series(1, n) AS g(i)
                     LEFT JOIN "_p0" ON "_p0".rn = <a parent row chosen from i>)
    INSERT INTO t (columns) SELECT columns FROM "_rows"
    WHERE <each CHECK over generated columns> IS NOT FALSE AND <some partition accepts it>
    ON CONFLICT DO NOTHING                        -- when a unique index may be hit

Each table is filled in its own savepoint: a table that cannot be filled is reported with the
reason and skipped, the others go on. The decisions (what is left to defaults, what is skipped,
what a table that already holds rows gets) are in docs/data.md.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from migcheck.data.catalog_read import Column, ForeignKey, Table, read_tables
from migcheck.data.checks import Bounds, column_bounds
from migcheck.data.values import INDEX, generate, mix, salt, with_nulls
from migcheck.errors import MigcheckError

#: rows per table when ``rows`` names neither the table nor ``"*"``
DEFAULT_ROWS = 1000
#: tables never filled: Alembic's own bookkeeping
EXCLUDE = ("alembic_version",)
_ROWS = sql.Identifier("_rows")


@dataclass(frozen=True, slots=True)
class TableSeed:
    """What seeding did to one table: rows asked for and inserted, or why it was skipped."""

    table: str
    requested: int
    inserted: int = 0
    skipped: str | None = None  # the reason, when the table got no rows
    notes: tuple[str, ...] = ()  # why fewer rows than asked, columns left NULL, …

    def describe(self) -> str:
        """One line: ``orders: 10,000 rows`` or ``orders: skipped (reason)``."""
        if self.skipped is not None:
            return f"{self.table}: skipped ({self.skipped})"
        notes = "".join(f"; {note}" for note in self.notes)
        return f"{self.table}: {self.inserted:,} of {self.requested:,} rows{notes}"


@dataclass(slots=True)
class SeedReport:
    """Every table seeding looked at, in the order it filled them, and the time it took."""

    tables: list[TableSeed] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def filled(self) -> list[TableSeed]:
        """The tables that received rows."""
        return [entry for entry in self.tables if entry.skipped is None]

    @property
    def skipped(self) -> list[TableSeed]:
        """The tables left as they were, each with its reason."""
        return [entry for entry in self.tables if entry.skipped is not None]

    @property
    def rows(self) -> int:
        """Rows inserted in total."""
        return sum(entry.inserted for entry in self.tables)

    def get(self, table: str) -> TableSeed:
        """The entry of ``table``; KeyError when seeding did not see it."""
        for entry in self.tables:
            if entry.table == table:
                return entry
        raise KeyError(table)


def parse_rows(values: Sequence[str], option: str = "--rows") -> dict[str, int]:
    """``["10000", "orders=200000"]`` → ``{"*": 10000, "orders": 200000}``.

    Raises :class:`MigcheckError` naming ``option`` and the bad value.
    """
    counts: dict[str, int] = {}
    for value in values:
        table, _, number = value.rpartition("=")
        try:
            count = int(number)
        except ValueError:
            count = -1
        if count < 0 or (table == "" and "=" in value):
            raise MigcheckError(
                f"{option} {value!r}: expected a row count (10000) or TABLE=COUNT (orders=200000)"
            )
        counts[table or "*"] = count
    return counts


def seed(
    connection: psycopg.Connection[Any],
    rows: int | Mapping[str, int],
    seed: int = 0,
    *,
    exclude: Collection[str] = EXCLUDE,
    analyze: bool = True,
) -> SeedReport:
    """Fill the tables of the connected database with synthetic rows; report what was done.

    ``rows`` is a count for every table, or counts by table name (``"orders"``, or
    ``"schema.table"`` outside ``public``) with ``"*"`` for the others (default
    :data:`DEFAULT_ROWS`). The same ``seed`` on the same schema gives the same rows. Tables that
    already hold rows are left as they are. Runs in a transaction of its own when the connection
    is idle (committed at the end), else inside the caller's transaction (savepoints only). The
    filled tables are analyzed; on an idle autocommit connection also vacuumed (hint bits and
    visibility map set, as in a table that has lived in production).
    """
    started = time.perf_counter()
    counts = {"*": rows} if isinstance(rows, int) else dict(rows)
    report = SeedReport()
    idle = connection.autocommit and (
        connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    )
    with connection.transaction():
        tables = read_tables(connection, exclude)
        order, blocked, null_keys = plan_order(tables)
        for table in order:
            requested = _requested(table, counts)
            if table.name in blocked:
                report.tables.append(TableSeed(table.name, requested, skipped=blocked[table.name]))
                continue
            report.tables.append(_fill(connection, table, requested, seed, null_keys))
        # inside the caller's transaction only ANALYZE can run; on an idle autocommit
        # connection VACUUM also sets the hint bits and the visibility map, as a table in
        # production has them, so the first scan a migration makes is not also the one that
        # writes every page again
        if analyze and not idle:
            _analyze(connection, tables, report, sql.SQL("ANALYZE {}"))
    if analyze and idle:
        _analyze(connection, tables, report, sql.SQL("VACUUM (ANALYZE) {}"))
    report.seconds = time.perf_counter() - started
    return report


def _analyze(
    connection: psycopg.Connection[Any],
    tables: Sequence[Table],
    report: SeedReport,
    command: sql.SQL,
) -> None:
    for entry in report.filled:
        if entry.inserted:
            found = next(t for t in tables if t.name == entry.table)
            connection.execute(command.format(sql.Identifier(found.schema, found.table)))


def _requested(table: Table, counts: Mapping[str, int]) -> int:
    for key in (table.name, f"{table.schema}.{table.table}", "*"):
        if key in counts:
            return counts[key]
    return DEFAULT_ROWS


def plan_order(
    tables: Sequence[Table],
) -> tuple[list[Table], dict[str, str], set[tuple[str, str]]]:
    """Parents before children: (order, tables that cannot be filled, foreign keys left NULL).

    A foreign key to the table itself, or one that closes a cycle, is left NULL when its columns
    are nullable (the third item: ``(table, constraint)``); when they are NOT NULL the table
    cannot be filled and is named in the second item with the reason.
    """
    by_name = {table.name: table for table in tables}
    blocked: dict[str, str] = {}
    null_keys: set[tuple[str, str]] = set()
    needs: dict[str, set[str]] = {name: set() for name in by_name}
    for table in tables:
        for key in table.foreign_keys:
            if key.parent == table.name:
                if _nullable(table, key):
                    null_keys.add((table.name, key.name))
                else:
                    blocked[table.name] = (
                        f"foreign key {key.name} references the table itself from NOT NULL "
                        f"column(s) {', '.join(key.columns)}"
                    )
            elif key.parent in by_name:
                needs[table.name].add(key.parent)
    order = _topological(needs)
    stuck = [name for name in sorted(by_name) if name not in order]
    if stuck:
        for name in stuck:
            table = by_name[name]
            for key in table.foreign_keys:
                if (
                    key.parent in stuck
                    and _reaches(needs, key.parent, name)
                    and _nullable(table, key)
                ):
                    needs[name].discard(key.parent)
                    null_keys.add((name, key.name))
        order = _topological(needs)
        cycle = [name for name in sorted(by_name) if name not in order]
        for name in cycle:
            blocked[name] = "foreign-key cycle through NOT NULL columns: " + " → ".join(cycle)
        order += cycle
    return [by_name[name] for name in order], blocked, null_keys


def _nullable(table: Table, key: ForeignKey) -> bool:
    return all(not table.column(name).not_null for name in key.columns)


def _topological(needs: Mapping[str, set[str]]) -> list[str]:
    """Kahn's algorithm, ties by name; names on a cycle (or after one) are left out."""
    done: list[str] = []
    placed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for name in sorted(needs):
            if name not in placed and needs[name] <= placed:
                done.append(name)
                placed.add(name)
                progress = True
    return done


def _reaches(needs: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for parent in needs.get(todo.pop(), ()):
            if parent == goal:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False


@dataclass(slots=True)
class _Plan:
    """One table's INSERT … SELECT taking shape."""

    table: Table
    rows: int
    seed: int
    ctes: list[sql.Composable] = field(default_factory=list)
    joins: list[sql.Composable] = field(default_factory=list)
    values: dict[str, sql.Composable] = field(default_factory=dict)
    left_null: set[str] = field(default_factory=set)  # foreign-key columns with nothing to point at
    notes: list[str] = field(default_factory=list)

    def key(self, *parts: object) -> int:
        return salt(self.seed, self.table.name, *parts)

    def cap(self, capacity: int, why: str) -> None:
        if capacity < self.rows:
            self.rows = capacity
            self.notes.append(f"at most {capacity:,} rows: {why}")


def _fill(
    connection: psycopg.Connection[Any],
    table: Table,
    requested: int,
    seed: int,
    null_keys: set[tuple[str, str]],
) -> TableSeed:
    target = sql.Identifier(table.schema, table.table)
    if requested == 0:
        return TableSeed(table.name, 0, skipped="no rows asked for")
    held = connection.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(target)).fetchone()
    if held and held[0]:
        return TableSeed(table.name, requested, skipped="already holds rows")
    plan = _Plan(table, requested, seed)
    statement = _statement(connection, plan, null_keys)
    if isinstance(statement, str):
        return TableSeed(table.name, requested, skipped=statement)
    try:
        with connection.transaction():
            inserted = connection.execute(statement).rowcount
    except psycopg.Error as error:
        return TableSeed(table.name, requested, skipped=_reason(error))
    if inserted == 0 and plan.rows > 0:
        return TableSeed(table.name, requested, skipped=_why_none(table), notes=tuple(plan.notes))
    if inserted < plan.rows:
        plan.notes.append(
            f"{plan.rows - inserted:,} generated rows turned away ({_why_none(table)})"
        )
    return TableSeed(table.name, requested, inserted, notes=tuple(plan.notes))


def _reason(error: psycopg.Error) -> str:
    diag = error.diag
    text = diag.message_primary or str(error).splitlines()[0]
    return f"{text} (constraint {diag.constraint_name})" if diag.constraint_name else text


def _why_none(table: Table) -> str:
    """What may have turned generated rows away (which one did cannot be told)."""
    causes = [f"CHECK {check.name}" for check in table.checks]
    if table.partitioning is not None and not table.partitioning.has_default:
        causes.append("the partition bounds")
    causes.append("rows already holding its unique keys")
    return (
        "no generated row passes " + ", ".join(causes[:-1]) + " or " + causes[-1]
        if len(causes) > 1
        else "every generated row collides with " + causes[0]
    )


def _statement(
    connection: psycopg.Connection[Any], plan: _Plan, null_keys: set[tuple[str, str]]
) -> sql.Composed | str:
    """The INSERT that fills ``plan.table``, or why it cannot be filled."""
    table = plan.table
    bounds = column_bounds(table.checks)
    filled = {c.name for c in table.columns if not (c.generated or c.sequence_default)}
    foreign = {name for key in table.foreign_keys for name in key.columns}
    distinct = _distinct_columns(table, filled, foreign)
    enumerated = _enumerated_keys(table, filled, foreign, distinct)
    problem = _foreign_values(connection, plan, null_keys, enumerated)
    if problem:
        return problem
    for column in table.columns:
        if column.name not in filled or column.name in plan.values or column.name in plan.left_null:
            continue
        made = _column_values(plan, column, bounds.get(column.name, Bounds()), distinct)
        if isinstance(made, str):
            return made
    columns = list(plan.values)
    filters = [
        sql.SQL("({}) IS NOT FALSE").format(sql.SQL(check.expression))
        for check in table.checks
        if set(check.columns) <= set(columns)
    ]
    partitions = table.partitioning
    if partitions is not None and not partitions.has_default:
        if partitions.leaves == 0:
            return "partitioned table without partitions"
        if set(partitions.key_columns) <= set(columns):
            accepted = [
                sql.SQL("({}) IS TRUE").format(sql.SQL(c)) for c in partitions.leaf_constraints
            ]
            filters.append(sql.SQL("({})").format(sql.SQL(" OR ").join(accepted)))
    plan.ctes.append(
        sql.SQL("{} AS (SELECT {} FROM generate_series(1, {}) AS g(i){})").format(
            _ROWS,
            sql.SQL(", ").join(
                sql.SQL("{} AS {}").format(value, sql.Identifier(name))
                for name, value in plan.values.items()
            )
            if columns
            else sql.SQL("g.i"),
            sql.Literal(plan.rows),
            sql.SQL("").join(plan.joins),
        )
    )
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    conflicts = (
        sql.SQL(" ON CONFLICT DO NOTHING")
        if _may_collide(table, distinct, enumerated)
        else sql.SQL("")
    )
    return sql.SQL("WITH {} INSERT INTO {} {} SELECT {} FROM {}{}{}").format(
        sql.SQL(", ").join(plan.ctes),
        sql.Identifier(table.schema, table.table),
        sql.SQL("({})").format(names) if columns else sql.SQL(""),
        names if columns else sql.SQL(""),
        _ROWS,
        sql.SQL(" WHERE ") + sql.SQL(" AND ").join(filters) if filters else sql.SQL(""),
        conflicts,
    )


def _may_collide(table: Table, distinct: set[str], enumerated: list[str]) -> bool:
    """Whether a generated row may hit a unique index: then ON CONFLICT DO NOTHING is needed.

    Without it the insert is about twice as fast (no speculative insertion). A unique index
    is safe when one of its columns is numbered by a sequence, is a NOT NULL column made
    injective (NULLs may collide under NULLS NOT DISTINCT), or when all its columns are NOT NULL
    foreign keys that take distinct parent combinations; an expression index never is.
    """
    enumerated_columns = {
        name for key in table.foreign_keys if key.name in enumerated for name in key.columns
    }
    for columns in table.unique:
        if not all(columns):
            return True  # an expression
        found = [table.column(name) for name in columns]
        if any(column.sequence_default for column in found):
            continue
        if any(column.name in distinct and column.not_null for column in found):
            continue
        if all(column.name in enumerated_columns and column.not_null for column in found):
            continue
        return True
    return False


def _column_values(plan: _Plan, column: Column, bounds: Bounds, distinct: set[str]) -> str | None:
    """Add ``column``'s values to ``plan``; a reason when the table cannot be filled."""
    unique = column.name in distinct
    made = generate(column, bounds, unique, plan.rows, plan.key(column.name))
    if isinstance(made, str):
        if column.not_null and column.default is None:
            return f"column {column.name}: {made}"
        plan.notes.append(f"{column.name} left to its default: {made}")
        return None
    if unique and made.capacity is not None:
        plan.cap(made.capacity, f"{column.name} has {made.capacity:,} distinct values")
    nullable = not column.not_null and not bounds.not_null
    plan.values[column.name] = (
        with_nulls(made.expression, plan.key(column.name)) if nullable else made.expression
    )
    return None


def _distinct_columns(table: Table, filled: set[str], foreign: set[str]) -> set[str]:
    """One generated column per unique index, made injective so the index stays satisfied."""
    distinct: set[str] = set()
    for columns in table.unique:
        named = [name for name in columns if name]
        if any(name not in filled for name in named):
            continue  # a sequence-numbered or generated column already keeps it distinct
        if any(name in distinct for name in named):
            continue
        free = [name for name in named if name not in foreign]
        if free:
            distinct.add(free[0])
    return distinct


def _enumerated_keys(
    table: Table, filled: set[str], foreign: set[str], distinct: set[str]
) -> list[str]:
    """Foreign keys that must take distinct parent combinations (their columns are unique)."""
    names: list[str] = []
    for columns in table.unique:
        named = [name for name in columns if name]
        if not named or any(n not in filled or n in distinct or n not in foreign for n in named):
            continue
        for key in table.foreign_keys:
            if set(key.columns) & set(named) and key.name not in names:
                names.append(key.name)
    return names


def _foreign_values(
    connection: psycopg.Connection[Any],
    plan: _Plan,
    null_keys: set[tuple[str, str]],
    enumerated: list[str],
) -> str | None:
    """Join each foreign key to existing parent rows; a reason when one has none to point at."""
    table = plan.table
    radix = 1
    for number, key in enumerate(table.foreign_keys):
        if any(name in plan.values or name in plan.left_null for name in key.columns):
            continue  # a column shared with an earlier foreign key
        nullable = _nullable(table, key)
        if (table.name, key.name) in null_keys:
            plan.notes.append(f"{', '.join(key.columns)} left NULL ({key.name} closes a cycle)")
            plan.left_null.update(key.columns)
            continue
        parent = sql.Identifier(key.parent_schema, key.parent_table)
        present = sql.SQL(" AND ").join(
            sql.SQL("{} IS NOT NULL").format(sql.Identifier(name)) for name in key.parent_columns
        )
        row = connection.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(parent, present)
        ).fetchone()
        count = int(row[0]) if row else 0
        if count == 0:
            if not nullable:
                return f"foreign key {key.name}: {key.parent} has no rows to point at"
            plan.notes.append(f"{', '.join(key.columns)} left NULL ({key.parent} has no rows)")
            plan.left_null.update(key.columns)
            continue
        alias = sql.Identifier(f"_p{number}")
        plan.ctes.append(
            sql.SQL(
                "{} AS (SELECT {}, row_number() OVER (ORDER BY {}) AS rn FROM {} WHERE {})"
            ).format(
                alias,
                sql.SQL(", ").join(
                    sql.SQL("{} AS {}").format(sql.Identifier(p), sql.Identifier(f"k{n}"))
                    for n, p in enumerate(key.parent_columns)
                ),
                sql.SQL(", ").join(map(sql.Identifier, key.parent_columns)),
                parent,
                present,
            )
        )
        if key.name in enumerated:
            position = sql.SQL("1 + mod(({} - 1) / {}, {})").format(
                INDEX, sql.Literal(radix), sql.Literal(count)
            )
            radix *= count
        else:
            position = sql.SQL("1 + mod({}, {})").format(
                mix(plan.key(key.name)), sql.Literal(count)
            )
        plan.joins.append(
            sql.SQL(" LEFT JOIN {} ON {} = {}").format(
                alias, sql.Identifier(f"_p{number}", "rn"), position
            )
        )
        for n, name in enumerate(key.columns):
            value: sql.Composable = sql.Identifier(f"_p{number}", f"k{n}")
            if nullable:
                value = with_nulls(value, plan.key(key.name))
            plan.values[name] = value
    if enumerated:
        plan.cap(radix, f"{', '.join(enumerated)} must point at distinct parent rows")
    return None
