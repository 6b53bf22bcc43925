"""Dispatch ``migcheck lint --format`` to the module that renders that format."""

from __future__ import annotations

import importlib

from migcheck.result import Report

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import TextIO

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


def write(report: Report, fmt: str, stream: TextIO, *, color: bool = False) -> None:
    """Write ``report`` in format ``fmt`` to ``stream``.

    A format that is UTF-8 by definition and has an ``encode(report) -> bytes`` (JSON) goes to
    the stream's binary buffer as it is: no str to decode and encode again (1.5 MB for 3k
    findings).
    """
    module = importlib.import_module(f"migcheck.report.{FORMATS[fmt]}")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and hasattr(module, "encode"):
        stream.flush()
        buffer.write(module.encode(report))
        return
    stream.write(render(report, fmt, color=color))
