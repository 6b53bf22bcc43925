"""Counts shared by the lint output formats."""

from __future__ import annotations

from collections import Counter

from migcheck.result import Report, Severity

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~9 ms)
if TYPE_CHECKING:
    from typing import Any


def summary(report: Report) -> dict[str, Any]:
    """The ``summary`` object of the JSON format: totals and counts per severity and rule."""
    severities = Counter(f.severity for f in report.findings)
    rules = Counter(f.rule for f in report.findings)
    found: dict[str, Any] = {
        "files": report.files,
        "statements": report.statements,
        "findings": len(report.findings),
        "errors": severities.get(Severity.ERROR, 0),
        "warnings": severities.get(Severity.WARNING, 0),
        "info": severities.get(Severity.INFO, 0),
        "rules": dict(sorted(rules.items())),
    }
    return found
