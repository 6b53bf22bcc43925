"""`.pre-commit-hooks.yaml`, run by `pre-commit try-repo` on a scratch git repository.

pre-commit installs migcheck from this source tree into its own virtualenv (from the package
index), as it would for a user's `repo:` entry; the test is skipped when pre-commit is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def _pre_commit() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


PRE_COMMIT = _pre_commit()
pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None or shutil.which("git") is None,
    reason="pre-commit is not installed (pip install 'migcheck[test]') or git is missing",
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def hooks(output: str) -> dict[str, str]:
    """Each hook's status line and output, by hook name (pre-commit runs them sorted by id)."""
    found: dict[str, str] = {}
    for chunk in re.split(r"^migcheck lint \(", output, flags=re.MULTILINE)[1:]:
        name, _, text = chunk.partition(")")
        found[name] = text
    return found


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(ROOT)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hooks_lint_changed_sql_files_and_changed_revisions(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "lint" / "alembic_basic", repo)
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    versions = repo / "migrations" / "versions"

    shutil.copy(FIXTURES / "rules" / "MC101" / "bad.sql", repo / "m1.sql")
    with (versions / "0004_more_safe.py").open("a") as handle:
        handle.write("# touched\n")
    git(repo, "add", ".")
    run = try_repo(repo, tmp_path / "home")
    assert run.returncode == 1, run.stdout + run.stderr
    ran = hooks(run.stdout)
    assert "Failed" in ran["SQL migrations"] and "m1.sql:2:1: error MC101" in run.stdout
    assert ran["Alembic revisions"].rstrip().endswith("Passed")

    git(repo, "rm", "-q", "--cached", "m1.sql")
    (repo / "m1.sql").unlink()
    with (versions / "0002_unsafe.py").open("a") as handle:
        handle.write("# touched\n")
    git(repo, "add", ".")
    run = try_repo(repo, tmp_path / "home")
    assert run.returncode == 1, run.stdout + run.stderr
    ran = hooks(run.stdout)
    assert ran["SQL migrations"].rstrip().endswith("(no files to check)Skipped")
    alembic = ran["Alembic revisions"]
    assert "Failed" in alembic and "0002_unsafe.py" in alembic and "MC101" in alembic
    assert "0004_more_safe.py:" not in alembic
