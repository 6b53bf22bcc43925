"""Time `migcheck verify` against pytest-alembic's test_up_down_consistency as histories grow.

Generates an Alembic project of N revisions in a temporary directory, for each size asked, in
one of two shapes: ``mixed`` (new tables with foreign keys to random tables, added columns,
indexes, unique and check constraints, enum types, NOT NULL/default changes, data-only
revisions) or ``central`` (the same mix, but every new table has a foreign key to one central
``users`` table, as most schemas reference their users table). For each size, in the same run:

1. the verify walk in this process, against one running throwaway server from migcheck.pg, and
   pytest-alembic's `test_up_down_consistency` on the same server (its collector crashes on
   pytest 9, so the test function is imported and called with its runner directly): the same
   work on both sides, no start-up;
2. the `migcheck verify` CLI and pytest-alembic each in a fresh process (imports, server start
   and stop included). migcheck's bytecode is compiled first, as ``pip install`` does and as
   pytest-alembic's is (lint_speed.compile_bytecode): an editable checkout run under
   ``PYTHONDONTWRITEBYTECODE=1`` would otherwise compile its ~100 modules on every start.

Prints ms per revision for each size side by side, the ratios migcheck / pytest-alembic, and
how migcheck's ms per revision grew from the smallest size. With ``--repeat R``, each of R rounds
times every size once, in the order given, and the fastest of the rounds is kept: a machine's
drift over the minutes a run lasts then weighs on every size alike.

    python bench/verify_speed.py --sizes 100,400,1600
    python bench/verify_speed.py --sizes 100,400 --shape mixed --skip-fresh
    python bench/verify_speed.py -n 300 --skip-pytest-alembic
    python bench/verify_speed.py -n 300 --repeat 3    # fastest of 3 runs of each, alternating
    python bench/verify_speed.py --pr-mode -n 300 --pr-new 2

``--shards N`` times a CI matrix instead: the unsharded walk and each ``--shard I/N`` walk in
this process on one server; prints each shard's time and the slowest shard against the
unsharded walk (what a matrix user waits for; the ideal is 1/N):

    python bench/verify_speed.py -n 400 --shards 4 --skip-pytest-alembic

``--pr-mode`` times pull-request mode instead: the history is committed to a git repository
without its last ``--pr-new`` revisions, which are then added back (untracked, as in a pull
request); the full walk and ``--changed-since HEAD`` run in this process on one server, and both
times are printed with their ratio (goal: pull-request mode in at most 20 % of the full walk).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from lint_speed import compile_bytecode

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def run_migrations_online():
    connectable = config.attributes.get("connection", None)
    if connectable is None:
        connectable = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""

INI = """[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = postgresql+psycopg://nobody@127.0.0.1:1/none
"""


class History:
    """Generates revision bodies that keep track of the schema they build."""

    def __init__(self, seed: int, central: bool = False) -> None:
        self.rng = random.Random(seed)
        self.central = central
        self.tables: dict[str, list[str]] = {}
        self.nullable: dict[str, list[str]] = {}
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def revision(self) -> tuple[str, str, str]:
        """(message, upgrade body, downgrade body) for the next revision."""
        if len(self.tables) < 3:
            return self.create_table()
        roll = self.rng.random()
        for limit, make in (
            (0.25, self.create_table),
            (0.50, self.add_column),
            (0.65, self.add_index),
            (0.72, self.add_unique),
            (0.78, self.add_check),
            (0.88, self.add_enum),
            (0.95, self.set_not_null),
        ):
            if roll < limit:
                return make()
        return self.data_only()

    def pick_table(self) -> str:
        return self.rng.choice(sorted(self.tables))

    def create_table(self) -> tuple[str, str, str]:
        table = "users" if self.central and not self.tables else self.name("t")
        columns = ["id", "name", "created_at"]
        fk = ""
        if self.tables and (self.central or self.rng.random() < 0.6):
            target = "users" if self.central else self.pick_table()
            fk = (
                f'\n        sa.Column("{target}_id", sa.Integer, '
                f'sa.ForeignKey("{target}.id", name="fk_{table}_{target}")),'
            )
            columns.append(f"{target}_id")
        self.tables[table] = columns
        self.nullable[table] = []
        up = f"""op.create_table(
        "{table}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),{fk}
    )"""
        return f"create {table}", up, f'op.drop_table("{table}")'

    def add_column(self) -> tuple[str, str, str]:
        table = self.pick_table()
        column = self.name("c")
        kind = self.rng.choice(["sa.Text", "sa.Integer", "sa.Boolean", "sa.Numeric(12, 2)"])
        self.tables[table].append(column)
        self.nullable[table].append(column)
        return (
            f"add {table}.{column}",
            f'op.add_column("{table}", sa.Column("{column}", {kind}))',
            f'op.drop_column("{table}", "{column}")',
        )

    def add_index(self) -> tuple[str, str, str]:
        table = self.pick_table()
        column = self.rng.choice(self.tables[table][1:])
        index = self.name("ix")
        return (
            f"index {table}.{column}",
            f'op.create_index("{index}", "{table}", ["{column}"])',
            f'op.drop_index("{index}", table_name="{table}")',
        )

    def add_unique(self) -> tuple[str, str, str]:
        table = self.pick_table()
        name = self.name("uq")
        return (
            f"unique {table}",
            f'op.create_unique_constraint("{name}", "{table}", ["name", "id"])',
            f'op.drop_constraint("{name}", "{table}", type_="unique")',
        )

    def add_check(self) -> tuple[str, str, str]:
        table = self.pick_table()
        name = self.name("ck")
        return (
            f"check {table}",
            f'op.create_check_constraint("{name}", "{table}", "length(name) < 1000")',
            f'op.drop_constraint("{name}", "{table}", type_="check")',
        )

    def add_enum(self) -> tuple[str, str, str]:
        table = self.pick_table()
        enum = self.name("e")
        column = self.name("c")
        self.tables[table].append(column)
        up = f"""kind = sa.Enum("a", "b", "c", name="{enum}")
    kind.create(op.get_bind())
    op.add_column("{table}", sa.Column("{column}", kind))"""
        down = f"""op.drop_column("{table}", "{column}")
    sa.Enum(name="{enum}").drop(op.get_bind())"""
        return f"enum {enum}", up, down

    def set_not_null(self) -> tuple[str, str, str]:
        candidates = [t for t in sorted(self.nullable) if self.nullable[t]]
        if not candidates:
            return self.add_column()
        table = self.rng.choice(candidates)
        column = self.nullable[table].pop(0)
        return (
            f"not null {table}.{column}",
            f'op.alter_column("{table}", "{column}", nullable=False)',
            f'op.alter_column("{table}", "{column}", nullable=True)',
        )

    def data_only(self) -> tuple[str, str, str]:
        table = self.pick_table()
        return (
            f"data {table}",
            f'op.execute("UPDATE \\"{table}\\" SET name = name WHERE false")',
            "pass",
        )


def generate(root: Path, count: int, seed: int = 7, shape: str = "mixed") -> Path:
    """Write an Alembic project with ``count`` linear revisions; return its ini path."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    history = History(seed, central=shape == "central")
    previous = None
    for number in range(1, count + 1):
        rev = f"r{number:04d}"
        message, up, down = history.revision()
        body = textwrap.dedent(
            f'''\
            """{message}"""
            import sqlalchemy as sa
            from alembic import op

            revision = "{rev}"
            down_revision = {previous!r}
            branch_labels = None
            depends_on = None


            def upgrade():
                {{up}}


            def downgrade():
                {{down}}
            '''
        ).format(up=up, down=down)
        (versions / f"{rev}.py").write_text(body)
        previous = rev
    return root / "alembic.ini"


def time_migcheck_cli(ini: Path, *extra: str) -> tuple[float, dict[str, object]]:
    """Wall time of the `migcheck verify` CLI in a fresh process (imports, server, walk).

    Linting is on, as by default; ``--fail-on never`` because the generated history has lint
    findings by design (the walk itself must pass).
    """
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "migcheck",
            "verify",
            str(ini),
            "--format",
            "json",
            "--fail-on",
            "never",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"migcheck verify failed ({done.returncode}):\n{done.stderr}")
    return elapsed, json.loads(done.stdout)


def time_pytest_alembic_cli(ini: Path) -> float:
    """Wall time of pytest-alembic in a fresh process (imports, server, the test)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--only-pytest-alembic", str(ini)], check=True)
    return time.perf_counter() - started


def run_pytest_alembic(ini: Path, server: object) -> float:
    """Run test_up_down_consistency on a fresh database of ``server``; return its time."""
    import logging

    from pytest_alembic import runner
    from pytest_alembic.config import Config
    from pytest_alembic.tests.default import test_up_down_consistency
    from sqlalchemy import create_engine, pool

    logging.disable(logging.INFO)
    database = server.create_database()  # type: ignore[attr-defined]
    engine = create_engine(database.url, poolclass=pool.NullPool)
    config = Config(
        config_options={"file": str(ini), "script_location": str(ini.parent / "migrations")}
    )
    started = time.perf_counter()
    with runner(config=config, engine=engine) as alembic_runner:
        test_up_down_consistency(alembic_runner)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def run_migcheck(ini: Path, server: object) -> tuple[float, object]:
    """Run the verify walk in this process on ``server``; return its time and result."""
    from migcheck.alembic_project.project import load_project
    from migcheck.verify.walk import VerifyOptions, verify_project

    project = load_project(ini)
    started = time.perf_counter()
    result = verify_project(project, server, VerifyOptions())  # type: ignore[arg-type]
    return time.perf_counter() - started, result


def measure_pr_mode(size: int, new: int, args: argparse.Namespace) -> str:
    """Full walk vs pull-request mode with ``new`` new revisions on a ``size``-revision history."""
    from migcheck.alembic_project.project import load_project
    from migcheck.pg import start_server
    from migcheck.verify.walk import VerifyOptions, verify_project

    root = Path(tempfile.mkdtemp(prefix="migcheck-bench-pr-"))
    ini = generate(root, size, args.seed, args.shape)
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    versions = sorted((root / "migrations" / "versions").glob("r*.py"))
    old = [str(path.relative_to(root)) for path in versions[: size - new]]
    subprocess.run([*git, "add", "alembic.ini", "migrations/env.py", *old], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "main"], cwd=root, check=True)
    full_s = pr_s = float("inf")
    with start_server() as server:
        for _ in range(args.repeat or 3):  # the fastest of each: other load only adds
            started = time.perf_counter()
            full = verify_project(load_project(ini), server, VerifyOptions())
            full_s = min(full_s, time.perf_counter() - started)
            started = time.perf_counter()
            pr = verify_project(load_project(ini), server, VerifyOptions(changed_since="HEAD"))
            pr_s = min(pr_s, time.perf_counter() - started)
    if not (full.ok and pr.ok) or len(pr.revisions) != new:
        sys.exit(f"the generated history should pass with {new} revisions checked: {root}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return (
        f"shape {args.shape}, {size} revisions, {new} new since the ref, fastest of "
        f"{args.repeat or 3}: "
        f"full walk {full_s:.2f} s ({len(full.revisions)} revisions walked), "
        f"pull-request mode {pr_s:.2f} s ({len(pr.revisions)} walked, "
        f"{len(pr.applied_only)} applied only): {100 * pr_s / full_s:.0f} % of the full walk "
        "(goal <= 20 %)"
    )


def measure_shards(size: int, count: int, args: argparse.Namespace) -> str:
    """The unsharded walk and each of ``count`` shards' walks of a ``size``-revision history."""
    from migcheck.alembic_project.project import load_project
    from migcheck.pg import start_server
    from migcheck.verify.walk import VerifyOptions, verify_project

    root = Path(tempfile.mkdtemp(prefix="migcheck-bench-shards-"))
    ini = generate(root, size, args.seed, args.shape)
    whole_s = float("inf")
    shard_s = [float("inf")] * count
    walked = [0] * count
    with start_server() as server:
        for _ in range(args.repeat or 1):  # the fastest of each: other load only adds
            project = load_project(ini)
            started = time.perf_counter()
            whole = verify_project(project, server, VerifyOptions())
            whole_s = min(whole_s, time.perf_counter() - started)
            for index in range(1, count + 1):
                project = load_project(ini)
                started = time.perf_counter()
                part = verify_project(project, server, VerifyOptions(shard=(index, count)))
                shard_s[index - 1] = min(shard_s[index - 1], time.perf_counter() - started)
                walked[index - 1] = len(part.revisions)
    if not whole.ok or sum(walked) != size:
        sys.exit(f"the generated history should pass, each revision walked once: {root}")
    if args.keep:
        print(f"kept the project in {root}", file=sys.stderr)
    else:
        shutil.rmtree(root, ignore_errors=True)
    slowest = max(shard_s)
    lines = [
        f"shape {args.shape}, {size} revisions, {count} shards, fastest of {args.repeat or 1}:",
        f"unsharded walk {whole_s:.2f} s",
    ]
    for index, (took, part_walked) in enumerate(zip(shard_s, walked, strict=True), start=1):
        lines.append(
            f"shard {index}/{count}: {took:.2f} s ({part_walked} walked, "
            f"{sum(walked[: index - 1])} replayed before the slice)"
        )
    lines.append(
        f"slowest shard {slowest:.2f} s = {slowest / whole_s:.2f} x the unsharded walk "
        f"(ideal {1 / count:.2f})"
    )
    return "\n".join(lines)


@dataclass
class Row:
    """ms per revision for one history size (None: not measured)."""

    size: int
    walk: float
    peer: float | None = None
    cli: float | None = None
    peer_cold: float | None = None


def measure(sizes: list[int], args: argparse.Namespace) -> list[Row]:
    """Generate a history of each size and time both tools on each, the sizes interleaved.

    Each round runs every size once, in order, and the fastest of the rounds is kept: a machine
    that slows down or speeds up over the minutes a run takes then weighs on every size alike,
    which the growth column needs (sizes timed one after the other showed the machine's drift).
    """
    from migcheck.pg import start_server

    rounds = args.repeat or 1
    roots = [Path(tempfile.mkdtemp(prefix="migcheck-bench-")) for _ in sizes]
    inis = [
        generate(root, size, args.seed, args.shape) for root, size in zip(roots, sizes, strict=True)
    ]
    walks = [float("inf")] * len(sizes)
    peers = [float("inf")] * len(sizes)
    with start_server() as server:
        for round_ in range(rounds):
            for index, (size, ini) in enumerate(zip(sizes, inis, strict=True)):
                took, result = run_migcheck(ini, server)
                if not result.ok:  # type: ignore[attr-defined]
                    sys.exit(f"the generated {size}-revision history should pass: {ini.parent}")
                walks[index] = min(walks[index], took)
                if not args.skip_pytest_alembic:
                    peers[index] = min(peers[index], run_pytest_alembic(ini, server))
                print(f"round {round_ + 1}/{rounds}: {size} revisions in process", file=sys.stderr)
    rows = [
        Row(size, walk * 1000 / size, None if args.skip_pytest_alembic else peer * 1000 / size)
        for size, walk, peer in zip(sizes, walks, peers, strict=True)
    ]
    if not args.skip_fresh:
        compile_bytecode()
        for round_ in range(rounds):
            for row, ini in zip(rows, inis, strict=True):
                per = 1000.0 / row.size
                cli, report = time_migcheck_cli(ini)
                summary = report["summary"]
                assert isinstance(summary, dict) and summary["passed"] == row.size, "should pass"
                row.cli = min(row.cli or cli * per, cli * per)
                if not args.skip_pytest_alembic:
                    cold = time_pytest_alembic_cli(ini) * per
                    row.peer_cold = min(row.peer_cold or cold, cold)
                print(f"round {round_ + 1}/{rounds}: {row.size} revisions fresh", file=sys.stderr)
    if not args.keep:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)
    return rows


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "-" if ours is None or theirs is None else f"{ours / theirs:.2f}"


def table(rows: list[Row], shape: str, repeat: int = 1) -> str:
    """The measurements as a Markdown table, ms per revision."""
    first = rows[0]
    lines = [
        f"shape {shape}, ms per revision (lock tracing on, as by default)"
        + (f", fastest of {repeat} runs each:" if repeat > 1 else ":"),
        "",
        "| revisions | migcheck walk | growth | pytest-alembic | ratio "
        "| migcheck CLI, fresh process | pytest-alembic, fresh process | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.size} | {row.walk:.1f} | {row.walk / first.walk:.2f}x "
            f"| {_cell(row.peer)} | {_ratio(row.walk, row.peer)} "
            f"| {_cell(row.cli)} | {_cell(row.peer_cold)} | {_ratio(row.cli, row.peer_cold)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200", help="comma-separated history sizes")
    parser.add_argument("-n", "--revisions", type=int, help="one size (same as --sizes N)")
    parser.add_argument("--shape", choices=("mixed", "central"), default="central")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-pytest-alembic", action="store_true")
    parser.add_argument("--skip-fresh", action="store_true", help="in-process timings only")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--only-pytest-alembic", metavar="INI", help=argparse.SUPPRESS)
    parser.add_argument("--pr-mode", action="store_true", help="time --changed-since instead")
    parser.add_argument("--pr-new", type=int, default=2, help="new revisions in --pr-mode")
    parser.add_argument("--shards", type=int, help="time each --shard I/N walk instead")
    parser.add_argument(
        "--repeat", type=int, help="runs of each, the fastest kept (default 1; --pr-mode: 3)"
    )
    args = parser.parse_args()

    if args.pr_mode:
        print(measure_pr_mode(args.revisions or 300, args.pr_new, args))
        return

    if args.shards:
        for size in [args.revisions] if args.revisions else [int(n) for n in args.sizes.split(",")]:
            print(measure_shards(size, args.shards, args))
        return

    if args.only_pytest_alembic:
        from migcheck.pg import start_server

        with start_server() as server:
            run_pytest_alembic(Path(args.only_pytest_alembic), server)
        return

    sizes = [args.revisions] if args.revisions else [int(n) for n in args.sizes.split(",")]
    print(table(measure(sizes, args), args.shape, args.repeat or 1))


if __name__ == "__main__":
    main()
