"""Proof under load, like for like: the demo's changes as written by hand vs by the plugin.

fixtures/demo writes its schema changes by hand, several of them the way that stalls a busy
table (an index built without CONCURRENTLY, SET NOT NULL after a one-statement UPDATE, a
validating CHECK, a rewriting type change). fixtures/demo_safe starts from the same three
revisions creating the same tables, and has ``alembic revision --autogenerate`` with migcheck's
plugin write each later change, one stage of its models at a time (``--generate`` writes them
again; the one edit is the value a person gives ``FILL_IN``: ``'US'``, the value the demo's
``UPDATE`` sets).

Both projects are walked by ``migcheck verify --rows N --load`` (the library entry
:func:`migcheck.verify.run.run_verify`): every table filled with N rows, and a workload of reads
and updates by key running while each revision's first upgrade runs. Per change this prints the
workload's worst and p99 statement latency under the hand-written revision and under the
plugin's (a change the plugin splits into expand / backfill / contract revisions counts with
the worst and the highest p99 of them), and whether the goal holds: one line, 50 ms, parts a
stall from none; every unsafe revision of the demo (an error-severity finding on its upgrade)
must stall the workload over it (most do by hundreds of milliseconds: the stall lasts as long as
the revision holds its lock, and validating a cheap CHECK over a million narrow rows takes 70 to
240 ms on a 2-core machine), and every one of the plugin's must stay under it. A plugin revision
over 50 ms is named with the migration statement its worst stall waited for.

    python bench/load_proof.py                   # 1,000,000 rows in every table
    python bench/load_proof.py --rows 100000
    python bench/load_proof.py --generate        # write fixtures/demo_safe's revisions again
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config

from migcheck.pg import start_server
from migcheck.result import Severity
from migcheck.verify.data_pass import DataOptions
from migcheck.verify.load import LoadStats
from migcheck.verify.load_worker import THREADS
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.run import run_verify
from migcheck.verify.walk import VerifyOptions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
SAFE = ROOT / "fixtures" / "demo_safe"
#: the demo's revisions creating the tables, copied as they are into demo_safe
BASE = ("3c1f0a9d2b71", "5e8d2c4a7f10", "7a2b9e6c1d34")
#: the goal: the plugin's revisions stall the workload less than this, the demo's unsafe ones more
LIMIT_MS = 50.0
#: the value the generated backfill gives existing rows (the demo's UPDATE sets 'US')
FILL_IN_VALUE = "'US'"

_PHASE = re.compile(r"\s*\((expand|backfill|contract)\)\s*$")


def _models() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_proof_models", SAFE / "models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stages() -> list[tuple[str, str, str]]:
    """(stage, demo revision, message) of each change after the tables, from models.py."""
    stages: list[tuple[str, str, str]] = list(_models().STAGES)
    return stages[1:]


# -- generating fixtures/demo_safe ---------------------------------------------------------------
def generate(root: Path, url: str) -> list[Path]:
    """Write the revisions after the tables of ``root`` (a copy of demo_safe) again, on ``url``.

    One ``alembic revision --autogenerate`` per stage of the models, with migcheck's plugin;
    ``FILL_IN`` becomes :data:`FILL_IN_VALUE`. Ends with ``alembic check`` at head. Returns the
    files written, in history order.
    """
    versions = root / "migrations" / "versions"
    for path in versions.glob("*.py"):
        if not path.name.startswith(BASE):
            path.unlink()

    def config(stage: str) -> Config:
        cfg = Config(str(root / "alembic.ini"), stdout=io.StringIO())
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cfg.cmd_opts = argparse.Namespace(x=[f"stage={stage}"])
        return cfg

    paths: list[Path] = []
    for stage, _, message in _stages():
        command.upgrade(config(stage), "head")
        written = command.revision(config(stage), message=message, autogenerate=True)
        for script in written if isinstance(written, list) else [written]:
            assert script is not None
            path = Path(script.path)
            text = path.read_text(encoding="utf-8")
            if "FILL_IN" in text:
                path.write_text(text.replace(": FILL_IN}", f": {FILL_IN_VALUE}}}"))
            paths.append(path)
    command.upgrade(config("head"), "head")
    command.check(config("head"))  # the models at head match what the revisions built
    return paths


# -- measuring -----------------------------------------------------------------------------------
@dataclass
class Side:
    """One way of writing a change: its revisions and what the workload saw under each."""

    revisions: list[RevisionResult]

    @property
    def loads(self) -> list[tuple[RevisionResult, LoadStats]]:
        return [(r, r.load) for r in self.revisions if r.load is not None]

    @property
    def worst_ms(self) -> float:
        return max((load.worst_ms for _, load in self.loads), default=0.0)

    @property
    def p99_ms(self) -> float:
        return max((load.p99_ms for _, load in self.loads), default=0.0)

    @property
    def statements(self) -> int:
        return sum(load.statements for _, load in self.loads)

    @property
    def failed(self) -> list[RevisionResult]:
        return [r for r in self.revisions if r.status != "pass"]


def walk(project: Path, rows: int, backend: str) -> VerifyResult:
    """``migcheck verify PROJECT --rows N --load``, through the library entry point."""
    options = VerifyOptions(data=DataOptions(rows={"*": rows}, load=True))
    started = time.monotonic()
    result = run_verify(project, options, pg_backend=backend)
    print(f"walked {project.relative_to(ROOT)} in {time.monotonic() - started:.0f} s", flush=True)
    return result


def unsafe(revision: RevisionResult) -> bool:
    """An error-severity lint finding on the upgrade: what the goal calls unsafe."""
    return any(
        item.step == "upgrade" and item.finding.severity >= Severity.ERROR
        for item in revision.findings
    )


def pair(naive: VerifyResult, safe: VerifyResult) -> list[tuple[str, RevisionResult, Side]]:
    """(message, the demo's revision, the plugin's revisions) per change after the tables."""
    by_id = {r.revision: r for r in naive.revisions}
    plugin: dict[str, list[RevisionResult]] = {}
    for revision in safe.revisions:
        if revision.revision not in BASE:
            plugin.setdefault(_PHASE.sub("", revision.message), []).append(revision)
    return [
        (message, by_id[demo], Side(plugin.get(message, [])))
        for _, demo, message in _stages()
        if demo in by_id
    ]


def _why(revision: RevisionResult, stats: LoadStats) -> str:
    """The stall, the workload statement it hit and whether the migration locked its table."""
    table = stats.worst.split(" ", 1)[-1]
    locked = {lock.relation for s in revision.locks for lock in (*s.locks, *s.held)}
    during = f" during `{stats.overlapped}`" if stats.overlapped else ""
    text = f"worst {stats.worst_ms:.1f} ms ({stats.worst}){during}, p99 {stats.p99_ms:.1f} ms"
    if table in locked:
        longest = max(revision.locks, key=lambda s: s.duration_ms)
        statement = " ".join(longest.sql.split())[:60]
        return (
            f"{text}: the migration locked {table} (a lock or row-lock wait); its longest "
            f"statement took {longest.duration_ms:.1f} ms: `{statement}…`"
        )
    return f"{text}: the migration took no lock on {table}, so not a lock wait (a busy machine)"


def _ms(value: float) -> str:
    return f"{value:8.1f}"


def report(rows: int, naive: VerifyResult, safe: VerifyResult) -> bool:
    """Print the side-by-side table and the verdict on the goal; True when it holds."""
    print()
    print(f"workload stalls while each first upgrade runs, {rows:,} rows per table (ms):")
    print(
        f"  {'change':34} {'demo revision':14} {'naive worst':>11} {'p99':>8}"
        f"  {'plugin worst':>12} {'p99':>8}  plugin revisions"
    )
    missing, slow_naive, slow_plugin = [], [], []
    for message, demo, plugin in pair(naive, safe):
        mark = "*" if unsafe(demo) else " "
        load = demo.load
        naive_worst = load.worst_ms if load is not None else 0.0
        naive_p99 = load.p99_ms if load is not None else 0.0
        phases = ", ".join(m.group(1) for r in plugin.revisions if (m := _PHASE.search(r.message)))
        print(
            f"{mark} {message[:34]:34} {demo.revision:14} {_ms(naive_worst):>11} {_ms(naive_p99)}"
            f"  {_ms(plugin.worst_ms):>12} {_ms(plugin.p99_ms)}  "
            f"{len(plugin.revisions)}{f' ({phases})' if phases else ''}"
        )
        if not plugin.revisions:
            missing.append(message)
        if unsafe(demo) and naive_worst < LIMIT_MS:
            slow_naive.append(f"{demo.revision} {message}: worst {naive_worst:.1f} ms")
        for revision, stats in plugin.loads:
            if stats.worst_ms >= LIMIT_MS:
                slow_plugin.append(
                    f"{revision.revision} {revision.message}: {_why(revision, stats)}"
                )
    print("  (* the demo's unsafe revisions: an error-severity finding on their upgrade)")
    print()
    failed = [r for r in [*naive.revisions, *safe.revisions] if r.status != "pass"]
    for revision in failed:
        first = revision.problems[0].message if revision.problems else revision.status
        print(f"note: {revision.revision} {revision.message}: {revision.status}: {first}")
    for message in missing:
        print(f"note: no plugin revision for {message!r}")
    holds = not slow_naive and not slow_plugin and not missing
    print(
        f"naive unsafe revisions stall >= {LIMIT_MS:.0f} ms: "
        + ("yes" if not slow_naive else "NO: " + "; ".join(slow_naive))
    )
    print(
        f"plugin revisions stall < {LIMIT_MS:.0f} ms: "
        + ("yes" if not slow_plugin else f"NO, {len(slow_plugin)} over:")
    )
    for line in slow_plugin:
        print(f"  {line}")
    print(f"goal holds: {'yes' if holds else 'no'}")
    return holds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in every table")
    parser.add_argument("--backend", default="auto")
    parser.add_argument(
        "--generate", action="store_true", help="write fixtures/demo_safe's revisions again"
    )
    args = parser.parse_args(argv)
    if args.generate:
        with start_server(args.backend) as server:
            for path in generate(SAFE, server.create_database().url):
                print(f"wrote {path.relative_to(ROOT)}")
        print("they upgrade to head and match the models (alembic check)")
        return 0
    before = os.getloadavg()[0]
    naive = walk(DEMO, args.rows, args.backend)
    safe = walk(SAFE, args.rows, args.backend)
    server = f"{naive.backend} PostgreSQL {naive.server_version}"
    print(
        f"server: {server}; workload: migcheck.verify.load ({THREADS} connections); "
        f"load average {before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)"
    )
    return 0 if report(args.rows, naive, safe) else 1


if __name__ == "__main__":
    sys.exit(main())
