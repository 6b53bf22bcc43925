"""SARIF 2.1.0 output (GitHub code scanning and other SARIF viewers)."""

from __future__ import annotations

import json
from typing import Any

from migcheck import __version__
from migcheck.result import Report, Severity
from migcheck.rules.registry import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report) -> str:
    """One SARIF run with every rule's metadata and one result per finding."""
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "migcheck",
        "version": __version__,
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
    for f in report.findings:
        loc = f.location
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f"\nFix: {f.fix}" if f.fix else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": loc.path.replace("\\", "/")},
                        "region": {"startLine": loc.line, "startColumn": loc.column},
                    }
                }
            ],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
