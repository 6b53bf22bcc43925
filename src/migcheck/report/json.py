"""JSON output: ``{"findings": [...], "summary": {...}}`` (shape documented in docs/lint.md)."""

from __future__ import annotations

import orjson

from migcheck.report.summary import summary
from migcheck.result import Finding, Report, Severity

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~9 ms)
if TYPE_CHECKING:
    from typing import Any


#: severity -> its label (``Severity.label`` goes through the enum's ``name`` property)
_LABELS = {severity: severity.label for severity in Severity}


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as the stable JSON object."""
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": _LABELS[f.severity],
        "path": f.location.path,
        "line": f.location.line,
        "column": f.location.column,
        "message": f.message,
        "fix": f.fix,
    }


def encode(report: Report) -> bytes:
    """The report as one compact JSON document in UTF-8 (no whitespace) and a newline."""
    document = {
        "findings": [finding_dict(f) for f in report.findings],
        "summary": summary(report),
    }
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


def render(report: Report) -> str:
    """The report as one compact JSON document (no whitespace) and a newline."""
    return encode(report).decode()
