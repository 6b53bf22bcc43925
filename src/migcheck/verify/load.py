"""Proof under load (``--load``): short statements on the seeded tables while an upgrade runs.

While each revision's first upgrade runs, a workload of reads and updates by primary key
(``SELECT * FROM t WHERE id = $1``, ``UPDATE t SET id = id WHERE id = $1``, the short
statements an application sends) runs on the tables that existed before the revision, from
connections of its own, in a process of its own (:mod:`migcheck.verify.load_worker`), so that a
pause of migcheck's process is not counted as a stall. Every statement's latency is kept;
:meth:`Workload.stop` sums them up as :class:`LoadStats`: how many ran, the worst and the p99
latency, and which statement of the migration the worst one overlapped (the one holding the
lock it waited for).

The updates change no value, so the data checks around the round trip see the same rows. No
inserts: a row for an arbitrary table needs values the seeder makes in bulk, not one at a time.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from migcheck.errors import MigcheckError
from migcheck.postgres.locks import Lock
from migcheck.verify.load_worker import KINDS
from migcheck.verify.trace import TracedStatement

#: how long the worker may take to end once its input is closed, in seconds
END_TIMEOUT_S = 60.0


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
        """One line: ``under load: worst 412.0 ms, p99 380.1 ms over 420 statements …``."""
        return f"under load: {self.figures()}"

    def figures(
        self, text: Callable[[str], str] = str, code: Callable[[str], str] = "`{}`".format
    ) -> str:
        """``worst 412.0 ms, p99 380.1 ms over 420 workload statements …``.

        The migration statement named is the one holding the strongest lock on the worst
        statement's table, else the one that ran longest meanwhile: "overlapped", since in the
        second case the wait was not for a lock of the migration's. ``text`` and ``code``
        render the workload statement and the migration's (markdown escapes them).
        """
        line = (
            f"worst {self.worst_ms:.1f} ms, p99 {self.p99_ms:.1f} ms over "
            f"{self.statements:,} workload statements"
        )
        if self.errors:
            line += f" ({self.errors:,} failed)"
        if self.overlapped is not None:
            line += f"; the worst ({text(self.worst)}) overlapped {code(self.overlapped)}"
        return line


@dataclass(frozen=True, slots=True)
class _Sample:
    start: float
    latency: float
    statement: str
    table: str


@dataclass
class Workload:
    """The workload of one walk: a worker process, started on first use, ended by :meth:`close`."""

    version_table: str = "alembic_version"
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)
    _running: bool = False

    def start(self, conninfo: str) -> bool:
        """Start the workload on ``conninfo``; False when no table has a single integer key."""
        settings = json.dumps({"conninfo": conninfo, "version_table": self.version_table})
        reply = self._ask(f"start {settings}")
        self._running = reply.startswith("ready ") and reply != "ready 0"
        return self._running

    def stop(self, statements: Sequence[TracedStatement]) -> LoadStats | None:
        """Stop the workload and sum up what it saw; None when nothing ran."""
        if not self._running:
            return None
        self._running = False
        seen = json.loads(self._ask("stop"))
        tables: list[str] = seen["tables"]
        samples = [
            _Sample(start, latency, f"{KINDS[kind]} {tables[table]}", tables[table])
            for start, latency, kind, table in seen["samples"]
        ]
        if not samples:
            return None
        latencies = sorted(sample.latency for sample in samples)
        worst = max(samples, key=lambda sample: sample.latency)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        return LoadStats(
            statements=len(samples),
            errors=int(seen["errors"]),
            worst_ms=1000 * worst.latency,
            p99_ms=1000 * p99,
            worst=worst.statement,
            overlapped=_overlapped(worst, statements, self.version_table),
        )

    def close(self) -> None:
        """End the worker process (its connections close with it)."""
        process, self._process = self._process, None
        self._running = False
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=END_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()

    def _ask(self, command: str) -> str:
        """Send one command line to the worker (started on first use), return its reply line."""
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "migcheck.verify.load_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(command + "\n")
            process.stdin.flush()
            reply = process.stdout.readline()
        except OSError:
            reply = ""
        if not reply:
            process.kill()
            assert process.stderr is not None
            lines = process.stderr.read().strip().splitlines()
            self.close()
            why = f": {lines[-1]}" if lines else ""
            raise MigcheckError(f"--load: the workload process ended{why}")
        return reply.strip()


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
