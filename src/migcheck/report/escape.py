"""Text from a project (messages, statements, paths) made safe for the output it goes into.

A migration can contain any character, and messages quote it. A terminal must not receive the
project's escape sequences (they can move the cursor, retitle the window or hide lines), and
XML 1.0 cannot hold most control characters at all (a JUnit file with one is not well-formed).
"""

from __future__ import annotations

import re

#: C0 and C1 control characters except tab and newline, and DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: characters XML 1.0 does not allow, even escaped (surrogates and U+FFFE/U+FFFF too)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(text: str) -> str:
    r"""``text`` with control characters (other than tab and newline) shown as ``\xNN``."""
    return _CONTROL.sub(_visible, text)


def xml_safe(text: str) -> str:
    r"""``text`` with the characters XML 1.0 cannot carry shown as ``\xNN``."""
    return _NOT_XML.sub(_visible, text)
