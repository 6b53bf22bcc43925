"""Dispatch ``migcheck verify --format``/``--output`` to the module that renders that format."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from migcheck.verify.results import VerifyResult

#: format name -> module under migcheck.report with ``render(result, **options) -> str``
FORMATS = {
    "text": "verify_text",
    "json": "verify_json",
    "junit": "verify_junit",
    "sarif": "sarif",
    "gitlab": "gitlab",
    "github": "github",
    "markdown": "verify_markdown",
}

#: format name -> keyword options of its ``render`` (e.g. a size budget); none by default
Options = Mapping[str, Mapping[str, Any]]


def render(result: VerifyResult, fmt: str, options: Options | None = None) -> str:
    """Render ``result`` in format ``fmt``, with that format's entry of ``options`` if any."""
    module = importlib.import_module(f"migcheck.report.{FORMATS[fmt]}")
    return str(module.render(result, **(options or {}).get(fmt, {})))
