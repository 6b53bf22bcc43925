"""Time the throwaway PostgreSQL: cold start and fresh-database time, per available backend.

    python bench/pg_start.py [--runs 5]

Cold start = nothing running -> first query answered, with the initdb cluster cached (the normal
case); "first time" = with an empty cache, so initdb runs too. Fresh database = CREATE DATABASE
from a template plus the first query in it. Medians of --runs runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import psycopg

from migcheck.pg import Server, start_server
from migcheck.pg.binaries import find_installs
from migcheck.pg.docker import engine_available


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def _cold_start(open_server: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with open_server() as server:  # type: ignore[attr-defined]
            server.admin.execute("SELECT 1")
            times.append(time.perf_counter() - started)
    return times


def _fresh_db(server: Server, runs: int) -> list[float]:
    times = []
    template = server.create_database()
    for _ in range(runs):
        started = time.perf_counter()
        db = server.create_database(template=template)
        with psycopg.connect(db.conninfo) as conn:
            conn.execute("SELECT 1")
        times.append(time.perf_counter() - started)
        server.drop_database(db)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'backend':<44} {'first time':>11} {'cold start':>11} {'fresh db':>11}")
    for install in find_installs():
        label = f"embedded PG {install.version} ({install.origin})"
        os.environ["MIGCHECK_PG_BINDIR"] = str(install.bindir)
        first = []
        for _ in range(max(1, args.runs // 2)):
            with tempfile.TemporaryDirectory() as cache:
                os.environ["MIGCHECK_CACHE_DIR"] = cache
                first += _cold_start(lambda: start_server("embedded"), 1)
        os.environ.pop("MIGCHECK_CACHE_DIR")
        _cold_start(lambda: start_server("embedded"), 1)
        cold = _cold_start(lambda: start_server("embedded"), args.runs)
        with start_server("embedded") as server:
            fresh = _fresh_db(server, args.runs * 4)
        print(f"{label:<44} {_median_ms(first)} {_median_ms(cold)} {_median_ms(fresh)}")
        os.environ.pop("MIGCHECK_PG_BINDIR")
    with start_server("embedded") as host:
        url = host.endpoint.url("postgres")
        connect = _cold_start(lambda: start_server("url", database_url=url), args.runs)
        with start_server("url", database_url=url) as server:
            fresh = _fresh_db(server, args.runs * 4)
        print(f"{'url (existing server)':<44} {'-':>11} {_median_ms(connect)} {_median_ms(fresh)}")
    if engine_available():
        cold = _cold_start(lambda: start_server("docker"), 1)
        with start_server("docker") as server:
            fresh = _fresh_db(server, args.runs * 4)
        print(f"{'docker':<44} {'-':>11} {_median_ms(cold)} {_median_ms(fresh)}")
    else:
        print(f"{'docker':<44} no engine answers here")


if __name__ == "__main__":
    main()
