"""Where the server's time goes during `migcheck verify`, per revision, as histories grow.

Generates the histories of ``bench/verify_speed.py`` (same shapes and seed), walks each one in
this process on an embedded PostgreSQL started with ``pg_stat_statements`` tracking every
statement, nested ones included (the queries inside migcheck's snapshot, prior-schema and lock
probe functions), and prints for each size the server time per revision, then the statements
that cost the most: calls, execution and planning time per revision. Server time is less moved
by other load on the machine than wall time, and a statement whose cost grows with the schema
shows up as a row whose time per call grows from one size to the next.

    python bench/verify_server_time.py --sizes 100,1600
    python bench/verify_server_time.py --sizes 400 --top 25 --shape mixed
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import psycopg
from verify_speed import generate

TRACKING = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.track_planning": "on",
    "pg_stat_statements.max": "20000",
}

TOP_SQL = """
SELECT calls, total_exec_time, total_plan_time, toplevel,
       regexp_replace(left(query, 300), '\\s+', ' ', 'g')
FROM pg_stat_statements
ORDER BY total_exec_time + total_plan_time DESC
LIMIT %(top)s
"""


def measure(size: int, shape: str, seed: int, top: int) -> list[str]:
    """Walk a ``size``-revision history; the report lines for it."""
    from migcheck.alembic_project.project import load_project
    from migcheck.pg import embedded, start_server
    from migcheck.verify.walk import VerifyOptions, verify_project

    root = Path(tempfile.mkdtemp(prefix="migcheck-bench-server-"))
    saved = dict(embedded.SETTINGS)
    embedded.SETTINGS.update(TRACKING)
    try:
        ini = generate(root, size, seed, shape)
        with start_server("embedded") as server:
            stats = server.create_database()
            with psycopg.connect(stats.conninfo, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset()")
            project = load_project(ini)
            project.load()  # importing the revision files is not the server's time
            result = verify_project(project, server, VerifyOptions())
            with psycopg.connect(stats.conninfo, autocommit=True) as conn:
                total = conn.execute(
                    "SELECT sum(total_exec_time + total_plan_time) FILTER (WHERE toplevel) "
                    "FROM pg_stat_statements"
                ).fetchone()
                rows = conn.execute(TOP_SQL, {"top": top}).fetchall()
    finally:
        embedded.SETTINGS.clear()
        embedded.SETTINGS.update(saved)
        shutil.rmtree(root, ignore_errors=True)
    server_ms = float(total[0] if total else 0.0) / size
    lines = [
        f"{size} revisions ({'pass' if result.ok else 'FAIL'}): server time {server_ms:.2f} ms "
        "per revision (statements sent by the client: top level)",
        "calls/rev  exec ms/rev  plan ms/rev  ms/call  statement (N: nested in a function)",
    ]
    for calls, executing, planning, toplevel, query in rows:
        per_call = (executing + planning) / calls if calls else 0.0
        lines.append(
            f"{calls / size:9.2f}  {executing / size:11.3f}  {planning / size:11.3f}  "
            f"{per_call:7.3f}  {'' if toplevel else 'N '}{query[:110]}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1600", help="comma-separated history sizes")
    parser.add_argument("--shape", choices=("mixed", "central"), default="central")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=12, help="statements listed per size")
    args = parser.parse_args()
    for size in (int(part) for part in args.sizes.split(",")):
        print("\n".join(measure(size, args.shape, args.seed, args.top)), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
