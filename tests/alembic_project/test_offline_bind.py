"""Revisions that call commit() or read the URL on op.get_bind() still render offline for lint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migcheck.cli import main

FIXTURE = Path(__file__).parent.parent.parent / "fixtures" / "lint" / "alembic_bind_calls"

AFTER_COMMIT = '''"""CONCURRENTLY after a hand-made commit, but still inside the next transaction

Revision ID: b3
Revises: b2
"""
from alembic import op

revision = "b3"
down_revision = "b2"


def upgrade():
    op.get_bind().commit()
    op.execute("CREATE INDEX CONCURRENTLY ix_accounts_id ON accounts (id)")


def downgrade():
    pass
'''


def _lint(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    with pytest.raises(SystemExit) as stopped:
        main(["lint", "--alembic", str(project), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return int(stopped.value.code or 0), findings


def test_commit_then_autocommit_block_renders_and_is_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, findings = _lint(FIXTURE, capsys)
    assert (code, findings) == (0, [])


def test_statements_after_commit_are_in_a_new_transaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    (project / "migrations" / "versions" / "b3_after_commit.py").write_text(AFTER_COMMIT)
    code, findings = _lint(project, capsys)
    assert code == 1
    assert [(f["rule"], f["line"]) for f in findings] == [("MC103", 14)]
    assert all(str(f["path"]).endswith("b3_after_commit.py") for f in findings)
