"""``migcheck verify --format json``: the stable machine-readable result (see docs/verify.md)."""

from __future__ import annotations

import json
from typing import Any

from migcheck.verify.results import VerifyResult


def as_dict(result: VerifyResult) -> dict[str, Any]:
    """The documented JSON shape: ``ok``, ``revisions`` and ``drift``, nothing else."""
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
            }
            for revision in result.revisions
        ],
        "drift": [{"kind": item.kind, "message": item.message} for item in result.drift],
    }


def render(result: VerifyResult) -> str:
    """The result as indented JSON text."""
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
