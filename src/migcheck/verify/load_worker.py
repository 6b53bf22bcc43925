"""The ``--load`` workload's own process: statements by key, timed away from the walk.

The workload runs in a process of its own so that its latencies are the database's: pauses of
migcheck's process (running Alembic, reading the trace, collecting garbage) hold no workload
thread back. :class:`migcheck.verify.load.Workload` starts ``python -m
migcheck.verify.load_worker`` once per run and talks to it in lines on its stdin and stdout:

* ``start {"conninfo": …, "version_table": …}``: open :data:`THREADS` connections, find the
  tables with a single integer primary key and start running statements on them; the reply is
  ``ready N`` (N tables; 0 when there is none, and then nothing runs).
* ``stop``: stop, close the connections and reply with one JSON line: the tables, the errors
  and every sample as ``[start, latency, kind, table index]`` (seconds on the system's
  monotonic clock, the one :func:`time.perf_counter` reads, so the walk can line them up with
  its own statements).

End of input (migcheck exited, however it ended) stops the workload and ends the process; it
ignores SIGINT, so a Ctrl-C reaches migcheck alone and migcheck's unwinding ends it.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import sys
import threading
import time
from typing import Any, TextIO

import psycopg
from psycopg import sql

#: workload connections (the machine running CI has few cores)
THREADS = 2
#: pause between two statements of one connection, in seconds
THINK_S = 0.002
#: a workload statement waits at most this long (a stuck migration fails on its own)
STATEMENT_TIMEOUT = "60s"
#: the statement kinds, by the index a sample carries
KINDS = ("read", "update")

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


class _Run:
    """One upgrade's workload: :data:`THREADS` connections until :meth:`stop`."""

    def __init__(self, conninfo: str, version_table: str) -> None:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            rows = connection.execute(_KEYED_SQL, (version_table,)).fetchall()
        self.tables = [(str(s), str(t), str(k), max(int(n), 1)) for s, t, k, n in rows]
        self.names = [t if s == "public" else f"{s}.{t}" for s, t, _, _ in self.tables]
        self.samples: list[tuple[float, float, int, int]] = []
        self.errors = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections: list[psycopg.Connection[Any]] = []
        try:
            for _ in range(THREADS):
                self._connections.append(self._connect(conninfo))
        except psycopg.Error:
            self.close()
            raise
        self._workers = [
            threading.Thread(target=self._loop, args=(c, random.Random(i)), daemon=True)
            for i, c in enumerate(self._connections)
        ]

    @staticmethod
    def _connect(conninfo: str) -> psycopg.Connection[Any]:
        connection = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)
        connection.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        connection.execute("SET application_name = 'migcheck load'")
        return connection

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        for worker in self._workers:
            if worker.is_alive():
                worker.join()
        self.close()
        return {"tables": self.names, "errors": self.errors, "samples": self.samples}

    def close(self) -> None:
        for connection in self._connections:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    def _loop(self, conn: psycopg.Connection[Any], rng: random.Random) -> None:
        statements = [
            (
                sql.SQL("SELECT * FROM {} WHERE {} = %s").format(
                    sql.Identifier(schema, table), sql.Identifier(key)
                ),
                sql.SQL("UPDATE {} SET {k} = {k} WHERE {k} = %s").format(
                    sql.Identifier(schema, table), k=sql.Identifier(key)
                ),
            )
            for schema, table, key, _ in self.tables
        ]
        while not self._stop.is_set():
            index = rng.randrange(len(self.tables))
            value = rng.randint(1, self.tables[index][3])
            kind = rng.choice((0, 0, 1))  # two reads to an update
            started = time.perf_counter()
            try:
                with contextlib.closing(conn.execute(statements[index][kind], (value,))):
                    pass
            except psycopg.Error:
                with self._lock:
                    self.errors += 1
            latency = time.perf_counter() - started
            with self._lock:
                self.samples.append((started, latency, kind, index))
            time.sleep(THINK_S)


def serve(commands: TextIO, replies: TextIO) -> None:
    """Answer ``start`` and ``stop`` lines until ``commands`` ends."""
    run: _Run | None = None
    try:
        for line in commands:
            verb, _, argument = line.strip().partition(" ")
            if verb == "start":
                if run is not None:
                    run.stop()
                settings = json.loads(argument)
                try:
                    run = _Run(settings["conninfo"], settings["version_table"])
                except psycopg.Error:
                    run = None
                if run is not None and run.tables:
                    run.start()
                    replies.write(f"ready {len(run.tables)}\n")
                else:
                    run = None
                    replies.write("ready 0\n")
            elif verb == "stop" and run is not None:
                replies.write(json.dumps(run.stop()) + "\n")
                run = None
            else:
                replies.write("{}\n")
            replies.flush()
    finally:
        if run is not None:
            run.stop()


def main() -> None:
    """The process: commands on stdin, replies on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(BrokenPipeError):
        serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
