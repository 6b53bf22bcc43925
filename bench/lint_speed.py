"""Time `migcheck lint` against squawk on generated 10k and 100k statement files.

Usage: python bench/lint_speed.py [--sizes 10000,100000] [--runs 3] [--revisions 150]

Both tools lint the same file in the same run; the median of ``--runs`` wall times is reported
with the ratio migcheck/squawk and statements per second. migcheck's bytecode is compiled first
(``compileall``, as ``pip install`` does for a wheel), so an editable checkout run under
``PYTHONDONTWRITEBYTECODE=1`` is not timed compiling its own source on every run. migcheck is
also timed with text output (to a pipe) on every size, to check that output stays linear.
Finally a generated Alembic project with ``--revisions`` linear revisions is linted, next to
what a squawk user runs on the same project: ``alembic upgrade head --sql > f.sql && squawk
f.sql`` (timed as one shell command).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATES = [
    "CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "name text NOT NULL, created_at timestamptz DEFAULT now());",
    "CREATE INDEX idx_{i} ON users (email);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_c{i} ON users (name);",
    "ALTER TABLE users ADD COLUMN c{i} integer;",
    "ALTER TABLE orders ADD CONSTRAINT fk_{i} FOREIGN KEY (user_id) REFERENCES users (id) "
    "NOT VALID;",
    "ALTER TABLE orders VALIDATE CONSTRAINT fk_{i};",
    "ALTER TABLE users ALTER COLUMN c{i} SET NOT NULL;",
    "ALTER TABLE users ALTER COLUMN c{i} TYPE bigint;",
    "UPDATE users SET c{i} = 0 WHERE id >= {i} AND id < {i} + 1000;",
    "DROP INDEX IF EXISTS idx_{i};",
    "SET lock_timeout = '2s';",
    "-- step {i}\nALTER TABLE users ADD COLUMN d{i} text DEFAULT 'x' NOT NULL;",
    "INSERT INTO audit (event) VALUES ('step {i}');",
    "DO $$ BEGIN RAISE NOTICE 'step {i}; done'; END $$;",
    "ALTER TABLE users RENAME COLUMN e{i} TO f{i};",
    "COMMENT ON TABLE users IS 'version {i}';",
]


def generate(path: Path, count: int) -> None:
    """Write ``count`` mixed DDL/DML statements, one per line."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(TEMPLATES[i % len(TEMPLATES)].format(i=i))
            out.write("\n")


ROOT = Path(__file__).resolve().parents[1]
REVISION = '''"""revision {i}"""
import sqlalchemy as sa
from alembic import op

revision = "r{i:05d}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}

def downgrade() -> None:
    pass
'''


def generate_project(directory: Path, count: int) -> None:
    """An Alembic project (copied env.py) with ``count`` revisions alternating table/index ops."""
    source = ROOT / "fixtures" / "lint" / "alembic_basic"
    versions = directory / "migrations" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(source / "alembic.ini", directory / "alembic.ini")
    shutil.copy(source / "migrations" / "env.py", directory / "migrations" / "env.py")
    for i in range(1, count + 1):
        if i % 2:
            body = (
                f'    op.create_table("t{i}", sa.Column("id", sa.BigInteger(), primary_key=True))'
            )
        else:
            body = (
                f'    op.add_column("t{i - 1}", sa.Column("c", sa.Integer()))\n'
                f'    op.create_index("ix{i}", "t{i - 1}", ["c"])'
            )
        down = repr(f"r{i - 1:05d}") if i > 1 else "None"
        text = REVISION.format(i=i, down=down, body=body)
        (versions / f"r{i:05d}.py").write_text(text, encoding="utf-8")


def median_time(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` executions, output discarded (through a pipe)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compile_bytecode() -> None:
    """Write migcheck's ``__pycache__`` (a no-op when it is up to date)."""
    import compileall

    import migcheck

    package = Path(migcheck.__file__).parent
    if not compileall.compile_dir(str(package), quiet=1):
        print(f"note: could not compile {package}; timings include compiling it", file=sys.stderr)


def migcheck_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m migcheck``."""
    script = Path(sys.executable).with_name("migcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "migcheck"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--revisions", type=int, default=150)
    args = parser.parse_args()
    squawk = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    have_squawk = Path(squawk).exists()
    migcheck = migcheck_command()
    compile_bytecode()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'statements':>10} {'migcheck json':>14} {'migcheck text':>14} {'squawk json':>12} "
        f"{'ratio':>6} {'migcheck st/s':>14} {'squawk st/s':>12}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"mixed_{size}.sql"
            generate(path, size)
            ours = median_time([*migcheck, "lint", "--format", "json", str(path)], args.runs)
            text = median_time([*migcheck, "lint", "--format", "text", str(path)], args.runs)
            theirs = (
                median_time([squawk, "--reporter", "json", str(path)], args.runs)
                if have_squawk
                else float("nan")
            )
            results[size] = ours
            print(
                f"{size:>10} {ours:>13.3f}s {text:>13.3f}s {theirs:>11.3f}s "
                f"{ours / theirs:>6.2f} {size / ours:>14,.0f} {size / theirs:>12,.0f}"
            )
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            growth = results[large] / results[small]
            ratio = large / small
            print(f"migcheck {large} / {small} time: {growth:.1f}x for {ratio:.0f}x statements")
        if args.revisions:
            project = Path(tmp) / "project"
            generate_project(project, args.revisions)
            seconds = median_time([*migcheck, "lint", "--alembic", str(project)], args.runs)
            alembic = shutil.which("alembic") or str(Path(sys.executable).with_name("alembic"))
            sql = shlex.quote(str(Path(tmp) / "rendered.sql"))
            peer = (
                f"cd {shlex.quote(str(project))} && {shlex.quote(alembic)} upgrade head --sql "
                f"> {sql} && {shlex.quote(squawk)} {sql}"
            )
            theirs = median_time(["sh", "-c", peer], args.runs) if have_squawk else float("nan")
            print(
                f"{args.revisions} revisions: migcheck lint --alembic {seconds:.3f}s, "
                f"alembic upgrade head --sql + squawk {theirs:.3f}s, ratio {seconds / theirs:.2f}"
            )


if __name__ == "__main__":
    main()
