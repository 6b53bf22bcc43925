"""``migcheck verify --format json``: the versioned result document (docs/result.schema.json).

Each revision carries ``locks``: the statements of its first upgrade with the table locks they
took and held and the tables they rewrote (empty with ``--no-trace-locks``), and ``findings``:
the lint findings on what its upgrade and downgrade really sent.
"""

from __future__ import annotations

from migcheck.results_io import dumps
from migcheck.verify.results import VerifyResult


def render(result: VerifyResult) -> str:
    """The result as indented JSON text."""
    return dumps(result)
