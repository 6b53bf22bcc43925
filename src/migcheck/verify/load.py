"""Proof under load (``--load``): short statements on the seeded tables while an upgrade runs.

While each revision's first upgrade runs, :class:`Workload` runs reads and updates by primary
key (``SELECT * FROM t WHERE id = $1``, ``UPDATE t SET id = id WHERE id = $1``, the short
statements an application sends) on the tables that existed before the revision, from
:data:`THREADS` connections of its own. Every statement's latency is kept; :meth:`Workload.stop`
sums them up as :class:`LoadStats`: how many ran, the worst and the p99 latency, and which
statement of the migration the worst one overlapped (the one holding the lock it waited for).

The updates change no value, so the data checks around the round trip see the same rows. No
inserts: a row for an arbitrary table needs values the seeder makes in bulk, not one at a time.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from migcheck.postgres.locks import Lock
from migcheck.verify.trace import TracedStatement

#: workload connections (the machine running CI has few cores)
THREADS = 2
#: pause between two statements of one connection, in seconds
THINK_S = 0.002
#: a workload statement waits at most this long (a stuck migration fails on its own)
STATEMENT_TIMEOUT = "60s"

_KEYED_SQL = """
SELECT n.nspname, c.relname, a.attname, c.reltuples::bigint
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
JOIN pg_type t ON t.oid = a.atttypid
WHERE i.indisprimary AND i.indnkeyatts = 1 AND c.relkind IN ('r', 'p')
  AND t.typname IN ('int2', 'int4', 'int8')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%'
  AND c.relname <> %s
ORDER BY n.nspname, c.relname
"""


@dataclass(frozen=True, slots=True)
class LoadStats:
    """What the workload saw during one upgrade (all latencies measured, in milliseconds)."""

    statements: int
    errors: int
    worst_ms: float
    p99_ms: float
    worst: str  # the workload statement that waited longest
    overlapped: str | None  # the migration's statement running while it waited (one line)

    def describe(self) -> str:
        """One line: ``under load: worst 412.0 ms, p99 380.1 ms over 420 statements …``.

        The migration statement named is the one holding the strongest lock on the worst
        statement's table, else the one that ran longest meanwhile: "overlapped", since in the
        second case the wait was not for a lock of the migration's.
        """
        text = (
            f"under load: worst {self.worst_ms:.1f} ms, p99 {self.p99_ms:.1f} ms over "
            f"{self.statements:,} workload statements"
        )
        if self.errors:
            text += f" ({self.errors:,} failed)"
        if self.overlapped is not None:
            text += f"; the worst ({self.worst}) overlapped `{self.overlapped}`"
        return text


@dataclass
class _Sample:
    start: float
    latency: float
    statement: str
    table: str


@dataclass
class Workload:
    """Reads and updates by key on ``conninfo``'s tables until :meth:`stop`."""

    conninfo: str
    version_table: str = "alembic_version"
    samples: list[_Sample] = field(default_factory=list)
    errors: int = 0
    _tables: list[tuple[str, str, str, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _ready: threading.Barrier = field(default_factory=lambda: threading.Barrier(THREADS + 1))

    def start(self) -> bool:
        """Start the workload; False when no table has a single integer primary key."""
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            rows = connection.execute(_KEYED_SQL, (self.version_table,)).fetchall()
        self._tables = [(str(s), str(t), str(k), max(int(n), 1)) for s, t, k, n in rows]
        if not self._tables:
            return False
        for index in range(THREADS):
            worker = threading.Thread(
                target=self._run, args=(index,), name="migcheck-load", daemon=True
            )
            worker.start()
            self._workers.append(worker)
        try:
            self._ready.wait(timeout=60)  # every connection is open before the upgrade starts
        except threading.BrokenBarrierError:
            self.stop([])
            return False
        return True

    def stop(self, statements: Sequence[TracedStatement]) -> LoadStats | None:
        """Stop, close the connections and sum up; None when nothing ran."""
        self._stop.set()
        for worker in self._workers:
            worker.join()
        if not self.samples:
            return None
        latencies = sorted(sample.latency for sample in self.samples)
        worst = max(self.samples, key=lambda sample: sample.latency)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        return LoadStats(
            statements=len(self.samples),
            errors=self.errors,
            worst_ms=1000 * worst.latency,
            p99_ms=1000 * p99,
            worst=worst.statement,
            overlapped=_overlapped(worst, statements, self.version_table),
        )

    def _run(self, index: int) -> None:
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, prepare_threshold=None)
            conn.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
            conn.execute("SET application_name = 'migcheck load'")
        except psycopg.Error:
            self._ready.abort()
            return
        with conn:
            with contextlib.suppress(threading.BrokenBarrierError):
                self._ready.wait()
            self._loop(conn, random.Random(index))

    def _loop(self, conn: psycopg.Connection[Any], rng: random.Random) -> None:
        while not self._stop.is_set():
            schema, table, key, rows = rng.choice(self._tables)
            value = rng.randint(1, rows)
            kind = rng.choice(("read", "read", "update"))
            statement = (
                sql.SQL("SELECT * FROM {} WHERE {} = %s")
                if kind == "read"
                else sql.SQL("UPDATE {} SET {k} = {k} WHERE {k} = %s")
            ).format(sql.Identifier(schema, table), sql.Identifier(key), k=sql.Identifier(key))
            name = table if schema == "public" else f"{schema}.{table}"
            started = time.perf_counter()
            try:
                with contextlib.closing(conn.execute(statement, (value,))):
                    pass
            except psycopg.Error:
                with self._lock:
                    self.errors += 1
            latency = time.perf_counter() - started
            with self._lock:
                self.samples.append(_Sample(started, latency, f"{kind} {name}", name))
            time.sleep(THINK_S)


def _overlapped(
    sample: _Sample, statements: Sequence[TracedStatement], version_table: str
) -> str | None:
    """The migration statement ``sample`` waited for, on one line.

    The statement that took the strongest lock on the sample's table before the sample ended
    (the first of equals; its lock is held to the end of the transaction, so it may have
    finished long before); without one, the statement that ran longest during the wait
    (Alembic's version update aside).
    """
    end = sample.start + sample.latency
    timed = [
        s
        for s in statements
        if s.started_s and not s.internal and version_table not in " ".join(s.sql.split()[:3])
    ]
    found: TracedStatement | None = None
    strongest: Lock | None = None
    for statement in timed:
        if statement.started_s > end:
            break
        for lock in statement.locks:
            if lock.relation != sample.table or lock.new_relation:
                continue
            if strongest is None or lock.mode > strongest:
                found, strongest = statement, lock.mode
    if found is None:
        overlaps = [
            (min(end, s.started_s + s.duration_ms / 1000) - max(sample.start, s.started_s), s)
            for s in timed
        ]
        best = max(overlaps, key=lambda pair: pair[0], default=None)
        found = best[1] if best is not None and best[0] > 0 else None
    if found is None:
        return None
    text = " ".join(found.sql.split())
    return text if len(text) <= 80 else text[:79] + "…"
