"""``migcheck verify --format text``: what a person reads in a terminal or a CI log."""

from __future__ import annotations

from migcheck.report.verify_locks import blocking_locks, coverage_line, finding_lines
from migcheck.verify.results import PASS, RevisionResult, VerifyResult

_MARK = {"pass": "ok  ", "fail": "FAIL", "error": "ERR "}


def progress_line(revision: RevisionResult) -> str:
    """One line for one finished revision (printed to stderr while the walk runs)."""
    title = f" {revision.message}" if revision.message else ""
    mark = _MARK.get(revision.status, "?   ")
    return f"{mark} {revision.revision}{title} ({revision.elapsed_ms:.0f} ms)"


def _blocking_locks(result: VerifyResult) -> list[str]:
    """Statements that locked an existing table against writes, or rewrote one, as observed."""
    lines: list[str] = []
    for revision in result.revisions:
        for statement, taken in blocking_locks(revision):
            lines.append(f"  {revision.revision}: {statement}")
            lines.append(f"      {taken}")
    return ["locks observed on existing tables:", *lines] if lines else []


def render(result: VerifyResult) -> str:
    """The whole report: every revision with problems, drift, notes and a summary line."""
    lines: list[str] = []
    for revision in result.revisions:
        if (
            revision.status == PASS
            and not revision.problems
            and not revision.findings
            and not revision.notes
        ):
            continue
        lines.append(f"{revision.path}: {revision.revision} {revision.status}")
        for problem in revision.problems:
            lines.append(f"  {problem.step}: {problem.message} [{problem.kind}]")
        lines.extend(f"  {line}" for line in finding_lines(revision))
        lines.extend(f"  note: {note}" for note in revision.notes)
    lines.extend(
        f"{problem.step}: {problem.message} [{problem.kind}]" for problem in result.problems
    )
    lines.extend(_blocking_locks(result))
    if result.drift:
        lines.append("models differ from the database at head:")
        lines.extend(f"  {item.message} [{item.kind}]" for item in result.drift)
    lines.extend(f"note: {note}" for note in result.notes)
    coverage = coverage_line(result)
    if coverage is not None:
        lines.append(coverage)
    counts = {status: 0 for status in ("pass", "fail", "error")}
    for revision in result.revisions:
        counts[revision.status] = counts.get(revision.status, 0) + 1
    drift = f", {len(result.drift)} drift" if result.drift_checked else ""
    findings = sum(len(r.findings) for r in result.revisions)
    drift += f", {findings} lint findings" if result.linting else ""
    lines.append(
        f"{'ok' if result.ok else 'FAILED'}: {len(result.revisions)} revisions, "
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} not checked{drift} "
        f"in {result.elapsed_s:.1f} s ({result.ms_per_revision:.0f} ms/revision, "
        f"{result.backend} PostgreSQL {result.server_version})"
    )
    return "\n".join(lines) + "\n"
