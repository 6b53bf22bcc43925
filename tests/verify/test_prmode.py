"""Pull-request mode: `migcheck verify --changed-since REF` and what a pull request did to history.

Each test copies the clean fixture into a temporary git repository, commits the state a pull
request starts from, then changes the work tree as the pull request would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.results_io import load
from migcheck.verify.results import Problem

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]

A4 = '''"""Backfill names

Revision ID: a4
Revises: {down}
"""
from alembic import op

revision = "a4"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET name = email WHERE name IS NULL")


def downgrade():
    pass
'''

Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def invoke(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI against the session's server (url backend) to avoid a second server start.

    verify runs with ``--fail-on never``: the walk and the history decide its exit status here.
    """
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url(pg_server.maintenance_db))

    def run(*args: str) -> tuple[int, str, str]:
        # the walk and the history decide the exit status here, not lint findings
        extra = ["--fail-on", "never"] if args[0] == "verify" else []
        result = CliRunner().invoke(cli, [*args, *extra])
        return result.exit_code, result.stdout, result.stderr

    return run


def _git(project: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=project, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clean fixture (a1 → a2 → a3) committed in a new git repository.

    Its env.py imports ``clean_models``: the copy of this test is imported, not an earlier one.
    """
    monkeypatch.delitem(sys.modules, "clean_models", raising=False)
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "clean", root, ignore=shutil.ignore_patterns("__pycache__"))
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    return root


def _versions(project: Path) -> Path:
    return project / "migrations" / "versions"


def _json(out: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out)
    return data


def _problems(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["revision"], p["kind"]) for r in data["revisions"] for p in r["problems"]}


def test_two_new_revisions_are_walked_the_rest_applied_only(project: Path, invoke: Invoke) -> None:
    a3 = _versions(project) / "a3_order_table_with.py"
    text = a3.read_text()
    a3.unlink()
    _git(project, "commit", "-qam", "main without a3")
    a3.write_text(text)  # the pull request adds a3 (untracked) and a4
    (_versions(project) / "a4_backfill.py").write_text(A4.format(down="a3"))
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    data = _json(out)
    assert code == 0, out
    assert [r["revision"] for r in data["revisions"]] == ["a3", "a4"]
    assert data["changed_since"] == "HEAD" and len(data["changed_since_commit"]) == 40
    assert data["applied_only"] == ["a1", "a2"]
    assert data["drift"] == []
    assert all(r["linted"] == ["upgrade", "downgrade"] for r in data["revisions"])
    code, text_out, _ = invoke("verify", str(project), "--changed-since", "HEAD")
    assert "pull-request mode: 2 revisions added or changed since HEAD" in text_out
    assert "walked (a3, a4); 2 unchanged" in text_out
    assert "2 unchanged revisions applied with plain upgrades only" in text_out


def test_drift_at_head_is_still_checked(project: Path, invoke: Invoke) -> None:
    models = project / "clean_models.py"
    models.write_text(
        models.read_text().replace('sa.Index("ix_users_created_at", "created_at"),', "")
    )
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    data = _json(out)
    assert code == 1
    assert data["revisions"] == [] and data["applied_only"] == ["a1", "a2", "a3"]
    assert [d["kind"] for d in data["drift"]] == ["remove_index"]


def test_comment_and_formatting_changes_do_not_count(project: Path, invoke: Invoke) -> None:
    a2 = next(_versions(project).glob("a2_*.py"))
    source = a2.read_text()
    edited = source.replace('"""', '"""Reworded docstring.\n\n', 1).replace(
        "def upgrade():", "# a comment\ndef upgrade(\n):"
    )
    assert edited != source
    a2.write_text(edited)
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    data = _json(out)
    assert code == 0, out
    assert data["revisions"] == [] and data["problems"] == []


def test_an_edited_revision_is_walked_and_a_finding(project: Path, invoke: Invoke) -> None:
    a2 = next(_versions(project).glob("a2_*.py"))
    a2.write_text(
        a2.read_text().replace("def upgrade():", 'def upgrade():\n    op.execute("SELECT 1")', 1)
    )
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    data = _json(out)
    assert code == 1
    assert [r["revision"] for r in data["revisions"]] == ["a2"]
    assert _problems(data) == {("a2", "edited-revision")}
    problem = data["revisions"][0]["problems"][0]
    assert problem["step"] == "history" and "will never run the new code" in problem["message"]


def test_a_deleted_revision_is_a_finding(project: Path, invoke: Invoke) -> None:
    a3 = _versions(project) / "a3_order_table_with.py"
    a3.unlink()
    models = project / "clean_models.py"
    models.write_text(models.read_text().split("order = sa.Table(")[0])
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    data = _json(out)
    assert code == 1
    assert [p["kind"] for p in data["problems"]] == ["deleted-revision"]
    assert "a3" in data["problems"][0]["message"] and data["drift"] == []
    _, text_out, _ = invoke("verify", str(project), "--changed-since", "HEAD")
    assert "[deleted-revision]" in text_out
    schema = json.loads((FIXTURES.parents[1] / "docs" / "result.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert load(data, "test").problems == [  # type: ignore[union-attr]
        Problem("history", "deleted-revision", data["problems"][0]["message"])
    ]


def test_a_new_revision_off_an_old_one_would_make_two_heads(project: Path, invoke: Invoke) -> None:
    (_versions(project) / "a4_backfill.py").write_text(A4.format(down="a2"))
    code, out, _ = invoke(
        "verify",
        str(project),
        "--changed-since",
        "HEAD",
        "--allow-multiple-heads",
        "--format",
        "json",
    )
    data = _json(out)
    assert code == 1
    assert _problems(data) == {("a4", "second-head")}
    assert "not the head at HEAD (a3)" in data["revisions"][0]["problems"][0]["message"]


def test_a_new_revision_on_the_head_is_fine(project: Path, invoke: Invoke) -> None:
    (_versions(project) / "a4_backfill.py").write_text(A4.format(down="a3"))
    code, out, _ = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    assert code == 0, out
    assert _problems(_json(out)) == set()


@pytest.mark.filterwarnings("ignore:Revision a3 is present more than once")
def test_two_files_with_one_revision_id(project: Path, invoke: Invoke) -> None:
    copy = _versions(project) / "a4_backfill.py"
    copy.write_text(A4.format(down="a2").replace('revision = "a4"', 'revision = "a3"'))
    code, out, err = invoke("verify", str(project), "--changed-since", "HEAD", "--format", "json")
    assert code == 1, err
    data = _json(out)
    assert ("a3", "duplicate-revision") in _problems(data)


@pytest.mark.parametrize("command", ["verify", "lint"])
def test_the_ref_never_reaches_git_as_an_option(
    project: Path, invoke: Invoke, tmp_path: Path, command: str
) -> None:
    target = tmp_path / "written-by-git"
    args = [str(project)] if command == "verify" else ["--alembic", str(project)]
    for ref in (f"--output={target}", f"HEAD --output={target}", "--all"):
        code, out, err = invoke(command, *args, f"--changed-since={ref}")
        assert code == 2, out + err
        assert not target.exists()
        lines = (out + err).strip().splitlines()
        assert len(lines) == 1 and "--changed-since" in lines[0]


def test_not_a_git_repository_is_bad_input(tmp_path: Path, invoke: Invoke) -> None:
    root = tmp_path / "nogit"
    shutil.copytree(FIXTURES / "clean", root)
    code, out, err = invoke("verify", str(root), "--changed-since", "main")
    assert code == 2
    assert "--changed-since main" in out + err


def test_an_unchanged_revision_that_does_not_upgrade(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is rebuilt after a plain upgrade fails; the new revision is not checked."""
    monkeypatch.delitem(sys.modules, "clean_models", raising=False)
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "clean", root, ignore=shutil.ignore_patterns("__pycache__"))
    a2 = next(_versions(root).glob("a2_*.py"))
    a2.write_text(
        a2.read_text().replace("def upgrade():", 'def upgrade():\n    op.execute("SELECT 1/0")', 1)
    )
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    (_versions(root) / "a4_backfill.py").write_text(A4.format(down="a3"))
    code, out, err = invoke("verify", str(root), "--changed-since", "HEAD", "--format", "json")
    assert code == 1, err
    data = _json(out)
    assert [(r["revision"], r["status"]) for r in data["revisions"]] == [("a4", "error")]
    assert "revision a2 does not upgrade" in data["revisions"][0]["problems"][0]["message"]
