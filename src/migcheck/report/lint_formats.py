"""Dispatch ``migcheck lint --format`` to the module that renders that format."""

from __future__ import annotations

import importlib

from migcheck.model import Report

#: format name -> module under migcheck.report with ``render(report) -> str``
FORMATS = {
    "text": "text",
    "json": "json",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
}


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` in format ``fmt`` (text honours ``color``)."""
    module = importlib.import_module(f"migcheck.report.{FORMATS[fmt]}")
    if fmt == "text":
        return str(module.render(report, color=color))
    return str(module.render(report))
