"""Workload stalls while a migration runs: naive autogenerate output vs migcheck's rewrite.

On a throwaway PostgreSQL this seeds a table named ``order`` (1,000,000 rows by default) and
``order_item`` (an item for every other order, a foreign key to ``order.id``), runs a
concurrent workload of short reads, updates and inserts on both, and applies each case twice:
first the migration ``alembic revision --autogenerate`` writes, then the one migcheck's rewriter
makes of it. It prints, for each, the migration's time and the workload's max and p99 latency
while it ran, and draws latency over time to a PNG.

    python bench/zero_downtime.py                       # 1,000,000 rows
    python bench/zero_downtime.py --rows 100000 --chart /tmp/zd.png
    python bench/zero_downtime.py --rows 100000 --lock-timeouts 50ms,100ms,250ms,500ms,1s,2s

Cases: index, foreign key, CHECK, unique, SET NOT NULL, column type change (integer to bigint),
key widening (``order.id`` and ``order_item.order_id`` integer to bigint: naive, two plain
``alter_column``; migcheck, the key-swap phases), NOT NULL column, rename column, rename table,
enum value, enum removal (naive: the type swap with ``ALTER COLUMN ... TYPE``), data move (a
new table filled from ``order``), narrowing (text to varchar(100)).
For the renames the naive migration is the plain rename (which breaks running code; the
workload switches names once it lands), for the enum a plain ``ADD VALUE``, for the data move
one ``INSERT ... SELECT``. For the NOT NULL column autogenerate's own output
(``add_column(..., nullable=False)``) fails on a table with rows, so the naive migration is what
people write instead: add it nullable, one UPDATE, SET NOT NULL, in one revision. migcheck's
version is its three phases (expand, backfill with the value filled in, contract), with the
application "deployed" (inserts start writing the column) after expand.
"""

from __future__ import annotations

import argparse
import gc
import logging
import random
import statistics
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic.operations import MigrateOperation, Operations, ops
from alembic.runtime.migration import MigrationContext

import migcheck.alembic  # noqa: F401  (registers migcheck's operations)
from migcheck.autogen.ops import (
    AddEnumValueOp,
    BackfillOp,
    CopyRowsOp,
    FillIn,
    LockTimeoutBlockOp,
    SwapEnumTypeOp,
)
from migcheck.autogen.rewriter import Rewriter, created_tables
from migcheck.config import Settings
from migcheck.pg import Database, start_server

CUSTOMERS = 10_000
KINDS = ("read", "update", "insert", "item", "error")


@dataclass
class Sample:
    start: float
    latency: float
    kind: str


@dataclass
class Workload:
    """A few threads of short autocommit statements; every statement's latency is recorded.

    The samples are kept in arrays of numbers, which Python's garbage collector never scans: a
    list of millions of objects made its full collections stop every thread of this process
    (the workload and the migration alike) for 50-200 ms, a stall of the bench, not of the
    database (see :class:`GcPauses`).
    """

    conninfo: str
    threads: int
    think: float
    max_rows: int
    deadline: float
    max_statements: int = 5_000_000
    starts: array[float] = field(default_factory=lambda: array("d"))
    latencies: array[float] = field(default_factory=lambda: array("d"))
    kinds: bytearray = field(default_factory=bytearray)
    errors: int = 0
    last_error: str = ""
    with_priority: bool = False
    table: str = '"order"'
    name_column: str = '"weird name"'
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join()

    def window(self, start: float, end: float) -> list[Sample]:
        with self._lock:
            return [
                Sample(at, latency, KINDS[kind])
                for at, latency, kind in zip(self.starts, self.latencies, self.kinds, strict=True)
                if start <= at <= end
            ]

    def _run(self, index: int) -> None:
        rng = random.Random(index)
        code = 10**12 + index * 10**9
        # no server-side prepared statements: a new column would make cached plans fail
        with psycopg.connect(self.conninfo, autocommit=True, prepare_threshold=None) as conn:
            conn.execute("SET statement_timeout = '60s'")
            for _ in range(self.max_statements):
                if self._stop.is_set() or time.monotonic() >= self.deadline:
                    break
                kind = rng.choice(("read", "read", "update", "insert", "item"))
                key = rng.randint(1, self.max_rows)
                started = time.monotonic()
                try:
                    table = self.table
                    if kind == "read":
                        conn.execute(f"SELECT * FROM {table} WHERE id = %s", (key,)).fetchall()
                    elif kind == "update":
                        conn.execute(
                            f"UPDATE {table} SET total = %s WHERE id = %s",
                            (rng.randint(0, 999), key),
                        )
                    elif kind == "item":
                        # the child table: its rows of an order, and one more
                        conn.execute(
                            "SELECT * FROM order_item WHERE order_id = %s", (key,)
                        ).fetchall()
                        conn.execute(
                            "INSERT INTO order_item (order_id, qty) VALUES (%s, 1)", (key,)
                        )
                    else:
                        code += 1
                        self._insert(conn, rng, code)
                except psycopg.Error as error:
                    kind = "error"
                    with self._lock:
                        self.errors += 1
                        self.last_error = str(error).splitlines()[0]
                latency = time.monotonic() - started
                with self._lock:
                    self.starts.append(started)
                    self.latencies.append(latency)
                    self.kinds.append(KINDS.index(kind))
                time.sleep(self.think)

    def _insert(self, conn: psycopg.Connection[Any], rng: random.Random, code: int) -> None:
        customer = rng.randint(1, CUSTOMERS)
        priority = (", priority", ", 0") if self.with_priority else ("", "")
        conn.execute(
            f"INSERT INTO {self.table} (customer_id, {self.name_column}, total, code,"
            f" status{priority[0]}) VALUES (%s, 'new', 1, %s, 'paid'{priority[1]})",
            (customer, code),
        )


class GcPauses:
    """The garbage collector's pauses in this process, which stop the workload's threads too.

    A pause in the middle of a batch also holds the batch's row locks longer. Before each run
    the heap so far is frozen (``gc.freeze``: left out of later collections), as a migration
    process, which holds no workload samples, would be.
    """

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.monotonic()
        else:
            self.pauses.append((self._began, time.monotonic() - self._began))

    def worst(self, start: float, end: float) -> float:
        """The longest pause that began between ``start`` and ``end``, in seconds."""
        return max((d for at, d in self.pauses if start <= at <= end), default=0.0)

    @staticmethod
    def freeze() -> None:
        """Collect, then leave every object alive now out of later collections."""
        gc.collect()
        gc.freeze()


GC = GcPauses()


class Waits:
    """What the workload's slow statements wait on, from ``pg_stat_activity`` every 5 ms.

    Records the wait event (``Lock:transactionid``, ``LWLock:WALWrite``, none: on CPU) of every
    workload statement running for longer than 20 ms when polled. Itself a small load, so only
    with ``--waits``.
    """

    QUERY = """SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(query, 40)
        FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend'
        AND pid <> pg_backend_pid() AND now() - query_start > interval '20 ms'"""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.seen: list[tuple[float, str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(0.005):
                now = time.monotonic()
                for event, query in conn.execute(self.QUERY).fetchall():
                    self.seen.append((now, event, query))

    def summary(self, start: float, end: float) -> str:
        """The wait events of the workload's slow statements in a window, most frequent first."""
        counts: dict[str, int] = {}
        for at, event, query in self.seen:
            if start <= at <= end and query.lstrip().startswith(("SELECT *", "UPDATE", "INSERT")):
                counts[event] = counts.get(event, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        return ", ".join(f"{event} x{count}" for event, count in ranked[:4]) or "none"


def seed(db: Database, rows: int) -> None:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL)")
        conn.execute(
            "INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, %s) g", (CUSTOMERS,)
        )
        conn.execute("CREATE TYPE order_status AS ENUM ('new', 'paid', 'retired')")
        conn.execute(
            'CREATE TABLE "order" (id serial PRIMARY KEY,'
            ' customer_id bigint, "weird name" text, total int, code bigint, status order_status)'
        )
        conn.execute(
            'INSERT INTO "order" (id, customer_id, "weird name", total, code, status)'
            " SELECT g, g %% %s + 1, 'w' || g, g %% 1000, g, 'new' FROM generate_series(1, %s) g",
            (CUSTOMERS, rows),
        )
        conn.execute(f"""SELECT setval(pg_get_serial_sequence('"order"', 'id'), {rows})""")
        conn.execute(
            "CREATE TABLE order_item (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " order_id integer NOT NULL"
            ' CONSTRAINT order_item_order_id_fkey REFERENCES "order" (id), qty int)'
        )
        conn.execute(
            "INSERT INTO order_item (order_id, qty)"
            " SELECT g, 1 FROM generate_series(1, %s, 2) g",  # an item for every other order
            (rows,),
        )
        conn.execute("CREATE INDEX ix_order_item_order_id ON order_item (order_id)")
        conn.execute('VACUUM ANALYZE "order"')
        conn.execute("VACUUM ANALYZE order_item")
        conn.execute("VACUUM ANALYZE customer")


@dataclass
class Case:
    name: str
    naive: list[MigrateOperation]
    undo: str
    after_expand: Callable[[Workload], None] | None = None
    fill_in: Any = None
    #: what autogenerate itself writes, when it differs from ``naive`` (what people write)
    generated: list[MigrateOperation] | None = None


#: the data move: a new table filled from "order" while the application updates "order"
_COPY_TARGET = "CREATE TABLE order_copy (id bigint PRIMARY KEY, code bigint)"
_EXISTING = "code < 1000000000000"  # the seeded rows (the workload's inserts use larger codes)
_COPY_NAIVE = f'INSERT INTO order_copy SELECT id, code FROM "order" WHERE {_EXISTING}'


#: the enum removal as people write it (and as migcheck did before): the type swap, which
#: rewrites the table under ACCESS EXCLUSIVE
_ENUM_SWAP_NAIVE = """CREATE TYPE order_status_new AS ENUM ('new', 'paid');
ALTER TABLE "order" ALTER COLUMN status TYPE order_status_new USING status::text::order_status_new;
DROP TYPE order_status;
ALTER TYPE order_status_new RENAME TO order_status"""


def table(*children: MigrateOperation) -> ops.ModifyTableOps:
    return ops.ModifyTableOps("order", list(children))


def cases() -> list[Case]:
    return [
        Case(
            "index",
            [table(ops.CreateIndexOp("ix_order_customer_id", "order", ["customer_id"]))],
            "DROP INDEX IF EXISTS ix_order_customer_id",
        ),
        Case(
            "foreign key",
            [
                table(
                    ops.CreateForeignKeyOp(
                        "order_customer_id_fkey", "order", "customer", ["customer_id"], ["id"]
                    )
                )
            ],
            # migcheck's version also indexes the new foreign key
            'ALTER TABLE "order" DROP CONSTRAINT IF EXISTS order_customer_id_fkey;'
            " DROP INDEX IF EXISTS ix_order_customer_id",
        ),
        Case(
            "check",
            [table(ops.CreateCheckConstraintOp("order_total_check", "order", "total >= 0"))],
            'ALTER TABLE "order" DROP CONSTRAINT IF EXISTS order_total_check',
        ),
        Case(
            "unique",
            [table(ops.CreateUniqueConstraintOp("order_code_key", "order", ["code"]))],
            'ALTER TABLE "order" DROP CONSTRAINT IF EXISTS order_code_key',
        ),
        Case(
            "set not null",
            [
                table(
                    ops.AlterColumnOp(
                        "order", "weird name", modify_nullable=False, existing_type=sa.Text()
                    )
                )
            ],
            'ALTER TABLE "order" ALTER COLUMN "weird name" DROP NOT NULL',
        ),
        Case(
            "type change",
            [
                table(
                    ops.AlterColumnOp(
                        "order",
                        "total",
                        existing_type=sa.Integer(),
                        modify_type=sa.BigInteger(),
                        existing_nullable=True,
                    )
                )
            ],
            'ALTER TABLE "order" ALTER COLUMN total TYPE integer',
        ),
        Case(
            "key widening",
            [
                table(
                    ops.AlterColumnOp(
                        "order",
                        "id",
                        existing_type=sa.Integer(),
                        modify_type=sa.BigInteger(),
                        existing_nullable=False,
                        existing_server_default=sa.text("nextval('order_id_seq'::regclass)"),
                    )
                ),
                ops.ModifyTableOps(
                    "order_item",
                    [
                        ops.AlterColumnOp(
                            "order_item",
                            "order_id",
                            existing_type=sa.Integer(),
                            modify_type=sa.BigInteger(),
                            existing_nullable=False,
                        )
                    ],
                ),
            ],
            "ALTER TABLE order_item ALTER COLUMN order_id TYPE integer;"
            ' ALTER TABLE "order" ALTER COLUMN id TYPE integer;'
            " ALTER SEQUENCE order_id_seq AS integer",
        ),
        Case(
            "not null column",
            [
                table(
                    ops.AddColumnOp("order", sa.Column("priority", sa.Integer(), nullable=True)),
                    ops.ExecuteSQLOp('UPDATE "order" SET priority = 0'),
                    ops.AlterColumnOp(
                        "order", "priority", modify_nullable=False, existing_type=sa.Integer()
                    ),
                )
            ],
            'ALTER TABLE "order" DROP COLUMN IF EXISTS priority',
            after_expand=lambda workload: setattr(workload, "with_priority", True),
            fill_in=0,
        ),
        Case(
            "rename column",
            [table(ops.AlterColumnOp("order", "weird name", modify_name="label"))],
            'ALTER TABLE "order" RENAME COLUMN label TO "weird name"',
            after_expand=lambda workload: setattr(workload, "name_column", "label"),
            generated=[
                table(
                    ops.AddColumnOp(
                        "order",
                        sa.Column(
                            "label", sa.Text(), info={"migcheck": {"renamed_from": "weird name"}}
                        ),
                    ),
                    ops.DropColumnOp.from_column_and_tablename(
                        None, "order", sa.Column("weird name", sa.Text())
                    ),
                )
            ],
        ),
        Case(
            "rename table",
            [ops.RenameTableOp("order", "orders")],
            'ALTER TABLE orders RENAME TO "order"',
            after_expand=lambda workload: setattr(workload, "table", "orders"),
        ),
        Case(
            "enum value",
            [ops.ExecuteSQLOp("ALTER TYPE order_status ADD VALUE 'shipped'")],
            "DO $$ BEGIN EXECUTE format('ALTER TYPE order_status RENAME VALUE %L TO %L',"
            " 'shipped', 'shipped_' || txid_current()); END $$",
            generated=[AddEnumValueOp("order_status", "shipped", existing=("new", "paid"))],
        ),
        Case(
            "enum removal",
            [ops.ExecuteSQLOp(_ENUM_SWAP_NAIVE)],
            "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'retired'",
            generated=[
                SwapEnumTypeOp(
                    "order_status",
                    ["new", "paid"],
                    columns=["order.status"],
                    existing=["new", "paid", "retired"],
                )
            ],
        ),
        Case(
            "data move",
            [ops.ExecuteSQLOp(_COPY_TARGET), ops.ExecuteSQLOp(_COPY_NAIVE)],
            "DROP TABLE order_copy",
            generated=[
                ops.ExecuteSQLOp(_COPY_TARGET),
                # the rows that exist, columns the workload does not update: what a copy can
                # verify without a sync trigger
                CopyRowsOp("order", "order_copy", {"id": "id", "code": "code"}, where=_EXISTING),
            ],
        ),
        Case(
            "narrowing",
            [
                table(
                    ops.AlterColumnOp(
                        "order",
                        "weird name",
                        existing_type=sa.Text(),
                        modify_type=sa.String(100),
                        existing_nullable=True,
                    )
                )
            ],
            'ALTER TABLE "order" ALTER COLUMN "weird name" TYPE text',
        ),
    ]


def autogenerated(case: Case) -> list[MigrateOperation]:
    """What autogenerate itself writes for the case (the not-null column's real output)."""
    if case.name == "rename table":
        return _renamed_table()  # built here: a DropTableOp needs the table it drops
    if case.generated is not None:
        return case.generated
    if case.name != "not null column":
        return case.naive
    column = sa.Column("priority", sa.Integer(), nullable=False)
    return [table(ops.AddColumnOp("order", column))]


def _renamed_table() -> list[MigrateOperation]:
    """A marked table rename as autogenerate sees it: a new table and a dropped one."""
    columns = [sa.Column("id", sa.BigInteger, primary_key=True)]
    create = ops.CreateTableOp("orders", columns, info={"migcheck": {"renamed_from": "order"}})
    drop = ops.DropTableOp.from_table(sa.Table("order", sa.MetaData(), *_columns()))
    return [create, drop]


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("customer_id", sa.BigInteger),
        sa.Column("weird name", sa.Text),
        sa.Column("label", sa.Text),
        sa.Column("total", sa.BigInteger),
    ]


def migcheck_phases(case: Case) -> list[list[MigrateOperation]]:
    md = sa.MetaData()
    sa.Table("order", md, *_columns())
    sa.Table(
        "order_item",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("order.id", name="order_item_order_id_fkey"),
            nullable=False,
        ),
        sa.Column("qty", sa.Integer),
        sa.Index("ix_order_item_order_id", "order_id"),
    )
    operations = autogenerated(case)
    phased = Rewriter(created_tables(operations), [md]).rewrite(operations)
    phases = [phase for _, phase in phased.phases()]
    for phase in phases:
        for op in _walk(phase):
            if isinstance(op, BackfillOp):
                op.values = {
                    name: case.fill_in if isinstance(value, FillIn) else value
                    for name, value in op.values.items()
                }
    return phases


def _walk(operations: list[MigrateOperation]) -> Iterator[MigrateOperation]:
    for op in operations:
        if isinstance(op, ops.ModifyTableOps):
            yield from _walk(op.ops)
        else:
            yield op


@contextmanager
def migration(engine: sa.Engine, settings: Settings) -> Iterator[Operations]:
    """One revision's run, as env.py with transaction_per_migration would do it."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"transaction_per_migration": True, "migcheck_settings": settings}
        )
        connection.commit()
        with context.begin_transaction(_per_migration=True):
            yield Operations(context)
        connection.commit()


def apply(operations: Operations, ops_list: list[MigrateOperation]) -> None:
    for op in ops_list:
        if isinstance(op, ops.ModifyTableOps):
            apply(operations, op.ops)
        else:
            operations.invoke(op)


@dataclass
class Result:
    case: str
    variant: str
    seconds: float
    samples: list[Sample]
    start: float

    @property
    def max_ms(self) -> float:
        return max((s.latency for s in self.samples), default=0.0) * 1000

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.kind == "error")

    @property
    def p99_ms(self) -> float:
        latencies = sorted(s.latency for s in self.samples)
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000


def measure(
    workload: Workload,
    engine: sa.Engine,
    settings: Settings,
    case: Case,
    variant: str,
    phases: list[list[MigrateOperation]],
    verbose: bool = False,
    waits: Waits | None = None,
) -> Result:
    GC.freeze()
    time.sleep(0.5)
    started = time.monotonic()
    for number, phase in enumerate(phases):
        phase_start = time.monotonic()
        with migration(engine, settings) as operations:
            apply(operations, phase)
        phase_end = time.monotonic()
        worst = max((s.latency for s in workload.window(phase_start, phase_end)), default=0.0)
        if verbose:
            print(
                f"  {case.name} {variant} phase {number + 1}: {phase_end - phase_start:.2f}s,"
                f" worst stall {worst * 1000:.1f} ms"
                f" (bench's longest GC pause {GC.worst(phase_start, phase_end) * 1000:.1f} ms)",
                flush=True,
            )
            if waits is not None:
                print(f"    slow statements waited on: {waits.summary(phase_start, phase_end)}")
        if number == 0 and case.after_expand is not None and variant == "migcheck":
            case.after_expand(workload)
    finished = time.monotonic()
    if case.after_expand is not None and variant == "naive":
        case.after_expand(workload)
    time.sleep(0.3)  # let statements that started during the migration finish
    return Result(
        case.name, variant, finished - started, workload.window(started, finished), started
    )


def undo(db: Database, case: Case, workload: Workload) -> None:
    workload.with_priority = False
    workload.table, workload.name_column = '"order"', '"weird name"'
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        conn.execute(case.undo)
        if case.name == "not null column":
            conn.execute('VACUUM "order"')


def chart(results: list[Result], baseline: list[Sample], path: Path, rows: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r.case for r in results))
    columns = 4 if len(names) > 6 else 3
    rows_count = (len(names) + columns - 1) // columns
    figure, axes = plt.subplots(
        rows_count, columns, figsize=(5 * columns, 4 * rows_count), sharey=True, squeeze=False
    )
    for axis, name in zip(axes.flat, names, strict=False):
        for result in (r for r in results if r.case == name):
            color = "tab:red" if result.variant == "naive" else "tab:blue"
            xs = [s.start - result.start for s in result.samples]
            ys = [s.latency * 1000 for s in result.samples]
            label = f"{result.variant}: max {result.max_ms:.0f} ms, {result.seconds:.1f} s"
            axis.scatter(xs, ys, s=3, color=color, label=label, alpha=0.6)
        axis.axhline(100, color="grey", linestyle="--", linewidth=0.8)
        axis.set_yscale("log")
        axis.set_title(name)
        axis.set_xlabel("seconds since the migration started")
        axis.legend(loc="upper right", fontsize=8, markerscale=3)
    for axis in axes[:, 0]:
        axis.set_ylabel("workload statement latency (ms)")
    for axis in axes.flat[len(names) :]:
        axis.set_visible(False)
    quiet = max((s.latency for s in baseline), default=0.0) * 1000
    figure.suptitle(
        f"Workload latency during migrations on {rows:,} rows: naive autogenerate vs migcheck"
        f" (dashed: 100 ms; no migration: max {quiet:.0f} ms)"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.002, help="seconds between statements")
    parser.add_argument("--lock-timeout", default=Settings().lock_timeout)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--max-seconds", type=float, default=900, help="workload time limit")
    parser.add_argument("--chart", type=Path, default=Path("bench/out/zero_downtime.png"))
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--verbose", action="store_true", help="print each phase's worst stall")
    parser.add_argument(
        "--waits",
        action="store_true",
        help="with --verbose: what the slow statements waited on (polls pg_stat_activity)",
    )
    parser.add_argument(
        "--lock-timeouts",
        default="",
        help="instead of the cases: comma-separated lock_timeout values to measure behind a"
        " blocking transaction (e.g. 100ms,250ms,500ms,1s,2s)",
    )
    parser.add_argument("--backoffs", default="0.1,0.5", help="retry-backoff values (seconds)")
    parser.add_argument("--blocker-seconds", type=float, default=1.5)
    args = parser.parse_args(argv)
    settings = Settings(lock_timeout=args.lock_timeout, backfill_batch_size=args.batch_size)
    selected = [c for c in cases() if not args.cases or c.name in args.cases.split(",")]

    with start_server(args.backend) as server:
        db = server.create_database()
        print(f"server: {server.backend}, PostgreSQL {server.version_num}")
        t0 = time.monotonic()
        seed(db, args.rows)
        print(f"seeded {args.rows:,} rows in {time.monotonic() - t0:.1f}s")
        engine = sa.create_engine(db.url, poolclass=sa.pool.NullPool)
        workload = Workload(
            db.conninfo, args.threads, args.think, args.rows, time.monotonic() + args.max_seconds
        )
        workload.start()
        waits = Waits(db.conninfo) if args.waits else None
        if waits is not None:
            waits.start()
        try:
            time.sleep(1.0)
            quiet_start = time.monotonic()
            time.sleep(2.0)
            baseline = workload.window(quiet_start, time.monotonic())
            results: list[Result] = []
            if args.lock_timeouts:
                lock_timeouts(
                    db,
                    engine,
                    workload,
                    args.lock_timeouts.split(","),
                    [float(b) for b in args.backoffs.split(",")],
                    args.blocker_seconds,
                )
                selected = []
            for case in selected:
                for variant, phases in (
                    ("naive", [case.naive]),
                    ("migcheck", migcheck_phases(case)),
                ):
                    results.append(
                        measure(
                            workload, engine, settings, case, variant, phases, args.verbose, waits
                        )
                    )
                    print(_line(results[-1]), flush=True)
                    undo(db, case, workload)
        finally:
            workload.stop()
            if waits is not None:
                waits.stop()
            engine.dispose()
    quiet = sorted(s.latency for s in baseline)
    print(
        f"no migration: max {quiet[-1] * 1000:.1f} ms, median"
        f" {statistics.median(quiet) * 1000:.2f} ms over {len(quiet)} statements;"
        f" workload errors: {workload.errors} (last: {workload.last_error or 'none'};"
        " inserts that do not set priority fail once a NOT NULL priority lands)"
    )
    if not results:
        return 0
    chart(results, baseline, args.chart, args.rows)
    print(f"chart: {args.chart}")
    worst = max((r.max_ms for r in results if r.variant == "migcheck"), default=0.0)
    print(f"migcheck worst stall: {worst:.0f} ms (target <= 50 ms)")
    return 0


def _line(result: Result) -> str:
    return (
        f"{result.case:16} {result.variant:9} migration {result.seconds:7.2f}s"
        f"  max {result.max_ms:8.1f} ms  p99 {result.p99_ms:7.1f} ms"
        f"  ({len(result.samples)} statements, {result.errors} failed)"
    )


@dataclass
class LockRun:
    lock_timeout: str
    backoff: float
    seconds: float
    attempts: int
    max_ms: float


def lock_timeouts(
    db: Database,
    engine: sa.Engine,
    workload: Workload,
    timeouts: list[str],
    backoffs: list[float],
    blocker_seconds: float,
) -> list[LockRun]:
    """A guarded add_column queued behind a transaction that holds the table for a while.

    While the ALTER waits for its lock, every later statement on the table queues behind it:
    each attempt stalls the workload for up to lock_timeout; the pause between attempts lets the
    queue drain. Measures the workload's worst stall and the migration's attempts and time.
    """
    runs = []
    for timeout in timeouts:
        for backoff in backoffs:
            settings = Settings(lock_timeout=timeout, retry_backoff=backoff, retries=20)
            release = threading.Event()
            holding = threading.Event()

            def blocker(
                release: threading.Event = release, holding: threading.Event = holding
            ) -> None:
                with psycopg.connect(db.conninfo) as conn:
                    conn.execute('SELECT 1 FROM "order" LIMIT 1')
                    holding.set()
                    release.wait(blocker_seconds)
                    conn.rollback()

            thread = threading.Thread(target=blocker, daemon=True)
            thread.start()
            holding.wait()
            counter = _RetryCounter()
            logging.getLogger("alembic.migcheck").addHandler(counter)
            started = time.monotonic()
            try:
                with migration(engine, settings) as operations:
                    operations.invoke(
                        LockTimeoutBlockOp(
                            [ops.AddColumnOp("order", sa.Column("probe", sa.Integer()))]
                        )
                    )
            finally:
                logging.getLogger("alembic.migcheck").removeHandler(counter)
            finished = time.monotonic()
            release.set()
            thread.join()
            samples = workload.window(started, finished)
            worst = max((s.latency for s in samples), default=0.0) * 1000
            runs.append(LockRun(timeout, backoff, finished - started, counter.count + 1, worst))
            print(
                f"lock_timeout {timeout:>6} backoff {backoff:4.2f}s: {runs[-1].attempts:2d}"
                f" attempts, {runs[-1].seconds:5.2f}s, worst stall {worst:7.1f} ms",
                flush=True,
            )
            with psycopg.connect(db.conninfo, autocommit=True) as conn:
                conn.execute('ALTER TABLE "order" DROP COLUMN IF EXISTS probe')
            time.sleep(0.5)
    return runs


class _RetryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


if __name__ == "__main__":
    sys.exit(main())
