"""Time `migcheck verify fixtures/demo --rows N` against the same walk without data.

The issue's target: seeding plus the walk at most 3x the walk without data. Both walks run
in one process, on one throwaway server from migcheck.pg (no start-up on either side), the
way bench/verify_speed.py runs the walk; the walk with data seeds every table before the
revision after the one that created it, checksums the tables before each upgrade, after it
(those it locked) and after its downgrade, times the re-upgrade, and explains data-dependent
failures.

    python bench/seed_speed.py             # 10,000 rows per table, best of 3
    python bench/seed_speed.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from migcheck.alembic_project.project import load_project
from migcheck.pg import start_server
from migcheck.verify.data_pass import DataOptions
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "alembic.ini"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    os.chdir(DEMO.parent)  # the demo's alembic.ini puts "." on sys.path for its models
    plain: list[float] = []
    seeded: list[float] = []
    seeding: list[float] = []
    with_data = VerifyOptions(data=DataOptions(rows={"*": args.rows}))
    result: VerifyResult | None = None
    with start_server() as server:
        for _ in range(args.repeat):
            started = time.perf_counter()
            verify_project(load_project(DEMO), server, VerifyOptions())
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = verify_project(load_project(DEMO), server, with_data)
            seeded.append(time.perf_counter() - started)
            seeding.append(result.seed_s)
    assert result is not None
    walk, data = min(plain), min(seeded)
    print(f"fixtures/demo: {len(result.revisions)} revisions, {result.seeded_rows:,} rows seeded")
    for revision in result.revisions:
        for problem in revision.problems:
            if problem.kind.startswith(("data-", "seed-")):
                print(f"  {revision.revision}: {problem.message}")
        for loss in revision.data_loss:
            print(f"  {revision.revision}: data-loss risk: {loss.message}")
    print(f"best of {args.repeat}, server already running:")
    print(f"  {'verify walk without data':40s} {walk:7.2f} s")
    print(f"  {f'verify walk --rows {args.rows}':40s} {data:7.2f} s")
    print(f"  {'  of which seeding':40s} {min(seeding):7.2f} s")
    print(f"  {'(walk with data) / (walk without)':40s} {data / walk:7.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
