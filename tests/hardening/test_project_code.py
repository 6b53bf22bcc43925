"""What lint runs of the project: env.py once, each revision's module and upgrade() once, no
downgrade(); ``migcheck init`` from another directory."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from tests.hardening.helpers import make_project, program

#: env.py preamble and revision bodies that log each time they run to $HARDENING_LOG
_LOG = 'open(os.environ["HARDENING_LOG"], "a").write({what!r} + "\\n")'


def _logging_project(root: Path, revisions: int) -> Path:
    preamble = "import os\n" + _LOG.format(what="import {revision}")
    upgrades = [
        (
            f"r{index}",
            _LOG.format(what=f"upgrade r{index}")
            + f'\nop.create_foreign_key(None, "t{index}", "p", ["p_id"], ["id"])',
        )
        for index in range(revisions)
    ]
    project = make_project(root, upgrades)
    versions = project / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        revision = path.stem.split("_", 1)[1]
        source = path.read_text(encoding="utf-8")
        source = source.replace(
            "def downgrade() -> None:\n    pass",
            (
                "def downgrade() -> None:\n    "
                + _LOG.format(what=f"downgrade {revision}")
                + f'\n    op.drop_constraint(None, "t{revision[1:]}", type_="foreignkey")'
            ),
        )
        path.write_text(preamble.format(revision=revision) + "\n" + source, encoding="utf-8")
    env = project / "migrations" / "env.py"
    env.write_text("import os\n" + _LOG.format(what="env.py") + "\n" + env.read_text())
    return project


def test_lint_runs_env_py_and_each_revision_once_and_no_downgrade(tmp_path: Path) -> None:
    project = _logging_project(tmp_path / "project", 3)
    log = tmp_path / "log"
    done = program(
        "lint",
        "--format",
        "json",
        "--alembic",
        str(project),
        env={**os.environ, "HARDENING_LOG": str(log)},
    )
    assert done.returncode == 1, done.stderr
    ran = Counter(log.read_text(encoding="utf-8").splitlines())
    assert ran == Counter(
        ["env.py", "import r0", "import r1", "import r2", "upgrade r0", "upgrade r1", "upgrade r2"]
    )
    # the unnamed drops in downgrade() are still found, from the source
    lines = (project / "migrations" / "versions" / "0000_r0.py").read_text().splitlines()
    drop = next(n for n, line in enumerate(lines, 1) if "op.drop_constraint(None" in line)
    found = [(f["rule"], f["line"]) for f in json.loads(done.stdout)["findings"]]
    assert [line for rule, line in found if rule == "MC405"] == [drop, drop, drop]


@pytest.mark.parametrize("argument", ["alembic.ini", "."])
def test_init_with_a_relative_script_location_from_another_directory(
    argument: str, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "project", [("a1", "pass")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = program("init", str(project / argument), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    env_py = project / "migrations" / "env.py"
    assert f"{env_py}: set up for migcheck" in done.stdout
    assert "migcheck.alembic" in env_py.read_text(encoding="utf-8")


_BATCH = """\
with op.batch_alter_table("t") as batch_op:
    batch_op.add_column(sa.Column("a", sa.Integer(), nullable=False))
    batch_op.create_index("ix_t_a", ["a"])
    batch_op.alter_column("a", type_=sa.BigInteger(), existing_type=sa.Integer())  {ignore}
    batch_op.drop_column("id")
"""


@pytest.mark.parametrize("ignored", [False, True])
def test_findings_in_a_batch_block_land_on_their_batch_op_lines(
    ignored: bool, tmp_path: Path
) -> None:
    ignore = "# migcheck: ignore[MC109]" if ignored else ""
    table = 'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))'
    project = make_project(tmp_path, [("a1", table), ("a2", _BATCH.format(ignore=ignore))])
    lines = (project / "migrations" / "versions" / "0001_a2.py").read_text().splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if text in line)

    done = program("lint", "--format", "json", "--alembic", str(project))
    assert done.returncode == 1, done.stderr
    found = {(f["rule"], f["line"]) for f in json.loads(done.stdout)["findings"]}
    expected = {
        ("MC201", line_of("add_column")),
        ("MC111", line_of("add_column")),
        ("MC101", line_of("create_index")),
        ("MC112", line_of("create_index")),
        ("MC302", line_of("drop_column")),
    }
    if not ignored:
        expected.add(("MC109", line_of("alter_column")))
    assert found == expected
