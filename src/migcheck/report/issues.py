"""A result as the flat list of located issues that SARIF and GitLab Code Quality carry.

Lint findings are issues as they are; a verify result contributes its lint findings, each
revision's problems (``verify/<kind>``), model drift (``verify/drift``, on the head revision's
file) and, so that a partial run never looks like a clean one, every unchecked revision
(``migcheck/unchecked``). Each issue has a fingerprint that stays the same across pushes: a hash
of the rule, the revision (or the file, for SQL files), the statement with its whitespace
collapsed (or the problem) and the occurrence among identical ones, never a line number.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migcheck.result import Coverage, Finding, Report, Severity

if TYPE_CHECKING:
    from migcheck.verify.results import VerifyResult

#: the fingerprint's name in SARIF ``partialFingerprints``; a new scheme gets a new name
FINGERPRINT_NAME = "migcheck/v1"


@dataclass(frozen=True, slots=True)
class Issue:
    """One located thing a code-scanning tool shows."""

    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    fix: str
    fingerprint: str


def issues(result: Report | VerifyResult) -> list[Issue]:
    """Every issue of ``result`` with its stable fingerprint, in the result's order.

    A verify result's paths get its ``repository_dir`` in front: code scanning, Code Quality and
    annotations read paths from the root of the repository.
    """
    seen: dict[str, int] = {}
    out: list[Issue] = []
    # verify's paths are the project's; these formats need the repository's
    prefix = "" if isinstance(result, Report) else result.repository_dir
    for rule, name, severity, path, line, column, message, fix, identity in _raw(result):
        path = posixpath.join(prefix, path) if prefix else path
        key = "\0".join((rule, identity))
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        out.append(Issue(rule, name, severity, path, line, column, message, fix, fingerprint))
    return out


_Raw = tuple[str, str, Severity, str, int, int, str, str, str]


def _normalized(statement: str) -> str:
    return " ".join(statement.split()).rstrip(";")


def _finding(f: Finding, revision: str | None, step: str = "") -> _Raw:
    loc = f.location
    where = revision or loc.revision or loc.path
    what = _normalized(f.statement) if f.statement else f.message
    return (
        f.rule,
        f.name,
        f.severity,
        loc.path,
        loc.line,
        loc.column,
        f.message,
        f.fix,
        f"{where}\0{step}\0{what}",
    )


def _unchecked(coverage: Coverage | None) -> Iterator[_Raw]:
    if coverage is None:
        return
    for u in coverage.unchecked:
        message = f"revision {u.revision} was not checked in full: {u.reason}"
        yield (
            "migcheck/unchecked",
            "unchecked",
            Severity.INFO,
            u.path,
            1,
            1,
            message,
            "",
            u.revision,
        )


def _raw(result: Report | VerifyResult) -> Iterator[_Raw]:
    if isinstance(result, Report):
        for f in result.findings:
            yield _finding(f, None)
        yield from _unchecked(result.coverage)
        return
    from migcheck.verify.results import FAIL

    for revision in result.revisions:
        for item in revision.findings:
            yield _finding(item.finding, revision.revision, item.step)
        severity = Severity.ERROR if revision.status == FAIL else Severity.WARNING
        for problem in revision.problems:
            yield (
                f"verify/{problem.kind}",
                problem.kind,
                severity,
                revision.path,
                1,
                1,
                f"{revision.revision} {problem.step}: {problem.message}",
                "",
                f"{revision.revision}\0{problem.step}",
            )
    head = result.revisions[-1].path if result.revisions else "alembic.ini"
    for drift in result.drift:
        message = f"models differ from the database at head: {drift.message}"
        yield ("verify/drift", "drift", Severity.ERROR, head, 1, 1, message, "", drift.message)
    yield from _unchecked(result.coverage_detail)
