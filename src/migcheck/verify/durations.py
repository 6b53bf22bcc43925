"""How long each lock of a traced upgrade was held, and that time projected to production size.

A lock is held from the statement that took it to the end of its transaction: its hold time
is the sum of the durations of that statement and of every later statement of the same
transaction (as measured on the server's answers; migcheck's own lock probes between them are
not counted). An upgrade whose transaction stays open after its last statement (env.py's one
outer transaction) holds its locks longer in production than measured here: until the last
revision of the run commits.

With production sizes (``--table-sizes``), each statement in the window is scaled by the
growth model of what it does (:mod:`migcheck.postgres.scaling`) from the rows its table held
when measured to the rows it holds in production. The whole measured time scales: no fixed
cost per statement is set apart. At a few thousand rows a statement's fixed cost is a good
part of its time, but the cost per row is also lower than at production size (the table sits
in the CPU caches and shared buffers), and the two roughly cancel: bench/projection.py
measures it (docs/data.md).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from migcheck.errors import MigcheckError
from migcheck.postgres.scaling import Growth, growth
from migcheck.verify.trace import LockTaken, TracedStatement


@dataclass(frozen=True, slots=True)
class TableSize:
    """A table's size in production, from ``--table-sizes``."""

    rows: int
    bytes: int | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    """A hold time projected to production size: the model and the measured point behind it."""

    rows: int  # production rows of the table
    held_ms: float  # projected
    models: tuple[str, ...]  # the growth model of each statement in the window, deduplicated
    measured_rows: int
    measured_ms: float


@dataclass(frozen=True, slots=True)
class LockHold:
    """One lock an upgrade took on an existing table, and how long it held it (measured)."""

    relation: str
    mode: str  # PostgreSQL's spelling: ``ACCESS EXCLUSIVE``
    blocks: str  # what other sessions wait for meanwhile
    statement: str  # the statement that took it, on one line
    line: int  # its line in the revision file (0: unknown)
    statement_ms: float  # that statement's own duration, measured
    held_ms: float  # from that statement to the end of its transaction, measured
    statements: int  # statements in that window
    rows: int | None  # the table's rows when measured (None: not known)
    projection: Projection | None = None

    def describe(self) -> str:
        """One line saying which figures are measured and which projected."""
        size = f" at {self.rows:,} rows" if self.rows is not None else ""
        text = (
            f"{self.mode} on {self.relation} held {_ms(self.held_ms)} (measured{size}; "
            f"statement {_ms(self.statement_ms)})"
        )
        projected = self.projection
        if projected is not None:
            text += (
                f"; projected {_ms(projected.held_ms)} at {projected.rows:,} rows "
                f"({', '.join(projected.models)}; from {_ms(projected.measured_ms)} measured "
                f"at {projected.measured_rows:,} rows)"
            )
        return text


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def lock_holds(
    statements: Sequence[TracedStatement],
    rows: Mapping[str, int] | None = None,
    sizes: Mapping[str, TableSize] | None = None,
    again: Sequence[TracedStatement] = (),
) -> list[LockHold]:
    """The strongest lock each statement took on each existing table, with its hold time.

    ``rows`` gives each table's rows when the statements ran; with ``sizes`` (production), each
    hold on a table named in both is projected. ``again`` are the same statements run a second
    time on the same rows (the re-upgrade): each statement counts with its faster run.
    """
    rows = rows or {}
    statements = _fastest(statements, again)
    holds: list[LockHold] = []
    for index, statement in enumerate(statements):
        window = transaction_tail(statements, index)
        strongest: dict[str, LockTaken] = {}
        for lock in statement.locks:
            if not lock.new_relation and (
                lock.relation not in strongest or lock.mode > strongest[lock.relation].mode
            ):
                strongest[lock.relation] = lock
        for lock in strongest.values():
            measured = rows.get(lock.relation)
            hold = LockHold(
                relation=lock.relation,
                mode=lock.label,
                blocks=lock.blocks,
                statement=" ".join(statement.sql.split()),
                line=statement.line,
                statement_ms=statement.duration_ms,
                held_ms=sum(s.duration_ms for s in window),
                statements=len(window),
                rows=measured,
            )
            if sizes and lock.relation in sizes and measured is not None:
                hold = _project(hold, window, rows, sizes)
            holds.append(hold)
    return holds


def _fastest(
    statements: Sequence[TracedStatement], again: Sequence[TracedStatement]
) -> Sequence[TracedStatement]:
    """``statements``, each with the faster duration of its run and its run in ``again``."""
    if not again:
        return statements
    faster: list[TracedStatement] = []
    position = 0
    for statement in statements:
        match = next(
            (n for n in range(position, len(again)) if again[n].sql == statement.sql), None
        )
        if match is None:
            faster.append(statement)
            continue
        position = match + 1
        duration = min(statement.duration_ms, again[match].duration_ms)
        faster.append(dataclasses.replace(statement, duration_ms=duration))
    return faster


def transaction_tail(statements: Sequence[TracedStatement], index: int) -> list[TracedStatement]:
    """The statement at ``index`` and the later ones of its transaction (run under its locks)."""
    window = [statements[index]]
    for later in statements[index + 1 :]:
        if later.began or not later.in_transaction:
            break
        window.append(later)
    return window


def _growth(statement: TracedStatement) -> Growth:
    if statement.internal:
        return Growth.CONSTANT  # env.py's and Alembic's own (the version table)
    return growth(
        statement.sql, rewrote=bool(statement.rewritten), rebuilt_index=bool(statement.rebuilt)
    )


def _project(
    hold: LockHold,
    window: Sequence[TracedStatement],
    rows: Mapping[str, int],
    sizes: Mapping[str, TableSize],
) -> LockHold:
    """Scale each statement of the window by its model and the table it works on."""
    assert hold.rows is not None
    projected = 0.0
    models: list[str] = []
    for statement in window:
        table = _works_on(statement, hold.relation)
        kind = _growth(statement)
        size, measured = sizes.get(table), rows.get(table)
        factor = 1.0
        if size is not None and measured is not None:
            factor = kind.factor(size.rows, measured)
            if kind.model not in models:
                models.append(kind.model)
        projected += statement.duration_ms * factor
    production = sizes[hold.relation].rows
    return LockHold(
        **{name: getattr(hold, name) for name in hold.__slots__ if name != "projection"},
        projection=Projection(production, projected, tuple(models), hold.rows, hold.held_ms),
    )


_DML_TARGET = re.compile(
    r"^\s*(?:UPDATE\s+(?:ONLY\s+)?|DELETE\s+FROM\s+(?:ONLY\s+)?|INSERT\s+INTO\s+)"
    r'(?P<table>(?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)',
    re.IGNORECASE,
)


def _works_on(statement: TracedStatement, default: str) -> str:
    """The table whose rows a statement goes through: a DML's target, else the hold's table."""
    match = _DML_TARGET.match(statement.sql)
    if match is None:
        return default
    parts = [part.strip('"') for part in match["table"].split(".")]
    return parts[-1] if len(parts) == 1 or parts[0] == "public" else ".".join(parts)


def load_table_sizes(path: str | Path) -> dict[str, TableSize]:
    """Read ``--table-sizes FILE``: JSON of table → rows, ``[rows, bytes]`` or ``{rows, bytes}``.

    Raises :class:`MigcheckError` naming the file and the entry that is not one of those.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise MigcheckError(f"--table-sizes {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise MigcheckError(
            f"--table-sizes {path}: not JSON ({error.msg}, line {error.lineno})"
        ) from None
    if not isinstance(document, dict):
        raise MigcheckError(f"--table-sizes {path}: expected an object of table → rows")
    sizes: dict[str, TableSize] = {}
    for table, value in document.items():
        size = _size(value)
        if size is None:
            raise MigcheckError(
                f"--table-sizes {path}: {table!r}: expected rows, [rows, bytes] or "
                '{"rows": …, "bytes": …} with whole numbers ≥ 0'
            )
        sizes[str(table).removeprefix("public.")] = size
    return sizes


def _size(value: object) -> TableSize | None:
    if isinstance(value, dict):
        value = [value.get("rows"), value.get("bytes")]
    if isinstance(value, list) and 1 <= len(value) <= 2:
        rows, size = value[0], value[1] if len(value) == 2 else None
    else:
        rows, size = value, None
    if not _count(rows) or not (size is None or _count(size)):
        return None
    assert isinstance(rows, int | float) and (size is None or isinstance(size, int | float))
    return TableSize(int(rows), None if size is None else int(size))


def _count(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value >= 0
        and float(value).is_integer()
    )
