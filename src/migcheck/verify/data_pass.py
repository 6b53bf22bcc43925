"""The walk's data hooks: rows in the tables while each revision runs, and what happens to them.

With ``--rows``, ``--data`` or ``--seed-data`` the walk calls a :class:`DataPass` around each
revision (:mod:`migcheck.verify.walk`):

* before the first upgrade: the team's fixture SQL (``--data``, once it fits the schema),
  synthetic rows for every table that exists and holds none yet (:func:`migcheck.data.seed`)
  and the revision's own seed rows (``--seed-data``); a table that cannot be filled is a note
  with the reason. Then a per-column checksum of every table (:func:`migcheck.data.checksums`).
* while the first upgrade runs (``--load``): a workload of reads and updates by key
  (:mod:`migcheck.verify.load`); its latencies go to the revision's ``load``.
* when the upgrade fails on those rows: a ``data-dependent-failure`` problem with the cause,
  how many rows and a sample key (``SET NOT NULL fails: 1,203 rows of customers have NULL
  country_code (e.g. id = 17) — backfill first``).
* after the upgrade: what it dropped or converted lossily, with the rows affected, as data-loss
  risk (:attr:`~migcheck.verify.results.RevisionResult.data_loss`).
* after the downgrade: what the round trip did not bring back, as ``data-not-restored``
  problems (``downgrade of a3 does not restore orders.legacy: 10,000 non-null values lost``).
* lock hold times of the first upgrade (:mod:`migcheck.verify.durations`), at the seeded
  size, each statement timed again by the re-upgrade, projected with ``--table-sizes``.

Everything runs on a connection of its own to the throwaway database, between steps (when the
migrations' connection has committed), never inside a migration's transaction; the walk has
it closed before it drops the database or clones it as a checkpoint.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from migcheck.data import DataChange, checksums, compare, seed
from migcheck.data.checksum import Checksums
from migcheck.data.seed_data import SeedRows, insert_rows
from migcheck.errors import MigcheckError
from migcheck.pg import Database
from migcheck.verify.durations import LockHold, TableSize, lock_holds
from migcheck.verify.load import LoadStats, Workload
from migcheck.verify.results import DataLoss, RevisionResult
from migcheck.verify.trace import TracedStatement

#: the checksum kinds an upgrade is a data-loss risk for (rows added are not lost)
_LOSSES = ("table dropped", "rows lost", "column dropped", "values lost", "values changed")

#: SQLSTATE classes an upgrade fails with because of the rows it met (22: data exception,
#: 23: integrity constraint violation)
_DATA_ERRORS = ("22", "23")

_ALTER_TYPE = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?P<table>(?:\"[^\"]+\"|\w+)"
    r"(?:\.(?:\"[^\"]+\"|\w+))?)\s+ALTER\s+(?:COLUMN\s+)?(?P<column>\"[^\"]+\"|\w+)\s+"
    r"(?:SET\s+DATA\s+)?TYPE\s+(?P<type>.+?)(?:\s+USING\b|\s+COLLATE\b|,|;|$)",
    re.IGNORECASE | re.DOTALL,
)
#: seeding's reasons for leaving a table alone that are no news
_QUIET = ("already holds rows", "no rows asked for")
_CHECK = re.compile(r"\bCHECK\s*\((?P<expression>.*)\)\s*(NOT\s+VALID\s*)?;?\s*$", re.I | re.S)
_KEY = re.compile(r"Key \((?P<columns>.+?)\)=\((?P<values>.*)\)")


@dataclass
class DataOptions:
    """What to put in the tables during the walk (``--rows``, ``--data``, ``--seed-data``)."""

    rows: dict[str, int] = field(default_factory=dict)  # parse_rows(); empty: no synthetic rows
    fixtures: Sequence[Path] = ()  # fixture SQL files, each loaded once it fits the schema
    seed: int = 0
    seed_rows: SeedRows = field(default_factory=dict)  # revision → table → rows
    table_sizes: Mapping[str, TableSize] | None = None
    load: bool = False  # --load: a workload on the tables while each first upgrade runs

    @property
    def active(self) -> bool:
        """True when any data goes into the tables."""
        return bool(self.rows or self.fixtures or self.seed_rows)


class DataPass:
    """The data hooks of one walk; ``notes`` collects what concerns the whole run."""

    def __init__(self, options: DataOptions) -> None:
        self.options = options
        self.notes: list[str] = []
        self.seconds = 0.0  # seeding time, all revisions
        self.rows = 0  # synthetic rows inserted, all revisions
        self._pending: list[Path] = list(options.fixtures)
        self._loaded: list[Path] = []
        self._failed: dict[Path, str] = {}
        self._skipped: set[tuple[str, str]] = set()
        self._before: Checksums | None = None
        self._workload: Workload | None = None
        self._first: Sequence[TracedStatement] = ()  # the first upgrade's statements
        self._connection: psycopg.Connection[Any] | None = None
        self._database = ""

    @contextlib.contextmanager
    def _connect(self, database: Database) -> Iterator[psycopg.Connection[Any]]:
        """The pass's connection to ``database``, opened on first use, kept until released."""
        if self._connection is not None and (
            self._connection.closed or self._database != database.name
        ):
            self.release()
        if self._connection is None:
            self._connection = psycopg.connect(database.conninfo, autocommit=True)
            self._connection.execute("SET application_name = 'migcheck data'")
            self._database = database.name
        try:
            yield self._connection
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Close the connection: the walk is about to drop the database or clone it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    # -- hooks -------------------------------------------------------------------------------
    def rebuilt(self) -> None:
        """The walk starts over on a new database: fixture data goes in again."""
        self.release()
        self._pending = [*self._loaded, *self._pending]
        self._loaded = []

    def before_upgrade(
        self, database: Database, revision: str, result: RevisionResult | None
    ) -> None:
        """Fill the tables that exist before ``revision`` upgrades, then checksum them."""
        with self._connect(database) as connection:
            self._load_fixtures(connection, revision)
            if self.options.rows:
                self._seed(connection, revision, result)
            rows = self.options.seed_rows.get(revision)
            if rows:
                problem = insert_rows(connection, rows)
                if problem is not None and result is not None:
                    result.add(
                        "upgrade", "seed-data-failed", f"--seed-data for {revision}: {problem}"
                    )
                elif problem is not None:
                    self.notes.append(f"--seed-data for {revision}: {problem}")
            self._before = checksums(connection) if result is not None else None

    def table_rows(self) -> dict[str, int]:
        """Rows per table before the revision being checked upgraded."""
        return {name: table.rows for name, table in (self._before or {}).items()}

    def upgrade_failed(
        self,
        database: Database,
        result: RevisionResult,
        original: BaseException,
        statements: Sequence[TracedStatement],
    ) -> None:
        """Explain an upgrade that failed on the rows it met, with a count and a sample key."""
        error = getattr(original, "orig", original)
        if not isinstance(error, psycopg.Error) or (error.sqlstate or "")[:2] not in _DATA_ERRORS:
            return
        failed = next((s.sql for s in reversed(statements) if s.failed), "")
        try:
            with self._connect(database) as connection:
                message = _explain(connection, error, failed)
        except psycopg.Error:
            message = None
        if message is None:
            text = (error.diag.message_primary or str(error)).splitlines()[0]
            message = f"the upgrade fails on the seeded rows: {text}"
        result.add("upgrade", "data-dependent-failure", message)

    def after_upgrade(
        self, database: Database, result: RevisionResult, statements: Sequence[TracedStatement]
    ) -> None:
        """Record what the upgrade dropped or converted lossily (data-loss risk).

        Only the tables the upgrade locked can have changed: when the trace saw every statement
        and each locked table is one the checksum before knows by that name, only those are
        read again.
        """
        if self._before is None:
            return
        touched = _touched(statements)
        with self._connect(database) as connection:
            if touched is None or not touched <= set(self._before):
                after = checksums(connection)
            else:
                unchanged = {n: t for n, t in self._before.items() if n not in touched}
                after = {**unchanged, **checksums(connection, touched)}
        for change in compare(self._before, after):
            if change.kind in _LOSSES:
                result.data_loss.append(_loss(change))

    def after_downgrade(self, database: Database, revision: str, result: RevisionResult) -> None:
        """A problem per table or column whose rows or values the round trip did not restore."""
        if self._before is None:
            return
        with self._connect(database) as connection:
            after = checksums(connection)
        for change in compare(self._before, after):
            result.add(
                "downgrade",
                "data-not-restored",
                f"downgrade of {revision} does not restore {change.message}",
            )

    def start_load(self, database: Database) -> None:
        """With ``--load``: start the workload just before the first upgrade runs."""
        if self.options.load:
            self._workload = self._workload or Workload()
            self._workload.start(database.conninfo)

    def stop_load(self, statements: Sequence[TracedStatement]) -> LoadStats | None:
        """Stop the workload the upgrade ran under and sum up what it saw."""
        return self._workload.stop(statements) if self._workload is not None else None

    def holds(self, statements: Sequence[TracedStatement]) -> list[LockHold]:
        """The upgrade's lock hold times at the seeded size, projected with ``--table-sizes``."""
        self._first = statements
        return lock_holds(statements, self.table_rows(), self.options.table_sizes)

    def reupgraded(self, result: RevisionResult, statements: Sequence[TracedStatement]) -> None:
        """The upgrade ran again on the same rows: hold times from each statement's faster run.

        One slow run on a shared machine then does not make the projection.
        """
        if result.holds and self._first:
            rows, sizes = self.table_rows(), self.options.table_sizes
            result.holds = lock_holds(self._first, rows, sizes, again=statements)

    def close(self) -> None:
        """Close the connection and end the workload's process (the walk is over)."""
        self.release()
        workload, self._workload = self._workload, None
        if workload is not None:
            workload.close()

    def finish(self) -> None:
        """Close everything; note the fixture files that never fitted the schema."""
        self.close()
        for path in self._pending:
            reason = self._failed.get(path, "no revision's schema had its tables")
            self.notes.append(f"--data {path}: not loaded ({reason})")

    # -- filling -----------------------------------------------------------------------------
    def _load_fixtures(self, connection: psycopg.Connection[Any], revision: str) -> None:
        for path in list(self._pending):
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise MigcheckError(f"--data {path}: {error.strerror or error}") from None
            try:
                with connection.transaction():
                    connection.execute(text.encode())
            except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as error:
                self._failed[path] = (error.diag.message_primary or str(error)).splitlines()[0]
                continue  # the tables it fills come with a later revision
            except psycopg.Error as error:
                text = (error.diag.message_primary or str(error)).splitlines()[0]
                raise MigcheckError(f"--data {path}: {text} (before revision {revision})") from None
            self._pending.remove(path)
            self._loaded.append(path)
            self.notes.append(f"--data {path}: loaded before revision {revision}")

    def _seed(
        self, connection: psycopg.Connection[Any], revision: str, result: RevisionResult | None
    ) -> None:
        report = seed(connection, self.options.rows, self.options.seed)
        self.seconds += report.seconds
        self.rows += report.rows
        for entry in report.tables:
            if entry.skipped is None or entry.skipped in (
                "already holds rows",
                "no rows asked for",
            ):
                continue
            if (entry.table, entry.skipped) in self._skipped:
                continue
            assert entry.skipped is not None
            self._skipped.add((entry.table, entry.skipped))
            note = f"table {entry.table} not filled before {revision}: {entry.skipped}"
            (result.notes if result is not None else self.notes).append(note)


def _touched(statements: Sequence[TracedStatement]) -> set[str] | None:
    """The existing tables the statements locked; None when some ran unseen by the probe."""
    if not statements or not all(s.probed for s in statements if not s.failed):
        return None
    return {
        lock.relation
        for statement in statements
        for lock in (*statement.locks, *statement.held)
        if not lock.new_relation
    }


def _loss(change: DataChange) -> DataLoss:
    rows = change.before - change.after if change.kind != "values changed" else change.before
    return DataLoss(change.table, change.column, change.kind, rows, change.message)


# -- data-dependent failures ---------------------------------------------------------------------
def _explain(connection: psycopg.Connection[Any], error: psycopg.Error, failed: str) -> str | None:
    """The cause of a data-dependent failure with a count and a sample key, or None."""
    diag = error.diag
    state = error.sqlstate or ""
    table = _table(connection, diag.schema_name, diag.table_name)
    if state == "23502" and table is not None and diag.column_name:
        return _not_null(connection, table, diag.column_name)
    if state == "23505" and table is not None:
        return _unique(connection, table, diag.message_detail or "", diag.constraint_name)
    if state == "23503" and table is not None:
        return _foreign_key(connection, table, diag.message_detail or "", diag.constraint_name)
    if state == "23514" and table is not None:
        return _check(connection, table, diag.constraint_name, failed)
    match = _ALTER_TYPE.search(failed)
    if state in ("22001", "22003", "22P02", "22007", "22008") and match:
        found = _table(connection, None, _unquote(match["table"].split(".")[-1]))
        if found is not None:
            return _narrowing(connection, found, _unquote(match["column"]), match["type"].strip())
    return None


def _table(
    connection: psycopg.Connection[Any], schema: str | None, name: str | None
) -> tuple[str, str] | None:
    if not name:
        return None
    row = connection.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND (%s::text IS NULL OR n.nspname = %s) AND c.relkind IN ('r', 'p') "
        "ORDER BY n.nspname <> 'public', n.nspname LIMIT 1",
        (name, schema, schema),
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def _name(table: tuple[str, str]) -> str:
    return table[1] if table[0] == "public" else f"{table[0]}.{table[1]}"


def _unquote(identifier: str) -> str:
    return identifier[1:-1].replace('""', '"') if identifier.startswith('"') else identifier.lower()


def _columns(connection: psycopg.Connection[Any], table: tuple[str, str]) -> list[str]:
    rows = connection.execute(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum",
        (sql.Identifier(*table).as_string(connection),),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _primary_key(connection: psycopg.Connection[Any], table: tuple[str, str]) -> list[str]:
    rows = connection.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int[], a.attnum::int)",
        (sql.Identifier(*table).as_string(connection),),
    ).fetchall()
    return [str(row[0]) for row in rows]


def _sample(
    connection: psycopg.Connection[Any],
    table: tuple[str, str],
    where: sql.Composable,
    extra: Sequence[str] = (),
) -> tuple[int, str]:
    """How many rows match ``where``, and the key (and ``extra`` columns) of the first one."""
    key = _primary_key(connection, table)
    shown = [*key, *(name for name in extra if name not in key)] or ["ctid"]
    columns = sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(name) if name != "ctid" else sql.SQL("ctid"))
        for name in shown
    )
    order = sql.SQL(", ").join(map(sql.Identifier, key)) if key else sql.SQL("ctid")
    target = sql.Identifier(*table)
    row = connection.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE {}").format(target, where)
    ).fetchone()
    count = int(row[0]) if row else 0
    first = connection.execute(
        sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1").format(
            columns, target, where, order
        )
    ).fetchone()
    sample = (
        ", ".join(f"{name} = {value}" for name, value in zip(shown, first, strict=True))
        if first
        else ""
    )
    return count, sample


def _eg(sample: str) -> str:
    return f" (e.g. {sample})" if sample else ""


def _not_null(connection: psycopg.Connection[Any], table: tuple[str, str], column: str) -> str:
    if column not in _columns(connection, table):
        row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*table)))
        found = row.fetchone()
        count = int(found[0]) if found else 0
        return (
            f"ADD COLUMN {column} NOT NULL without a default fails: {_name(table)} has "
            f"{count:,} rows — add it nullable, backfill, then SET NOT NULL (or give it a default)"
        )
    count, sample = _sample(connection, table, sql.SQL("{} IS NULL").format(sql.Identifier(column)))
    if count == 0:
        return _writes_null(table, column)
    return (
        f"SET NOT NULL fails: {count:,} rows of {_name(table)} have NULL {column}{_eg(sample)} "
        "— backfill first"
    )


def _writes_null(table: tuple[str, str], column: str) -> str:
    """A NOT NULL violation the existing rows do not explain: the migration wrote the NULLs."""
    return (
        f"NOT NULL violation on {_name(table)}.{column}: the upgrade writes NULL into it "
        "(the rows it started from hold none)"
    )


def _key_columns(
    detail: str, connection: psycopg.Connection[Any], table: tuple[str, str]
) -> list[str]:
    match = _KEY.search(detail)
    if not match:
        return []
    names = [name.strip().strip('"') for name in match["columns"].split(",")]
    known = set(_columns(connection, table))
    return names if all(name in known for name in names) else []


def _unique(
    connection: psycopg.Connection[Any], table: tuple[str, str], detail: str, constraint: str | None
) -> str:
    columns = _key_columns(detail, connection, table)
    what = f"unique {constraint}" if constraint else "a unique index"
    if not columns:
        return (
            f"{what} fails: {_name(table)} holds duplicates ({detail.strip()}) — deduplicate first"
        )
    keys = sql.SQL(", ").join(map(sql.Identifier, columns))
    row = connection.execute(
        sql.SQL(
            "SELECT count(*), sum(n) FROM (SELECT count(*) AS n FROM {} WHERE {} "
            "GROUP BY {} HAVING count(*) > 1) AS d"
        ).format(
            sql.Identifier(*table),
            sql.SQL(" AND ").join(
                sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in columns
            ),
            keys,
        )
    ).fetchone()
    groups, rows = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
    match = _KEY.search(detail)
    sample = f"{', '.join(columns)} = {match['values']}" if match else ""
    return (
        f"{what} fails: {groups:,} values of {_name(table)}.{', '.join(columns)} appear more than "
        f"once ({rows:,} rows){_eg(sample)} — deduplicate first"
    )


def _foreign_key(
    connection: psycopg.Connection[Any], table: tuple[str, str], detail: str, constraint: str | None
) -> str:
    columns = _key_columns(detail, connection, table)
    parent_match = re.search(r'table "(?P<parent>[^"]+)"', detail)
    what = f"foreign key {constraint}" if constraint else "a foreign key"
    parent = _table(connection, None, parent_match["parent"]) if parent_match else None
    parent_key = _primary_key(connection, parent) if parent is not None else []
    if not columns or parent is None or len(parent_key) != len(columns):
        return f"{what} fails: {_name(table)} has orphans ({detail.strip()}) — fix them first"
    where = sql.SQL("{} AND NOT EXISTS (SELECT FROM {} AS p WHERE {})").format(
        sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(*parent),
        sql.SQL(" AND ").join(
            sql.SQL("p.{} = {}.{}").format(
                sql.Identifier(p), sql.Identifier(*table), sql.Identifier(c)
            )
            for p, c in zip(parent_key, columns, strict=True)
        ),
    )
    count, sample = _sample(connection, table, where, columns)
    return (
        f"{what} fails: {count:,} rows of {_name(table)} have a {', '.join(columns)} with no row "
        f"in {_name(parent)}{_eg(sample)} — delete or fix the orphans first, or add it NOT VALID "
        "and VALIDATE it once they are fixed"
    )


def _check(
    connection: psycopg.Connection[Any], table: tuple[str, str], name: str | None, failed: str
) -> str:
    """A CHECK the existing rows break: how many, and a sample key (its expression re-run)."""
    remedy = "fix the rows first, or add it NOT VALID and VALIDATE it once they are fixed"
    what = f"CHECK {name}" if name else "a CHECK constraint"
    match = _CHECK.search(failed)
    if match is not None:
        where = sql.SQL("NOT ({})").format(sql.SQL(match["expression"]))
        try:
            with connection.transaction():
                count, sample = _sample(connection, table, where)
        except psycopg.Error:
            pass  # the expression does not read alone (it names another alias): no count
        else:
            if count:
                broken = f"{count:,} rows of {_name(table)} break it{_eg(sample)}"
                return f"{what} fails: {broken} — {remedy}"
    return f"{what} fails on the existing rows of {_name(table)} — {remedy}"


def _narrowing(
    connection: psycopg.Connection[Any], table: tuple[str, str], column: str, new_type: str
) -> str | None:
    if column not in _columns(connection, table):
        return None
    value = sql.SQL("{}::text").format(sql.Identifier(column))
    integer = re.match(r"(small|big)?int(eger|2|4|8)?$", new_type.lower().strip())
    if integer:  # a cast to an integer rounds first: only the range can fail
        value = sql.SQL("round({}::numeric)::text").format(sql.Identifier(column))
    where = sql.SQL("{} IS NOT NULL AND NOT pg_input_is_valid({}, {})").format(
        sql.Identifier(column), value, sql.Literal(new_type)
    )
    try:
        with connection.transaction():
            count, sample = _sample(connection, table, where, [column])
    except psycopg.Error:
        return None  # pg_input_is_valid needs PostgreSQL 16, or the type is not plain
    return (
        f"type change of {_name(table)}.{column} to {new_type} fails: {count:,} values do not fit"
        f"{_eg(sample)} — widen the type, or fix or clean those values first"
    )
