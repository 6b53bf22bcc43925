"""SARIF 2.1.0 output (GitHub code scanning and other SARIF viewers), for lint and verify."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from migcheck.report.issues import FINGERPRINT_NAME, issues
from migcheck.result import Report, Severity
from migcheck.rules.registry import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
if TYPE_CHECKING:
    from migcheck.verify.results import VerifyResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(result: Report | VerifyResult) -> str:
    """One SARIF run with every rule's metadata and one result per issue.

    Each result carries a ``partialFingerprints`` entry that does not move with line numbers
    (see :mod:`migcheck.report.issues`); notes are tool execution notifications and the coverage
    line a run property.
    """
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "migcheck",
        "version": result.tool.version,
        "informationUri": "https://github.com/migcheck/migcheck",
        "rules": [
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.doc.strip()},
                "help": {"text": r.doc.strip(), "markdown": r.doc.strip()},
                "defaultConfiguration": {"level": _LEVEL[r.severity], "enabled": not r.opt_in},
            }
            for r in rules
        ],
    }
    results = []
    for issue in issues(result):
        if issue.rule not in index:  # verify's problems, drift and unchecked revisions
            index[issue.rule] = len(driver["rules"])
            driver["rules"].append(
                {"id": issue.rule, "name": issue.name, "shortDescription": {"text": issue.name}}
            )
        item: dict[str, Any] = {
            "ruleId": issue.rule,
            "level": _LEVEL[issue.severity],
            "message": {"text": issue.message + (f"\nFix: {issue.fix}" if issue.fix else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": issue.path.replace("\\", "/")},
                        "region": {"startLine": issue.line, "startColumn": issue.column},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_NAME: issue.fingerprint},
            "ruleIndex": index[issue.rule],
        }
        results.append(item)
    coverage = result.coverage if isinstance(result, Report) else result.coverage_detail
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": note}} for note in result.notes
                ],
            }
        ],
        "results": results,
    }
    if coverage is not None:
        run["properties"] = {"coverage": coverage.line}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
