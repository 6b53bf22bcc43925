"""A forgiving statement splitter, used only when PostgreSQL's parser rejects a script.

libpg_query's own scanner split silently drops statements that start with an unknown word, so
after a syntax error migcheck finds statement boundaries with this small lexer instead: it knows
quoted strings and identifiers, ``E''`` escapes, dollar quotes and (nested) comments, and splits
at top-level semicolons. Input that never closes a quote or comment is cut at the next line that
ends with ``;`` so the rest of the file is still checked.
"""

from __future__ import annotations

_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def split_statements(data: bytes) -> list[tuple[int, int]]:
    """Return ``(offset, length)`` of every statement in ``data`` (without its semicolon)."""
    pieces: list[tuple[int, int]] = []
    start = 0
    pos = 0
    size = len(data)
    while pos < size:
        byte = data[pos]
        if byte == 0x3B:  # ;
            pieces.append((start, pos - start))
            pos += 1
            start = pos
            continue
        end = _skip_token(data, pos)
        if end < 0:  # unterminated: resynchronise at the next line ending with ';'
            stop = data.find(b";\n", pos)
            stop = size if stop < 0 else stop
            pieces.append((start, stop - start))
            pos = start = stop + 1
            continue
        pos = end
    if start < size:
        pieces.append((start, size - start))
    return pieces


def _skip_token(data: bytes, pos: int) -> int:
    """Offset just after the token at ``pos`` (one byte for ordinary text); -1 if unterminated."""
    byte = data[pos]
    if byte == 0x27:  # '
        backslash = pos > 0 and data[pos - 1] in b"eE" and (pos < 2 or data[pos - 2] not in _WORD)
        return _skip_quoted(data, pos + 1, 0x27, backslash)
    if byte == 0x22:  # "
        return _skip_quoted(data, pos + 1, 0x22, False)
    if data.startswith(b"--", pos):
        newline = data.find(b"\n", pos)
        return len(data) if newline < 0 else newline + 1
    if data.startswith(b"/*", pos):
        return _skip_comment(data, pos)
    if byte == 0x24 and (pos == 0 or data[pos - 1] not in _WORD):  # $tag$
        close = data.find(b"$", pos + 1)
        tag = data[pos : close + 1] if close > 0 else b""
        if tag and all(b in _WORD for b in tag[1:-1]) and not tag[1:2].isdigit():
            end = data.find(tag, close + 1)
            return -1 if end < 0 else end + len(tag)
    if byte in _WORD:
        while pos < len(data) and data[pos] in _WORD:
            pos += 1
        return pos
    return pos + 1


def _skip_quoted(data: bytes, pos: int, quote: int, backslash: bool) -> int:
    size = len(data)
    while pos < size:
        byte = data[pos]
        if backslash and byte == 0x5C:
            pos += 2
            continue
        if byte == quote:
            if pos + 1 < size and data[pos + 1] == quote:
                pos += 2
                continue
            return pos + 1
        pos += 1
    return -1


def _skip_comment(data: bytes, pos: int) -> int:
    depth = 0
    size = len(data)
    while pos < size:
        if data.startswith(b"/*", pos):
            depth += 1
            pos += 2
        elif data.startswith(b"*/", pos):
            depth -= 1
            pos += 2
            if depth == 0:
                return pos
        else:
            pos += 1
    return -1
