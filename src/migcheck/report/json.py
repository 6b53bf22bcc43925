"""``migcheck lint --format json``: the versioned result document (docs/result.schema.json)."""

from __future__ import annotations

import orjson

from migcheck.result import Report
from migcheck.results_io import to_dict


def encode(report: Report) -> bytes:
    """The report as one compact JSON document in UTF-8 (no whitespace) and a newline."""
    return orjson.dumps(to_dict(report), option=orjson.OPT_APPEND_NEWLINE)


def render(report: Report) -> str:
    """The report as one compact JSON document (no whitespace) and a newline."""
    return encode(report).decode()
