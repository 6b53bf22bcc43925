"""GitHub Actions workflow commands (``::error file=…,line=…::message``), one per finding."""

from __future__ import annotations

from migcheck.report.escape import printable
from migcheck.result import Report, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(escaped)


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    """One annotation line per finding, note and unchecked revision, and the coverage."""
    out = []
    for f in report.findings:
        loc = f.location
        props = (
            f"file={_prop(loc.path)},line={loc.line},col={loc.column},"
            f"title={_prop(f'{f.rule} {f.name}')}"
        )
        body = f.message + (f"\nfix: {f.fix}" if f.fix else "")
        out.append(f"::{_LEVEL[f.severity]} {props}::{_data(body)}")
    out.extend(f"::notice title=migcheck note::{_data(note)}" for note in report.notes)
    if report.coverage is not None:
        for u in report.coverage.unchecked:
            props = f"file={_prop(u.path)},line=1,title=revision {_prop(u.revision)} not checked"
            out.append(f"::warning {props}::{_data(u.reason)}")
        out.append(f"::notice title=migcheck coverage::{_data(report.coverage.line)}")
    return "".join(line + "\n" for line in out)
