"""Durations as PostgreSQL reads a time setting such as ``lock_timeout`` or ``statement_timeout``.

A number, optionally followed by one of the units PostgreSQL accepts for time settings
(``us``, ``ms``, ``s``, ``min``, ``h``, ``d``; case-sensitive, whitespace allowed before the
unit). Without a unit these settings count milliseconds; ``0`` turns them off.
"""

from __future__ import annotations

import re

#: the units PostgreSQL accepts for time-valued settings
UNITS = ("us", "ms", "s", "min", "h", "d")

_DURATION = re.compile(r"\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:us|ms|s|min|h|d)?\s*", re.ASCII)


def is_duration(text: str) -> bool:
    """True when PostgreSQL accepts ``text`` as the value of a time setting."""
    return _DURATION.fullmatch(text) is not None
