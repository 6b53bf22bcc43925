"""GitLab Code Quality report (a JSON array of issues with fingerprints)."""

from __future__ import annotations

import hashlib
import json

from migcheck.result import Report, Severity

_LEVEL = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render(report: Report) -> str:
    """The Code Quality JSON array."""
    issues = []
    seen: dict[str, int] = {}
    for f in report.findings:
        loc = f.location
        key = f"{f.rule}:{loc.path}:{f.statement or loc.line}"
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256(f"{key}:{seen[key]}".encode()).hexdigest()
        issues.append(
            {
                "description": f"{f.rule} {f.name}: {f.message}",
                "check_name": f.rule,
                "fingerprint": fingerprint,
                "severity": _LEVEL[f.severity],
                "location": {"path": loc.path, "lines": {"begin": loc.line}},
                "content": {"body": f.fix},
            }
        )
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"
