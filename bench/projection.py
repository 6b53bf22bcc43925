"""Projection honesty: lock hold times projected from 10k rows against those measured at 1M.

A small Alembic project (written to a temporary directory) has one narrow table per change
and four revisions that each hold a lock over a whole table: an index build, a validating
CHECK constraint, SET NOT NULL and a rewriting type change (integer → bigint). The verify walk
runs it with --rows at each size (10k, 100k, 1M by default) and reads each revision's
strongest lock hold from the result. The walk at the smallest size also gets --table-sizes
naming the largest size, so its projections can be set against what the largest walk measured.
Goal: within a factor of 2 for each change.

    python bench/projection.py
    python bench/projection.py --sizes 10000 100000 1000000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import tempfile
import textwrap
from pathlib import Path

from migcheck.alembic_project.project import load_project
from migcheck.pg import Server, start_server
from migcheck.verify.data_pass import DataOptions
from migcheck.verify.durations import LockHold, TableSize
from migcheck.verify.walk import VerifyOptions, verify_project

#: revision → (what it is, its table, upgrade, downgrade)
CHANGES = {
    "b1": (
        "index build",
        "t_index",
        'op.create_index("ix_t_index_v", "t_index", ["v"])',
        'op.drop_index("ix_t_index_v")',
    ),
    "b2": (
        "validating CHECK",
        "t_check",
        'op.create_check_constraint("ck_t_check_v", "t_check", "v >= 0")',
        'op.drop_constraint("ck_t_check_v", "t_check")',
    ),
    "b3": (
        "SET NOT NULL",
        "t_notnull",
        'op.alter_column("t_notnull", "v", nullable=False)',
        'op.alter_column("t_notnull", "v", nullable=True)',
    ),
    "b4": (
        "rewriting type change",
        "t_type",
        'op.alter_column("t_type", "v", type_=sa.BigInteger())',
        'op.alter_column("t_type", "v", type_=sa.Integer())',
    ),
}

# t_notnull's NOT VALID check keeps the seeded values non-NULL without letting SET NOT NULL
# skip its scan (only a validated CHECK does)
CREATE = """
op.execute("CREATE TABLE t_index (id integer PRIMARY KEY, v integer)")
op.execute("CREATE TABLE t_check (id integer PRIMARY KEY, v integer)")
op.execute("CREATE TABLE t_notnull (id integer PRIMARY KEY, v integer)")
op.execute("ALTER TABLE t_notnull ADD CONSTRAINT v_set CHECK (v IS NOT NULL) NOT VALID")
op.execute("CREATE TABLE t_type (id integer PRIMARY KEY, v integer)")
"""
DROP = "\n".join(
    f'op.execute("DROP TABLE {t}")' for t in ("t_index", "t_check", "t_notnull", "t_type")
)

ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(
    config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
    poolclass=pool.NullPool,
)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = """
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
"""


def write_project(root: Path) -> Path:
    """The project: b0 creates the tables, b1…b4 each change one of them."""
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "sqlalchemy.url = postgresql+psycopg://nobody@127.0.0.1:1/nothing\n"
    )
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV)
    steps = [("b0", CREATE, DROP)] + [(rev, up, down) for rev, (_, _, up, down) in CHANGES.items()]
    down_revision = None
    for rev, upgrade, downgrade in steps:
        (versions / f"{rev}.py").write_text(
            REVISION.format(
                rev=rev,
                down=down_revision,
                upgrade=textwrap.indent(upgrade.strip(), "    "),
                downgrade=textwrap.indent(downgrade.strip(), "    "),
            )
        )
        down_revision = rev
    return root / "alembic.ini"


def holds(server: Server, ini: Path, rows: int, project_to: int | None) -> dict[str, LockHold]:
    """The strongest lock hold of each changing revision, walking with ``rows`` per table."""
    sizes = None
    if project_to is not None:
        sizes = {table: TableSize(project_to) for _, table, _, _ in CHANGES.values()}
    options = VerifyOptions(lint=False, data=DataOptions(rows={"*": rows}, table_sizes=sizes))
    result = verify_project(load_project(ini), server, options)
    found: dict[str, LockHold] = {}
    for revision in result.revisions:
        if revision.revision not in CHANGES:
            continue
        if revision.problems:
            raise SystemExit(f"{revision.revision}: {revision.problems[0].message}")
        table = CHANGES[revision.revision][1]
        found[revision.revision] = max(
            (hold for hold in revision.holds if hold.relation == table),
            key=lambda hold: hold.held_ms,
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="best of this many walks per size")
    args = parser.parse_args()
    smallest, largest = min(args.sizes), max(args.sizes)

    measured: dict[int, dict[str, LockHold]] = {}
    projected: dict[str, LockHold] = {}
    with tempfile.TemporaryDirectory() as directory, start_server() as server:
        ini = write_project(Path(directory))
        os.chdir(directory)
        for size in sorted(args.sizes):
            best: dict[str, LockHold] = {}
            for _ in range(args.repeat):
                found = holds(server, ini, size, largest if size == smallest else None)
                for rev, hold in found.items():
                    if rev not in best or hold.held_ms < best[rev].held_ms:
                        best[rev] = hold
            measured[size] = best
            if size == smallest:
                projected = best

    header = "".join(f"{f'{size:,} rows':>16s}" for size in sorted(args.sizes))
    print(f"lock hold times measured by verify --rows (ms), best of {args.repeat}:")
    print(f"  {'change':24s}{header}{'projected':>14s}{'ratio':>8s}  model")
    for rev, (label, _, _, _) in CHANGES.items():
        cells = "".join(f"{measured[size][rev].held_ms:16.1f}" for size in sorted(args.sizes))
        projection = projected[rev].projection
        assert projection is not None
        ratio = projection.held_ms / measured[largest][rev].held_ms
        print(
            f"  {label:24s}{cells}{projection.held_ms:14.1f}{ratio:8.2f}  "
            f"{', '.join(projection.models)}"
        )
    print(
        f"projected: from {smallest:,} rows to {largest:,} rows; ratio = projected / measured "
        f"at {largest:,} (goal: between 0.5 and 2)"
    )


if __name__ == "__main__":
    main()
