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


#: characters that start markup inside a line, backslash-escaped in markdown text: emphasis, code,
#: links, GFM's table cell separator ``|`` and strikethrough, a heading's closing ``#``, GitHub's
#: ``@`` mentions and ``$`` math (text is never put at the start of a line, so ``-``, ``+`` and
#: ``1.`` cannot start a list)
_MARKDOWN_PUNCTUATION = frozenset("\\`*_[]|~#@$!")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_text(text: str) -> str:
    r"""``text`` as literal markdown inline text: no markup, no HTML, no mention, on one line.

    The characters that could start markup are backslash-escaped (which also keeps ``|`` from
    splitting a GFM table cell), ``&``, ``<`` and ``>`` become entities, line breaks become
    spaces and control characters are shown as ``\xNN``.
    """
    out = []
    for char in printable(" ".join(text.splitlines())):
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _MARKDOWN_PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def markdown_code(text: str) -> str:
    """``text`` as a markdown code span (on one line), fenced by more backticks than it holds."""
    line = printable(" ".join(text.split()))
    runs = [len(run) for run in re.findall(r"`+", line)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") or not line.strip() else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def markdown_url(url: str) -> str:
    """``url`` safe as a markdown link destination (no space, parenthesis, quote or bracket)."""
    for char, code in (
        (" ", "%20"),
        ("(", "%28"),
        (")", "%29"),
        ("<", "%3C"),
        (">", "%3E"),
        ('"', "%22"),
        ("\\", "%5C"),
        ("`", "%60"),
    ):
        url = url.replace(char, code)
    return printable(url)
