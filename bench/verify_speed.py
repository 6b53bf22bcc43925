"""Time `migcheck verify` against pytest-alembic's test_up_down_consistency on one history.

Generates an Alembic project of N revisions (a realistic mix: new tables with foreign keys,
added columns, indexes, unique and check constraints, enum types, NOT NULL/default changes,
data-only revisions) in a temporary directory, then in the same run:

1. times the `migcheck verify` CLI on it (a subprocess: start-up, server, walk, report);
2. times pytest-alembic's `test_up_down_consistency` on the same history (its collector crashes
   on pytest 9, so the test function is imported and called with its runner directly).

Both are timed twice: in this process against one running throwaway server from migcheck.pg
(the same work on both sides: walk versus test, no start-up), and each in a fresh process
(imports, server start and stop included). Prints times, ratios and ms per revision.

    python bench/verify_speed.py            # N=200
    python bench/verify_speed.py -n 300
    python bench/verify_speed.py -n 300 --skip-pytest-alembic
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

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

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
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
        table = self.name("t")
        columns = ["id", "name", "created_at"]
        fk = ""
        if self.tables and self.rng.random() < 0.6:
            target = self.pick_table()
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


def generate(root: Path, count: int, seed: int = 7) -> Path:
    """Write an Alembic project with ``count`` linear revisions; return its ini path."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    history = History(seed)
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
    """Wall time of the `migcheck verify` CLI in a fresh process (imports, server, walk)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "migcheck", "verify", str(ini), "--format", "json", *extra],
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


def run_migcheck(ini: Path, server: object, trace_locks: bool) -> tuple[float, object]:
    """Run the verify walk in this process on ``server``; return its time and result."""
    from migcheck.alembic_project.project import load_project
    from migcheck.verify.walk import VerifyOptions, verify_project

    project = load_project(ini)
    started = time.perf_counter()
    options = VerifyOptions(trace_locks=trace_locks)
    result = verify_project(project, server, options)  # type: ignore[arg-type]
    return time.perf_counter() - started, result


def line(label: str, seconds: float, revisions: int) -> str:
    return f"  {label:36s} {seconds:7.2f} s  {1000 * seconds / revisions:6.1f} ms/revision"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--revisions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-pytest-alembic", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    parser.add_argument("--only-pytest-alembic", metavar="INI", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from migcheck.pg import start_server

    if args.only_pytest_alembic:
        with start_server() as server:
            run_pytest_alembic(Path(args.only_pytest_alembic), server)
        return

    root = Path(tempfile.mkdtemp(prefix="migcheck-bench-"))
    ini = generate(root, args.revisions, args.seed)
    n = args.revisions
    print(f"history: {n} revisions in {root}")

    with start_server() as server:
        ours, result = run_migcheck(ini, server, trace_locks=False)
        traced, _ = run_migcheck(ini, server, trace_locks=True)
        theirs = None if args.skip_pytest_alembic else run_pytest_alembic(ini, server)
    statuses: dict[str, int] = {}
    for revision in result.revisions:  # type: ignore[attr-defined]
        statuses[revision.status] = statuses.get(revision.status, 0) + 1
    print(f"ok={result.ok} {statuses}")  # type: ignore[attr-defined]
    print("in-process, server already running (the same work on both sides):")
    print(line("migcheck verify walk --no-trace-locks", ours, n))
    print(line("migcheck verify walk (tracing locks)", traced, n))
    if theirs is not None:
        print(line("pytest-alembic up_down_consistency", theirs, n))
        print(f"  {'ratio migcheck / pytest-alembic':36s} {ours / theirs:7.2f}  (target <= 0.5)")

    cli, report = time_migcheck_cli(ini, "--no-trace-locks")
    assert report["ok"] is True, "the generated history should pass"
    cli_traced, _ = time_migcheck_cli(ini)
    print("fresh process each (imports, server start and stop included):")
    print(line("migcheck verify CLI --no-trace-locks", cli, n))
    print(line("migcheck verify CLI (tracing locks)", cli_traced, n))
    if not args.skip_pytest_alembic:
        cold = time_pytest_alembic_cli(ini)
        print(line("pytest-alembic in a fresh process", cold, n))
        print(f"  {'ratio migcheck / pytest-alembic':36s} {cli / cold:7.2f}")
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
