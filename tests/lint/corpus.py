"""The comparison corpus: hazard/*.sql (one hazard each) and safe/*.sql (zero-downtime recipes).

Each file may start with comment headers read here:

* ``-- expect: MC101 MC110`` — rule ids a hazard file must raise;
* ``-- pg-version: 14`` — the server version the file is written for;
* ``-- enable: MC501`` — opt-in rules the case is about.

Run ``python -m tests.lint.corpus`` to print, per file, what migcheck and squawk report
(squawk from the same environment, ``--reporter json``).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from migcheck.config import Settings
from migcheck.lint import lint_paths

CORPUS = Path(__file__).with_name("corpus")


@dataclass(frozen=True)
class Case:
    """One corpus file and its headers."""

    path: Path
    expect: frozenset[str]
    pg_version: int | None
    enable: frozenset[str]

    @property
    def hazard(self) -> bool:
        """True for files under hazard/."""
        return self.path.parent.name == "hazard"

    @property
    def name(self) -> str:
        """``hazard/name`` or ``safe/name``."""
        return f"{self.path.parent.name}/{self.path.stem}"

    def settings(self) -> Settings:
        """Default settings, plus the file's pg-version and enabled opt-in rules."""
        settings = Settings()
        if self.pg_version is not None:
            settings = dataclasses.replace(settings, pg_version=self.pg_version)
        if self.enable:
            settings = dataclasses.replace(settings, enable=self.enable)
        return settings


def read_case(path: Path) -> Case:
    """Parse the comment headers of one corpus file."""
    expect: set[str] = set()
    enable: set[str] = set()
    pg_version: int | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        key, _, value = line[2:].strip().partition(":")
        if key == "expect":
            expect.update(value.split())
        elif key == "enable":
            enable.update(value.split())
        elif key == "pg-version":
            pg_version = int(value)
    return Case(path, frozenset(expect), pg_version, frozenset(enable))


def cases(kind: str) -> list[Case]:
    """Every case under ``hazard`` or ``safe``, sorted by name."""
    return [read_case(p) for p in sorted((CORPUS / kind).glob("*.sql"))]


def migcheck_rules(case: Case) -> set[str]:
    """Rule ids migcheck reports on the case."""
    return {f.rule for f in lint_paths([str(case.path)], case.settings()).findings}


def squawk_rules(case: Case, squawk: str) -> set[str]:
    """Rule names squawk reports on the case (its default rules)."""
    command = [squawk, "--reporter", "json"]
    if case.pg_version is not None:
        command += ["--pg-version", f"{case.pg_version}.0"]
    done = subprocess.run([*command, str(case.path)], capture_output=True, text=True, check=False)
    found = json.loads(done.stdout or "[]")
    return {item["rule_name"] for item in found}


def main() -> None:
    """Print each case with both tools' findings, then recall and precision counts."""
    squawk = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    score = {"migcheck": [0, 0], "squawk": [0, 0]}
    for kind in ("hazard", "safe"):
        for case in cases(kind):
            ours = migcheck_rules(case)
            theirs = squawk_rules(case, squawk)
            if case.hazard:
                score["migcheck"][0] += bool(case.expect <= ours)
                score["squawk"][0] += bool(theirs)
            else:
                score["migcheck"][1] += not ours
                score["squawk"][1] += not theirs
            print(f"{case.name:50} {' '.join(sorted(ours)) or '-':28} {' '.join(sorted(theirs))}")
    hazards, safe = len(cases("hazard")), len(cases("safe"))
    for tool, (caught, clean) in score.items():
        print(f"{tool}: {caught}/{hazards} hazards caught, {clean}/{safe} safe files clean")


if __name__ == "__main__":
    main()
