"""``migcheck verify --format json``: the stable machine-readable result (see docs/verify.md)."""

from __future__ import annotations

import json
from typing import Any

from migcheck.verify.results import VerifyResult
from migcheck.verify.trace import TracedStatement


def as_dict(result: VerifyResult) -> dict[str, Any]:
    """The documented JSON shape: ``ok``, ``revisions`` and ``drift``, nothing else.

    Each revision carries ``locks``: the statements of its first upgrade with the relation locks
    they really took and the relations they rewrote (empty with ``--no-trace-locks``).
    """
    return {
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
            }
            for revision in result.revisions
        ],
        "drift": [{"kind": item.kind, "message": item.message} for item in result.drift],
    }


def _statement(statement: TracedStatement) -> dict[str, Any]:
    return {
        "statement": statement.sql,
        "in_transaction": statement.in_transaction,
        "locks": [
            {
                "relation": lock.relation,
                "kind": lock.kind,
                "mode": lock.label,
                "blocks": lock.blocks,
                "new_relation": lock.new_relation,
            }
            for lock in statement.locks
        ],
        "rewritten": statement.rewritten,
    }


def render(result: VerifyResult) -> str:
    """The result as indented JSON text."""
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
