from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.comment.forge import TOKEN, State, serve

REPO, NUMBER = "octo/app", 12
PROJECT, IID = "group/app", 7
_FOREIGN = ("GITHUB_", "GH_", "GITLAB", "CI_")


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Forge:
    state: State
    tmp: Path

    def report(self, text: str, name: str = "report.md") -> Path:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path

    def env(self, platform: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
        if platform == "github":
            event = self.tmp / "event.json"
            event.write_text(json.dumps({"pull_request": {"number": NUMBER}}))
            env |= {
                "GITHUB_TOKEN": TOKEN,
                "GITHUB_API_URL": self.state.base,
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_EVENT_PATH": str(event),
            }
        else:
            env |= {
                "GITLAB_CI": "true",
                "GITLAB_TOKEN": TOKEN,
                "CI_API_V4_URL": self.state.base,
                "CI_PROJECT_ID": PROJECT,
                "CI_MERGE_REQUEST_IID": str(IID),
            }
        return env

    def run(self, *args: str, platform: str = "github", **extra: str) -> Run:
        """`migcheck comment` in a child process; no output of it may hold the token."""
        child = subprocess.run(
            [sys.executable, "-m", "migcheck", "comment", *args],
            env=self.env(platform) | extra,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert TOKEN not in child.stdout and TOKEN not in child.stderr
        assert "Traceback" not in child.stderr
        return Run(child.returncode, child.stdout, child.stderr)

    def post(self, text: str, *args: str, platform: str = "github") -> Run:
        return self.run("--body-file", str(self.report(text)), *args, platform=platform)


@pytest.fixture
def forge(tmp_path: Path) -> Iterator[Forge]:
    with serve() as state:
        state.comments[(REPO, NUMBER)] = []
        state.notes[(PROJECT, IID)] = []
        yield Forge(state, tmp_path)
