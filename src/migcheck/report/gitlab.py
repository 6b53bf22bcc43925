"""GitLab Code Quality report (a JSON array of issues with stable fingerprints).

Renders a lint report or a verify result through :func:`migcheck.report.issues.issues`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from migcheck.report.issues import issues
from migcheck.result import Report, Severity

if TYPE_CHECKING:
    from migcheck.verify.results import VerifyResult

_LEVEL = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render(result: Report | VerifyResult) -> str:
    """The Code Quality JSON array."""
    out = [
        {
            "description": f"{issue.rule} {issue.name}: {issue.message}",
            "check_name": issue.rule,
            "fingerprint": issue.fingerprint,
            "severity": _LEVEL[issue.severity],
            "location": {"path": issue.path, "lines": {"begin": issue.line}},
            "content": {"body": issue.fix},
        }
        for issue in issues(result)
    ]
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"
