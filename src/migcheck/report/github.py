"""GitHub Actions workflow commands (``::error file=…,line=…::message``), for lint and verify.

One annotation per issue (:mod:`migcheck.report.issues`: lint findings, verify's problems,
drift and unchecked revisions), errors first. GitHub shows at most :data:`PER_TYPE`
annotations of each type per step and drops the rest without a word, so each type stops there
and one notice says how many were left out and where to read them; notes and the coverage line
close the list as notices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migcheck.report.escape import printable
from migcheck.report.issues import issues
from migcheck.result import Report, Severity

if TYPE_CHECKING:
    from migcheck.verify.results import VerifyResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

#: annotations of one type GitHub shows per step
PER_TYPE = 10


def _data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(escaped)


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Report | VerifyResult) -> str:
    """The annotations of ``result``, at most :data:`PER_TYPE` per type, then notes and coverage."""
    shown = {severity: 0 for severity in Severity}
    left = {severity: 0 for severity in Severity}
    out = []
    for issue in sorted(issues(result), key=lambda i: -i.severity):
        if shown[issue.severity] == PER_TYPE:
            left[issue.severity] += 1
            continue
        shown[issue.severity] += 1
        props = (
            f"file={_prop(issue.path)},line={issue.line},col={issue.column},"
            f"title={_prop(f'{issue.rule} {issue.name}')}"
        )
        body = issue.message + (f"\nfix: {issue.fix}" if issue.fix else "")
        out.append(f"::{_LEVEL[issue.severity]} {props}::{_data(body)}")
    hidden = [f"{n} more {_LEVEL[s]}s" for s, n in sorted(left.items(), reverse=True) if n]
    if hidden:
        out.append(
            "::notice title=migcheck annotations::"
            + _data(
                f"{', '.join(hidden)} not shown as annotations (GitHub shows {PER_TYPE} of each "
                "type per step): the full report is in the job summary"
            )
        )
    out.extend(f"::notice title=migcheck note::{_data(note)}" for note in result.notes)
    coverage = result.coverage if isinstance(result, Report) else result.coverage_detail
    if coverage is not None:
        out.append(f"::notice title=migcheck coverage::{_data(coverage.line)}")
    return "".join(line + "\n" for line in out)
