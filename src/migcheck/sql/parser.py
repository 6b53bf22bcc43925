"""Statements out of SQL text: PostgreSQL's parser (:mod:`migcheck.sql.libpg_query`) and positions.

Everything else in migcheck sees :class:`RawStatement`: the statement's text, its 1-based line and
column in the script, and either its parse tree (libpg_query's JSON form, decoded to plain dicts)
or the parser's error message. Swapping the binding means rewriting only these two modules.

Why the JSON path and not postgast's protobuf objects: importing the generated protobuf module costs
~40 ms at startup and every field access goes through the protobuf runtime, while libpg_query's JSON
decodes into dicts that are cheap to walk (numbers in docs/parser.md). ``orjson`` decodes it: a
third faster than the standard ``json`` module on parse trees (30 ms instead of 43 ms for 10k
statements), for 5 ms more at startup. orjson refuses trees nested deeper than 1024 levels (a
500-term ``||`` chain, 200 nested ``CASE``): those are decoded by :func:`_loads_deep`, a loop
with no recursion and no depth limit.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from migcheck import speed
from migcheck.sql.libpg_query import (
    SqlSyntaxError,
    encode,
    parse_json,
    parse_plpgsql_json,
    statement_ends,
)
from migcheck.sql.splitter import split_statements

__all__ = ["RawStatement", "SqlSyntaxError", "parse_bytes", "parse_chunks", "parse_script"]


def parse_bytes(data: bytes) -> list[dict[str, Any]]:
    """Parse UTF-8 SQL into libpg_query's list of ``RawStmt`` dicts; raises SqlSyntaxError."""
    stmts: list[dict[str, Any]] = loads(parse_json(data)).get("stmts", [])
    return stmts


def loads(tree: bytes) -> Any:
    """Decode one of libpg_query's JSON trees, however deeply nested."""
    try:
        return orjson.loads(tree)
    except orjson.JSONDecodeError:
        return _loads_deep(tree)


#: one JSON token after optional whitespace: punctuation, a string, a number or a literal
_TOKEN = re.compile(
    r"\s*(?:([{}\[\],:])"
    r'|("(?:[^"\\]|\\.)*")'
    r"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(true|false|null))"
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _loads_deep(tree: bytes) -> Any:
    """Decode JSON with an explicit stack, for trees deeper than orjson's 1024 levels.

    Raises ValueError on text that is not JSON (libpg_query always writes JSON).
    """
    text = tree.decode("utf-8", "replace")
    root: Any = None
    containers: list[Any] = []
    #: the key waiting for its value in each open object (None: the next string is a key)
    keys: list[str | None] = []

    def add(value: Any) -> None:
        nonlocal root
        if not containers:
            root = value
            return
        top = containers[-1]
        if isinstance(top, list):
            top.append(value)
        elif keys[-1] is None:
            keys[-1] = value
        else:
            top[keys[-1]] = value
            keys[-1] = None

    pos, end = 0, len(text.rstrip())
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"not JSON at offset {pos}")
        pos = match.end()
        punct, string, number, literal = match.groups()
        if punct is not None:
            if punct in "{[":
                opened: Any = {} if punct == "{" else []
                add(opened)
                containers.append(opened)
                keys.append(None)
            elif punct in "}]":
                containers.pop()
                keys.pop()
        elif string is not None:
            add(json.loads(string) if "\\" in string else string[1:-1])
        elif number is not None:
            add(float(number) if any(c in number for c in ".eE") else int(number))
        else:
            add(_LITERALS[literal])
    return root


@dataclass(slots=True)
class PlpgsqlBody:
    """What a PL/pgSQL body does that the rules care about (lines are within the body)."""

    #: SQL it runs: plain statements and ``EXECUTE 'literal'``, as ``(line, query)``
    queries: list[tuple[int, str]]
    #: ERROR-level ``RAISE`` with a literal message, as ``(line, message)``
    raises: list[tuple[int, str]]


#: elog level of ``RAISE EXCEPTION`` (PostgreSQL's ERROR)
_ELOG_ERROR = 21
#: ``RAISE … USING MESSAGE = …`` option type
_RAISE_OPTION_MESSAGE = 1


def plpgsql_body(body: str) -> PlpgsqlBody:
    """The SQL a PL/pgSQL body runs and the exceptions it raises, read from its parse tree.

    Empty when the body does not parse as PL/pgSQL (PostgreSQL would report that when the block
    runs).
    """
    found = PlpgsqlBody([], [])
    tag = "$migcheck_body$"
    if tag in body:
        return found
    source = f"CREATE FUNCTION migcheck_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    raw = parse_plpgsql_json(encode(source))
    if raw is None or not any(marker in raw for marker in _PLPGSQL_MARKERS):
        return found
    functions = loads(raw)
    stack: list[Any] = [functions]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        execsql = item.get("PLpgSQL_stmt_execsql")
        dynamic = item.get("PLpgSQL_stmt_dynexecute")
        raise_ = item.get("PLpgSQL_stmt_raise")
        if execsql is not None:
            query = execsql.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
            if query:
                found.queries.append((int(execsql.get("lineno", 1)), query))
        elif dynamic is not None:
            query = dynamic.get("query", {}).get("PLpgSQL_expr", {}).get("query", "")
            literal = _string_literal(query)
            if literal:
                found.queries.append((int(dynamic.get("lineno", 1)), literal))
        elif raise_ is not None and raise_.get("elog_level", _ELOG_ERROR) >= _ELOG_ERROR:
            message = _raise_message(raise_)
            if message is not None:
                found.raises.append((int(raise_.get("lineno", 1)), message))
        stack.extend(reversed(list(item.values())))
    return found


#: JSON keys one of which must be in the PL/pgSQL tree for it to be worth decoding (RAISE NOTICE
#: is common in DO blocks and needs no decoding: only an ERROR-level RAISE does)
_PLPGSQL_MARKERS = (
    b'"PLpgSQL_stmt_execsql"',
    b'"PLpgSQL_stmt_dynexecute"',
    b'"elog_level":%d' % _ELOG_ERROR,
)


def _raise_message(node: dict[str, Any]) -> str | None:
    """The literal message of a RAISE: ``RAISE EXCEPTION 'text'`` or ``USING MESSAGE = 'text'``."""
    message = node.get("message")
    if isinstance(message, str):
        return message
    for option in node.get("options", ()):
        opt = option.get("PLpgSQL_raise_option", {})
        if opt.get("opt_type", 0) == _RAISE_OPTION_MESSAGE:
            query = opt.get("expr", {}).get("PLpgSQL_expr", {}).get("query", "")
            return _string_literal(query)
    return None


def _string_literal(expr: str) -> str | None:
    """The value of a plain ``'...'`` literal expression, else None."""
    text = expr.strip()
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return None
    inner = text[1:-1]
    if "'" in inner.replace("''", ""):
        return None
    return inner.replace("''", "'")


@dataclass(slots=True)
class RawStatement:
    """One statement of a script: where it is, its text, and its tree or its syntax error."""

    text: str
    line: int
    column: int
    #: libpg_query's tree; its nodes' ``location`` byte offsets count from the start of the text
    #: given to libpg_query (the script, a chunk of it, or one statement after a syntax error):
    #: use ``line``/``column`` instead
    tree: dict[str, Any] | None
    error: str | None = None
    #: 1-based line of the end of the statement (for suppression comments spanning it)
    end_line: int = 0

    @property
    def kind(self) -> str:
        """The parse node name (``"AlterTableStmt"``), or ``""`` when it did not parse."""
        if self.tree is None:
            return ""
        return next(iter(self.tree), "")

    @property
    def node(self) -> dict[str, Any]:
        """The statement node's fields (empty when it did not parse)."""
        if self.tree is None:
            return {}
        value: dict[str, Any] = next(iter(self.tree.values()), {})
        return value


class _Lines:
    """Maps increasing byte offsets to 1-based (line, column) in linear total time."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.ascii = data.isascii()
        self.offset = 0
        self.line = 1
        self.line_start = 0

    def at(self, offset: int) -> tuple[int, int]:
        data = self.data
        if offset < self.offset:
            self.offset, self.line, self.line_start = 0, 1, 0
        self.line += data.count(b"\n", self.offset, offset)
        self.offset = offset
        newline = data.rfind(b"\n", 0, offset)
        self.line_start = newline + 1
        if self.ascii:
            return self.line, offset - self.line_start + 1
        column = len(data[self.line_start : offset].decode("utf-8", "replace")) + 1
        return self.line, column


#: first bytes that may begin whitespace or a comment (the empty string: at the end)
_BLANK_STARTS = frozenset([b" ", b"\t", b"\r", b"\n", b"\f", b"\v", b"-", b"/"])


def _skip_blank(data: bytes, start: int, end: int) -> int:
    """First offset in ``data[start:end]`` that is not whitespace or a comment."""
    pos = start
    while pos < end:
        byte = data[pos]
        if byte in b" \t\r\n\f\v":
            pos += 1
        elif data.startswith(b"--", pos):
            newline = data.find(b"\n", pos, end)
            pos = end if newline < 0 else newline + 1
        elif data.startswith(b"/*", pos):
            close = data.find(b"*/", pos + 2, end)
            pos = end if close < 0 else close + 2
        else:
            break
    return pos


#: statements per chunk when a large script is parsed a chunk at a time (see parse_chunks)
CHUNK_STATEMENTS = 300


def parse_script(text: str) -> list[RawStatement]:
    """Split and parse a whole script, keeping each statement's 1-based line and column.

    A statement that does not parse becomes a RawStatement with ``error`` set; parsing resumes at
    the next statement, so one typo never hides the rest of the file.
    """
    return [statement for chunk in parse_chunks(text) for statement in chunk]


def parse_chunks(text: str) -> Iterator[list[RawStatement]]:
    """The statements of :func:`parse_script` in order, in chunks of about CHUNK_STATEMENTS.

    A large script is cut after the ``;`` PostgreSQL's scanner finds ending every
    CHUNK_STATEMENTS-th statement, and each chunk is parsed on its own: its parse tree, decoded
    and turned into facts, is freed before the next chunk is parsed, which keeps memory small
    and was 1.4 times faster on 100k statements than one parse of the whole script (docs/lint.md,
    Speed). A cut inside a ``BEGIN ATOMIC`` body or a rule's actions, which the scanner does not
    know, leaves a chunk that does not parse; so does a syntax error. From such a chunk on the
    rest of the script is parsed as one: at once, or statement by statement when that fails.
    """
    data = encode(text)
    lines = _Lines(data)
    cuts = [0]
    if data.count(b";") > CHUNK_STATEMENTS:
        cuts.extend(end for end in statement_ends(data, CHUNK_STATEMENTS) if end < len(data))
    cuts.append(len(data))
    bounds = list(itertools.pairwise(cuts))
    trees = speed.parsed([data[start:end] for start, end in bounds])
    try:
        for (start, end), tree in zip(bounds, trees, strict=True):
            if isinstance(tree, SqlSyntaxError):
                yield _parse_from(data, lines, start)
                return
            stmts: list[dict[str, Any]] = loads(tree).get("stmts", [])
            if stmts:
                yield _raw_statements(data, lines, start, end, stmts)
    finally:
        trees.close()


def _parse_from(data: bytes, lines: _Lines, start: int) -> list[RawStatement]:
    """The statements of ``data`` from ``start`` (a statement boundary) to its end.

    Parsed at once; when that fails, statement by statement, so each bad one becomes an error.
    """
    try:
        stmts = parse_bytes(data[start:] if start else data)
    except SqlSyntaxError:
        return _parse_tolerant(data, lines, start)
    return _raw_statements(data, lines, start, len(data), stmts)


def _raw_statements(
    data: bytes, lines: _Lines, start: int, end: int, stmts: list[dict[str, Any]]
) -> list[RawStatement]:
    """RawStatements for libpg_query's parse ``stmts`` of ``data[start:end]``."""
    out: list[RawStatement] = []
    for raw in stmts:
        offset = start + raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0) or end - offset
        out.append(_make(data, lines, offset, length, raw.get("stmt"), None))
    return out


def _make(
    data: bytes,
    lines: _Lines,
    offset: int,
    length: int,
    tree: dict[str, Any] | None,
    error: str | None,
) -> RawStatement:
    end = offset + length
    # most statements start right after the previous one's newline: skip it without the loop
    start = offset + 1 if length and data[offset : offset + 1] == b"\n" else offset
    if data[start : start + 1] in _BLANK_STARTS:
        start = _skip_blank(data, start, end)
    line, column = lines.at(start)
    end_line = line + data.count(b"\n", start, end)
    body = data[start:end].decode("utf-8", "replace").rstrip()
    return RawStatement(body, line, column, tree, error, end_line)


def _parse_tolerant(data: bytes, lines: _Lines, start: int) -> list[RawStatement]:
    """Statement by statement from ``start``: one that does not parse is an error."""
    out: list[RawStatement] = []
    for offset, length in split_statements(data[start:] if start else data):
        offset += start
        chunk = data[offset : offset + length]
        if _skip_blank(chunk, 0, len(chunk)) >= len(chunk):
            continue
        try:
            parsed = parse_bytes(chunk)
        except SqlSyntaxError as error:
            out.append(_make(data, lines, offset, length, None, error.message))
            continue
        for raw in parsed:
            sub = raw.get("stmt_location", 0)
            sub_len = raw.get("stmt_len", 0) or length - sub
            out.append(_make(data, lines, offset + sub, sub_len, raw.get("stmt"), None))
    return out
