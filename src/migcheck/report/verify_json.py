"""``migcheck verify --format json``: the stable machine-readable result (see docs/verify.md)."""

from __future__ import annotations

import json
from typing import Any

from migcheck.verify.results import LintFinding, VerifyResult
from migcheck.verify.trace import LockTaken, TracedStatement


def as_dict(result: VerifyResult) -> dict[str, Any]:
    """The documented JSON shape: ``ok``, ``revisions``, ``drift`` and ``coverage``.

    Each revision carries ``locks``: the statements of its first upgrade with the table locks
    they took and held and the tables they rewrote (empty with ``--no-trace-locks``), and
    ``findings``: the lint findings on what its upgrade and downgrade really sent.
    """
    checked, total = result.coverage
    return _run_fields(result) | {
        "ok": result.ok,
        "revisions": [
            {
                "revision": revision.revision,
                "path": revision.path,
                "status": revision.status,
                "problems": [
                    {"step": problem.step, "kind": problem.kind, "message": problem.message}
                    for problem in revision.problems
                ],
                "locks": [_statement(statement) for statement in revision.locks],
                "findings": [_finding(item) for item in revision.findings],
                "linted": revision.linted,
                "notes": revision.notes,
            }
            for revision in result.revisions
        ],
        "drift": [{"kind": item.kind, "message": item.message} for item in result.drift],
        "coverage": {
            "linted": result.linting,
            "checked": checked,
            "total": total,
            "unchecked": [
                {"revision": r.revision, "reason": r.unlinted or "its upgrade was not captured"}
                for r in result.unchecked
            ],
        },
    }


def _run_fields(result: VerifyResult) -> dict[str, Any]:
    """Keys present only when they apply: run problems, pull-request mode, shard."""
    fields: dict[str, Any] = {}
    if result.problems:
        fields["problems"] = [
            {"step": problem.step, "kind": problem.kind, "message": problem.message}
            for problem in result.problems
        ]
    if result.changed_since is not None:
        fields["changed_since"] = {
            "ref": result.changed_since,
            "commit": result.changed_since_commit,
            "checked": [revision.revision for revision in result.revisions],
            "applied_only": result.applied_only,
        }
    if result.shard is not None:
        index, count = result.shard
        fields["shard"] = {"index": index, "count": count}
    return fields


def _finding(item: LintFinding) -> dict[str, Any]:
    finding = item.finding
    return {
        "step": item.step,
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "message": finding.message,
        "fix": finding.fix,
        "statement": finding.statement,
    }


def _lock(lock: LockTaken) -> dict[str, Any]:
    return {
        "relation": lock.relation,
        "kind": lock.kind,
        "mode": lock.label,
        "blocks": lock.blocks,
        "new_relation": lock.new_relation,
        "indexes": list(lock.indexes),
    }


def _statement(statement: TracedStatement) -> dict[str, Any]:
    return {
        "statement": statement.sql,
        "in_transaction": statement.in_transaction,
        "line": statement.line,
        "began": statement.began,
        "failed": statement.failed,
        "duration_ms": round(statement.duration_ms, 3),
        "locks": [_lock(lock) for lock in statement.locks],
        "held": [_lock(lock) for lock in statement.held],
        "rewritten": statement.rewritten,
        "rebuilt": statement.rebuilt,
    }


def render(result: VerifyResult) -> str:
    """The result as indented JSON text."""
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
