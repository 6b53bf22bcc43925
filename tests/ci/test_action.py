"""action.yml: its steps run here as a runner runs them, with the variables a runner sets.

A pull request adds the demo's last two revisions on top of a base commit. The steps' ``${{ }}``
expressions are filled from a small table (an expression the table does not know fails the
test, so action.yml cannot use one these tests do not cover); the comment step posts to a local
forge on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.comment.forge import TOKEN, serve

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {step.get("id"): step for step in ACTION["runs"]["steps"]}
NEW = ("f1c6e3a9d482_index_order_lines.py", "0a8e5c2f7b16_order_total.py")
_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
_FOREIGN = ("GITHUB_", "GH_", "GITLAB", "CI_", "INPUT_", "RUNNER_")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose base commit has the demo without its last two revisions."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "demo", repo / "demo")
    versions = repo / "demo" / "migrations" / "versions"
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in NEW:
        shutil.move(versions / name, aside / name)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    for name in NEW:
        shutil.move(aside / name, versions / name)
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two revisions")
    return repo, base


class Runner:
    """Runs action.yml's shell steps the way a GitHub runner does."""

    def __init__(self, tmp: Path, workspace: Path, inputs: dict[str, str], base: str) -> None:
        self.tmp = tmp
        self.workspace = workspace
        self.inputs = {
            name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()
        } | inputs
        self.base = base
        self.outputs: dict[str, dict[str, str]] = {}
        self.summary = tmp / "summary.md"
        self.summary.touch()
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        shim = bin_dir / "migcheck"  # the installed console script, for this interpreter
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m migcheck "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
        self.path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        self.api = ""

    def value(self, expression: str) -> str:
        if expression.startswith("inputs."):
            # a default may be an expression itself (token: ${{ github.token }})
            return self.fill(self.inputs[expression.removeprefix("inputs.")])
        match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expression)
        if match:
            return self.outputs.get(match[1], {}).get(match[2], "")
        known = {
            "github.action_path": str(ROOT),
            "github.event.pull_request.base.sha": self.base,
            "github.token": TOKEN,
        }
        if expression not in known:
            raise AssertionError(f"action.yml uses ${{{{ {expression} }}}}, unknown to this test")
        return known[expression]

    def fill(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m[1]), text)

    def run(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = STEPS[step_id]
        output = self.tmp / f"output-{step_id}"
        output.touch()
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 12}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
        env |= {
            "PATH": self.path,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "octo/app",
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.tmp / "runner"),
        }
        if self.api:
            env["GITHUB_API_URL"] = self.api
        env |= {name: self.fill(str(value)) for name, value in step.get("env", {}).items()}
        child = subprocess.run(
            ["bash", "-e", "-c", self.fill(step["run"])],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs[step_id] = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        return child


def test_every_run_step_reads_inputs_through_the_environment() -> None:
    """No ``${{ }}`` inside a script: an input can never become shell code."""
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step.get("id")
            assert step.get("shell") == "bash"


def test_the_pull_request_run(pull_request: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = pull_request
    runner = Runner(tmp_path, repo, {"project": "demo", "project-name": "shop"}, base)
    verify = runner.run("verify")
    assert verify.returncode == 0, verify.stderr  # the job fails at the last step
    out = runner.outputs["verify"]
    assert out["status"] == "1"  # the demo's new revisions have findings
    result = json.loads(Path(out["result"]).read_text())
    walked = {r["revision"] for r in result["revisions"]}
    assert walked == {"f1c6e3a9d482", "0a8e5c2f7b16"}
    sarif = json.loads(Path(out["sarif"]).read_text())
    assert sarif["runs"][0]["results"]
    assert Path(out["junit"]).read_text().startswith("<?xml")
    annotations = [line for line in verify.stdout.splitlines() if line.startswith("::")]
    files = {m[1] for line in annotations if (m := re.search(r"file=([^,]+),", line))}
    assert files and all((repo / name).is_file() for name in files), files
    assert runner.summary.read_text().strip(), "the job summary holds the report"

    status = runner.run("status")
    assert status.returncode == 1


def test_the_comment_is_posted_once_across_three_pushes(
    pull_request: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = pull_request
    with serve() as state:
        state.comments[("octo/app", 12)] = []
        for _ in range(3):
            runner = Runner(tmp_path, repo, {"project": "demo"}, base)
            runner.api = state.base
            assert runner.run("verify").returncode == 0
            comment = runner.run("comment")
            assert comment.returncode == 0, comment.stderr
            assert TOKEN not in comment.stdout + comment.stderr
        bodies = [c["body"] for c in state.comments[("octo/app", 12)]]
    assert len(bodies) == 1
    assert "f1c6e3a9d482" in bodies[0]


def test_inputs_reach_verify(pull_request: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = pull_request
    inputs: dict[str, Any] = {
        "project": "demo",
        "changed-since": "HEAD~1",
        "fail-on": "never",
        "sarif": "false",
        "verify-args": "--no-trace-locks --skip f1c6e3a9d482",
    }
    runner = Runner(tmp_path, repo, inputs, "")
    verify = runner.run("verify")
    assert verify.returncode == 0, verify.stderr
    out = runner.outputs["verify"]
    assert out["sarif"] == ""
    result = json.loads(Path(out["result"]).read_text())
    skipped = next(r for r in result["revisions"] if r["revision"] == "f1c6e3a9d482")
    assert any(p["kind"] == "skipped" for p in skipped["problems"])


WORKFLOWS = [
    ROOT / ".github" / "workflows" / "migcheck.yml",
    *sorted((ROOT / "ci" / "github" / "workflows").glob("*.yml")),
]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_templates(path: Path) -> None:
    """The shipped workflows parse, and keep expressions out of their scripts."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["jobs"]
    for job in workflow["jobs"].values():
        ids = {step.get("id") for step in job["steps"]}
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), (path.name, step)
            for expression in _EXPRESSION.findall(json.dumps(step)):
                match = re.match(r"steps\.(\w+)\.", expression)
                assert match is None or match[1] in ids, (path.name, expression)
