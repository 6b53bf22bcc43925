"""The comparison corpus: hazard/*.sql (one hazard each) and safe/*.sql (zero-downtime recipes).

Each file may start with the comment headers of :mod:`tests.lint.headers` (``-- expect:``,
``-- pg-version:``, ``-- enable:``, ``-- squawk:``); ``-- squawk:`` names the squawk rule that
addresses the hazard (``none`` when none does), so squawk's recall counts that rule, not its
findings on every file (require-statement-timeout).

Run ``python -m tests.lint.corpus`` to print, per file, what migcheck and squawk report
(squawk from the same environment, ``--reporter json``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.lint.headers import Headers, read_headers

from migcheck.lint.entry import lint_paths

CORPUS = Path(__file__).with_name("corpus")


@dataclass(frozen=True, slots=True)
class Case:
    """One corpus file and its headers."""

    path: Path
    headers: Headers

    @property
    def hazard(self) -> bool:
        """True for files under hazard/."""
        return self.path.parent.name == "hazard"

    @property
    def name(self) -> str:
        """``hazard/name`` or ``safe/name``."""
        return f"{self.path.parent.name}/{self.path.stem}"


def read_case(path: Path) -> Case:
    """One corpus file with its comment headers."""
    return Case(path, read_headers(path))


def cases(kind: str) -> list[Case]:
    """Every case under ``hazard`` or ``safe``, sorted by name."""
    return [read_case(p) for p in sorted((CORPUS / kind).glob("*.sql"))]


def migcheck_rules(case: Case) -> set[str]:
    """Rule ids migcheck reports on the case."""
    return {f.rule for f in lint_paths([str(case.path)], case.headers.settings()).findings}


def squawk_rules(case: Case, squawk: str) -> set[str]:
    """Rule names squawk reports on the case (its default rules)."""
    command = [squawk, "--reporter", "json"]
    if case.headers.pg_version is not None:
        command += ["--pg-version", f"{case.headers.pg_version}.0"]
    done = subprocess.run([*command, str(case.path)], capture_output=True, text=True, check=False)
    found = json.loads(done.stdout or "[]")
    return {item["rule_name"] for item in found}


#: squawk rules that fire on nearly every file, whatever it does
SQUAWK_POLICY = frozenset({"require-statement-timeout", "prefer-robust-stmts"})


def main() -> None:
    """Print a Markdown table of both tools' findings per case, then recall and precision."""
    squawk = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    caught = {"migcheck": 0, "migcheck without opt-in rules": 0, "squawk": 0}
    clean = {"migcheck": 0, "squawk": 0, "squawk without policy rules": 0}
    print("| case | migcheck | squawk |")
    print("| --- | --- | --- |")
    for kind in ("hazard", "safe"):
        for case in cases(kind):
            ours = migcheck_rules(case)
            theirs = squawk_rules(case, squawk)
            if case.hazard:
                caught["migcheck"] += case.headers.expect <= ours
                caught["migcheck without opt-in rules"] += (
                    case.headers.expect <= ours and not case.headers.enable
                )
                caught["squawk"] += case.headers.squawk in theirs
                mine = " ".join(sorted(case.headers.expect)) + (
                    "" if case.headers.expect <= ours else " **missed**"
                )
                other = case.headers.squawk if case.headers.squawk in theirs else "—"
            else:
                clean["migcheck"] += not ours
                clean["squawk"] += not theirs
                clean["squawk without policy rules"] += not theirs - SQUAWK_POLICY
                mine = " ".join(sorted(ours)) or "clean"
                other = " ".join(sorted(theirs)) or "clean"
            print(f"| {case.name} | {mine} | {other} |")
    hazards, safe = len(cases("hazard")), len(cases("safe"))
    print()
    for tool, count in caught.items():
        print(f"{tool}: {count}/{hazards} hazards caught")
    for tool, count in clean.items():
        print(f"{tool}: {count}/{safe} safe files clean")


if __name__ == "__main__":
    main()
