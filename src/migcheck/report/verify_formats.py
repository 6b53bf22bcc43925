"""Dispatch ``migcheck verify --format``/``--output`` to the module that renders that format."""

from __future__ import annotations

import importlib

from migcheck.verify.results import VerifyResult

#: format name -> module under migcheck.report with ``render(result) -> str``
FORMATS = {
    "text": "verify_text",
    "json": "verify_json",
    "junit": "verify_junit",
    "sarif": "sarif",
    "gitlab": "gitlab",
}


def render(result: VerifyResult, fmt: str) -> str:
    """Render ``result`` in format ``fmt``."""
    module = importlib.import_module(f"migcheck.report.{FORMATS[fmt]}")
    return str(module.render(result))
