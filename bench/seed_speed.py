"""Time seeding fixtures/demo's schema at head against `migcheck verify fixtures/demo` without data.

The issue's target: seeding plus the walk at most 3x the walk without data. In one process, on
one throwaway server from migcheck.pg (no start-up on either side):

1. the verify walk of fixtures/demo (no rows), in-process, as bench/verify_speed.py runs it;
2. a fresh database brought to head with `alembic upgrade head`, then seed() with N rows per
   table (default 10,000), and checksums() of the seeded tables.

Seeding runs once per table here; the walk will fill a table once when it first exists (tables
already holding rows are left alone), so this is the seeding work one walk adds.

    python bench/seed_speed.py             # 10,000 rows per table
    python bench/seed_speed.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import psycopg
from alembic import command

from migcheck.alembic_project.project import load_project
from migcheck.data import checksums, seed
from migcheck.pg import start_server
from migcheck.verify.walk import VerifyOptions, verify_project

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "alembic.ini"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    os.chdir(DEMO.parent)  # the demo's alembic.ini puts "." on sys.path for its models
    walks: list[float] = []
    seeds: list[float] = []
    sums: list[float] = []
    with start_server() as server:
        for _ in range(args.repeat):
            project = load_project(DEMO)
            started = time.perf_counter()
            result = verify_project(project, server, VerifyOptions())
            walks.append(time.perf_counter() - started)

            database = server.create_database()
            os.environ["DATABASE_URL"] = database.url
            command.upgrade(load_project(DEMO).config, "head")
            with psycopg.connect(database.conninfo, autocommit=True) as connection:
                report = seed(connection, args.rows)
                seeds.append(report.seconds)
                started = time.perf_counter()
                checksums(connection)
                sums.append(time.perf_counter() - started)
            server.drop_database(database)

    walk, seeding, summing = min(walks), min(seeds), min(sums)
    print(f"fixtures/demo: {len(project.revisions)} revisions, ok={result.ok}")
    for entry in report.tables:
        print(f"  {entry.describe()}")
    print(f"best of {args.repeat}, server already running:")
    print(f"  {'verify walk without data':36s} {walk:7.2f} s")
    print(f"  {'seed ' + f'{args.rows:,} rows per table':36s} {seeding:7.2f} s")
    print(f"  {'checksums of the seeded tables':36s} {summing:7.2f} s")
    ratio = (walk + seeding) / walk
    print(f"  {'(walk + seed) / walk':36s} {ratio:7.2f}  (target <= 3)")
    # the data check takes two checksums per revision (before up, after down)
    checked = (walk + seeding + 2 * len(project.revisions) * summing) / walk
    print(f"  {'(walk + seed + 2 checksums/rev) / walk':36s} {checked:7.2f}  (estimate)")


if __name__ == "__main__":
    main()
