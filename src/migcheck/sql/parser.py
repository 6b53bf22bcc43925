"""The one place that talks to PostgreSQL's parser (libpg_query, as shipped by ``postgast``).

Everything else in migcheck sees :class:`RawStatement`: the statement's text, its 1-based line and
column in the script, and either its parse tree (libpg_query's JSON form, decoded to plain dicts)
or the parser's error message. Swapping the binding means rewriting only this module.

Why the JSON path and not postgast's protobuf objects: importing the generated protobuf module costs
~40 ms at startup and every field access goes through the protobuf runtime, while libpg_query's JSON
decodes with the C ``json`` module into dicts that are cheap to walk (numbers in docs/parser.md).
The shared library is loaded directly with :mod:`ctypes` so that the ``postgast`` package itself
(and with it protobuf) is never imported on the lint path.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue

from migcheck.sql.splitter import split_statements

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~9 ms)
if TYPE_CHECKING:
    from typing import Any

_LIB_NAMES = {"linux": "libpg_query.so", "darwin": "libpg_query.dylib", "win32": "pg_query.dll"}


class _Error(ctypes.Structure):
    _fields_ = [
        ("message", ctypes.c_char_p),
        ("funcname", ctypes.c_char_p),
        ("filename", ctypes.c_char_p),
        ("lineno", ctypes.c_int),
        ("cursorpos", ctypes.c_int),
        ("context", ctypes.c_char_p),
    ]


class _ParseResult(ctypes.Structure):
    _fields_ = [
        ("parse_tree", ctypes.c_void_p),
        ("stderr_buffer", ctypes.c_char_p),
        ("error", ctypes.POINTER(_Error)),
    ]


class _PlpgsqlResult(ctypes.Structure):
    _fields_ = [("plpgsql_funcs", ctypes.c_void_p), ("error", ctypes.POINTER(_Error))]


_lib: Any = None


def _library() -> Any:
    """Load libpg_query from the installed ``postgast`` wheel without importing the package."""
    global _lib
    if _lib is not None:
        return _lib
    name = _LIB_NAMES.get(sys.platform, "libpg_query.so")
    candidates = [Path(entry or ".") / "postgast" / name for entry in sys.path]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:  # pragma: no cover - a postgast built against a system libpg_query
        from ctypes.util import find_library  # imports subprocess and more: rare path only

        system = find_library("pg_query")
        if system is None:
            raise OSError("libpg_query not found: reinstall postgast (pip install postgast)")
        lib = ctypes.CDLL(system)
    else:
        lib = ctypes.CDLL(str(found))
    lib.pg_query_parse.argtypes = [ctypes.c_char_p]
    lib.pg_query_parse.restype = _ParseResult
    lib.pg_query_free_parse_result.argtypes = [_ParseResult]
    lib.pg_query_free_parse_result.restype = None
    lib.pg_query_parse_plpgsql.argtypes = [ctypes.c_char_p]
    lib.pg_query_parse_plpgsql.restype = _PlpgsqlResult
    lib.pg_query_free_plpgsql_parse_result.argtypes = [_PlpgsqlResult]
    lib.pg_query_free_plpgsql_parse_result.restype = None
    lib.pg_query_split_with_scanner.argtypes = [ctypes.c_char_p]
    lib.pg_query_split_with_scanner.restype = _SplitResult
    lib.pg_query_free_split_result.argtypes = [_SplitResult]
    lib.pg_query_free_split_result.restype = None
    _lib = lib
    return lib


class SqlSyntaxError(Exception):
    """libpg_query rejected the text; ``position`` is a 0-based byte offset into it, or -1."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _error(err: Any) -> SqlSyntaxError:
    contents = err.contents
    message = (contents.message or b"syntax error").decode("utf-8", "replace")
    return SqlSyntaxError(message, contents.cursorpos - 1 if contents.cursorpos > 0 else -1)


def _parse_json(data: bytes) -> bytes:
    """libpg_query's JSON parse tree of ``data``; raises SqlSyntaxError."""
    lib = _library()
    result = lib.pg_query_parse(data)
    try:
        if result.error:
            raise _error(result.error)
        tree: bytes = ctypes.string_at(result.parse_tree)
    finally:
        lib.pg_query_free_parse_result(result)
    return tree


class _SplitStmt(ctypes.Structure):
    _fields_ = [("stmt_location", ctypes.c_int), ("stmt_len", ctypes.c_int)]


class _SplitResult(ctypes.Structure):
    _fields_ = [
        ("stmts", ctypes.POINTER(ctypes.POINTER(_SplitStmt))),
        ("n_stmts", ctypes.c_int),
        ("stderr_buffer", ctypes.c_char_p),
        ("error", ctypes.POINTER(_Error)),
    ]


#: statements per chunk when a prefetched file is parsed in pieces
CHUNK_STATEMENTS = 1000


def _chunk_bounds(data: bytes) -> list[int]:
    """Byte offsets cutting ``data`` into runs of about CHUNK_STATEMENTS statements.

    The cuts are statement starts found by libpg_query's scanner (quotes, dollar quotes and
    comments are known to it). A cut the parser disagrees with makes a chunk fail to parse,
    and the caller then parses the whole script at once, so a cut never changes a result.
    """
    lib = _library()
    result = lib.pg_query_split_with_scanner(data)
    try:
        if result.error:
            return [0, len(data)]
        cuts = [
            result.stmts[i].contents.stmt_location
            for i in range(CHUNK_STATEMENTS, result.n_stmts, CHUNK_STATEMENTS)
        ]
    finally:
        lib.pg_query_free_split_result(result)
    return [0, *(c for c in cuts if 0 < c < len(data)), len(data)]


#: what :func:`prefetch` parsed: script bytes -> queue of ``(start, end, JSON tree)`` chunks in
#: order, then None; a SqlSyntaxError instead when a chunk does not parse
_ahead: dict[bytes, SimpleQueue[tuple[int, int, bytes] | SqlSyntaxError | None]] = {}
_ahead_read = threading.Event()
_ahead_thread: threading.Thread | None = None


def prefetch(paths: list[str]) -> None:
    """Start parsing these SQL files in a background thread, ahead of :func:`parse_script`.

    libpg_query runs without the GIL, so the C parse happens on the other core while the caller
    imports the rest of migcheck (~40 ms) and then decodes and checks the script: each file is
    parsed in chunks of CHUNK_STATEMENTS statements that ``parse_script`` takes as they are ready.
    The results serve only a later ``parse_script`` of exactly the same text in this process
    (and are dropped by the next ``prefetch``); files that cannot be read are skipped (the
    caller reports them).
    """
    global _ahead_thread
    if _ahead_thread is not None:
        _ahead_thread.join()
    _ahead.clear()  # results of an earlier run that were never asked for
    _ahead_read.clear()

    def work() -> None:
        scripts = []
        try:
            for path in paths:
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        data = _encode(handle.read())
                except OSError:
                    continue
                chunks: SimpleQueue[tuple[int, int, bytes] | SqlSyntaxError | None]
                chunks = SimpleQueue()
                _ahead[data] = chunks
                scripts.append((data, chunks))
        finally:
            _ahead_read.set()
        for data, chunks in scripts:
            try:
                for start, end in itertools.pairwise(_chunk_bounds(data)):
                    chunks.put((start, end, _parse_json(data[start:end])))
            except SqlSyntaxError as error:
                chunks.put(error)
            except Exception as error:  # never leave parse_script waiting for a chunk
                chunks.put(SqlSyntaxError(f"parsing ahead failed: {error}", -1))
            finally:
                chunks.put(None)

    _ahead_thread = threading.Thread(target=work, name="migcheck-parse", daemon=True)
    _ahead_thread.start()


def _prefetched(data: bytes) -> list[RawStatement] | None:
    """The statements of ``data`` from :func:`prefetch`'s chunks; None when it has none."""
    if _ahead_thread is None:
        return None
    _ahead_read.wait()
    chunks = _ahead.pop(data, None)
    if chunks is None:
        return None
    lines = _Lines(data)
    out: list[RawStatement] = []
    while (item := chunks.get()) is not None:
        if isinstance(item, SqlSyntaxError):
            return None
        start, end, tree = item
        for raw in json.loads(tree).get("stmts", []):
            offset = start + raw.get("stmt_location", 0)
            length = raw.get("stmt_len", 0) or end - offset
            out.append(_make(data, lines, offset, length, raw.get("stmt"), None))
    return out


def parse_bytes(data: bytes) -> list[dict[str, Any]]:
    """Parse UTF-8 SQL into libpg_query's list of ``RawStmt`` dicts; raises SqlSyntaxError."""
    tree = json.loads(_parse_json(data))
    stmts: list[dict[str, Any]] = tree.get("stmts", [])
    return stmts


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
    lib = _library()
    result = lib.pg_query_parse_plpgsql(_encode(source))
    try:
        if result.error or not result.plpgsql_funcs:
            return found
        raw = ctypes.string_at(result.plpgsql_funcs)
        if not any(marker in raw for marker in _PLPGSQL_MARKERS):
            return found
        functions = json.loads(raw)
    finally:
        lib.pg_query_free_plpgsql_parse_result(result)
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
    #: libpg_query's tree; its nodes' ``location`` byte offsets count from an unspecified start
    #: (the script, or the chunk :func:`prefetch` parsed): use ``line``/``column`` instead
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


def _encode(text: str) -> bytes:
    # NUL would end the C string early; libpg_query rejects it anyway, so a space keeps offsets.
    return text.replace("\x00", " ").encode("utf-8", "replace")


def parse_script(text: str) -> list[RawStatement]:
    """Split and parse a whole script, keeping each statement's 1-based line and column.

    A statement that does not parse becomes a RawStatement with ``error`` set; parsing resumes at
    the next statement, so one typo never hides the rest of the file.
    """
    data = _encode(text)
    ahead = _prefetched(data)
    if ahead is not None:
        return ahead
    lines = _Lines(data)
    try:
        stmts = parse_bytes(data)
    except SqlSyntaxError:
        return _parse_tolerant(data, lines)
    out: list[RawStatement] = []
    for raw in stmts:
        offset = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0) or len(data) - offset
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
    start = _skip_blank(data, offset, end)
    line, column = lines.at(start)
    end_line = line + data.count(b"\n", start, end)
    body = data[start:end].decode("utf-8", "replace").rstrip()
    return RawStatement(body, line, column, tree, error, end_line)


def _parse_tolerant(data: bytes, lines: _Lines) -> list[RawStatement]:
    out: list[RawStatement] = []
    for offset, length in split_statements(data):
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
