"""Shared helpers for the hardening tests: tiny Alembic projects, the program, format checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINE_FORMATS = ("json", "sarif", "junit", "gitlab", "github")

_INI = """\
[alembic]
script_location = migrations
sqlalchemy.url = postgresql+psycopg://localhost/migcheck_hardening
"""

_ENV = """\
from alembic import context

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    from sqlalchemy import create_engine, pool

    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""


def revision_source(revision: str, down: str | None, upgrade: str, downgrade: str = "pass") -> str:
    """The text of a revision file whose upgrade() and downgrade() run the given bodies."""
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    down_body = textwrap.indent(textwrap.dedent(downgrade).strip(), "    ")
    return (
        f'"""revision {revision}"""\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {revision!r}\n"
        f"down_revision = {down!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
        f"def downgrade() -> None:\n{down_body}\n"
    )


def make_project(
    root: Path,
    revisions: list[tuple[str, str]],
    *,
    env: str = _ENV,
    preamble: str = "",
) -> Path:
    """An Alembic project in ``root``: a linear history of ``(revision id, upgrade body)``.

    ``preamble`` is module-level code put at the top of every revision file. Returns ``root``.
    """
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(_INI, encoding="utf-8")
    (root / "migrations" / "env.py").write_text(env, encoding="utf-8")
    down: str | None = None
    for index, (revision, upgrade) in enumerate(revisions):
        source = revision_source(revision, down, upgrade)
        if preamble:
            source = preamble + "\n" + source
        (versions / f"{index:04d}_{revision}.py").write_text(source, encoding="utf-8")
        down = revision
    return root


def program(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int | None = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m migcheck ARGS`` in a child process with this checkout's sources."""
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = str(ROOT / "src")
    environment.setdefault("NO_COLOR", "1")
    return subprocess.run(
        [sys.executable, "-m", "migcheck", *args],
        cwd=cwd,
        env=environment,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )


def assert_parses(fmt: str, out: str) -> None:
    """Fail unless ``out`` is a complete, well-formed report in machine format ``fmt``."""
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    elif fmt == "junit":
        ET.fromstring(out)
    elif fmt == "github":
        assert out == "" or out.endswith("\n")
        for line in out.split("\n")[:-1]:  # the runner splits on newlines only
            assert line.startswith(("::error ", "::warning ", "::notice ")), line
    else:
        raise AssertionError(f"not a machine format: {fmt}")


def assert_one_line_error(stderr: str, *parts: str) -> None:
    """Fail unless ``stderr`` is exactly one ``migcheck: error:`` line containing ``parts``."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("migcheck: error: "), stderr
    for part in parts:
        assert part in lines[0], (part, stderr)
