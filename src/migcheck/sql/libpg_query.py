"""libpg_query, PostgreSQL's own parser, loaded with :mod:`ctypes`: the one module wrapping it.

The library is the one shipped by the ``postgast`` wheel, whose Python package is never
imported (it would import protobuf). Turning the JSON trees into statements is
:mod:`migcheck.sql.parser`'s work.
"""

from __future__ import annotations

import ctypes
import os
import sys
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


class _SplitStmt(ctypes.Structure):
    _fields_ = [("stmt_location", ctypes.c_int), ("stmt_len", ctypes.c_int)]


class _SplitResult(ctypes.Structure):
    _fields_ = [
        ("stmts", ctypes.POINTER(ctypes.POINTER(_SplitStmt))),
        ("n_stmts", ctypes.c_int),
        ("stderr_buffer", ctypes.c_char_p),
        ("error", ctypes.POINTER(_Error)),
    ]


class _PlpgsqlResult(ctypes.Structure):
    _fields_ = [("plpgsql_funcs", ctypes.c_void_p), ("error", ctypes.POINTER(_Error))]


_lib: Any = None


def library() -> Any:
    """Load libpg_query from the installed ``postgast`` wheel without importing the package."""
    global _lib
    if _lib is not None:
        return _lib
    name = _LIB_NAMES.get(sys.platform, "libpg_query.so")
    candidates = [os.path.join(entry or ".", "postgast", name) for entry in sys.path]
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if found is None:  # pragma: no cover - a postgast built against a system libpg_query
        from ctypes.util import find_library

        system = find_library("pg_query")
        if system is None:
            raise OSError("libpg_query not found: reinstall postgast (pip install postgast)")
        lib = ctypes.CDLL(system)
    else:
        lib = ctypes.CDLL(found)
    lib.pg_query_parse.argtypes = [ctypes.c_char_p]
    lib.pg_query_parse.restype = _ParseResult
    lib.pg_query_free_parse_result.argtypes = [_ParseResult]
    lib.pg_query_free_parse_result.restype = None
    lib.pg_query_split_with_scanner.argtypes = [ctypes.c_char_p]
    lib.pg_query_split_with_scanner.restype = _SplitResult
    lib.pg_query_free_split_result.argtypes = [_SplitResult]
    lib.pg_query_free_split_result.restype = None
    lib.pg_query_parse_plpgsql.argtypes = [ctypes.c_char_p]
    lib.pg_query_parse_plpgsql.restype = _PlpgsqlResult
    lib.pg_query_free_plpgsql_parse_result.argtypes = [_PlpgsqlResult]
    lib.pg_query_free_plpgsql_parse_result.restype = None
    _lib = lib
    return lib


class SqlSyntaxError(Exception):
    """libpg_query rejected the text; ``position`` is a 0-based byte offset into it, or -1."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def error_of(err: Any) -> SqlSyntaxError:
    """The SqlSyntaxError for libpg_query's error struct ``err``."""
    contents = err.contents
    message = (contents.message or b"syntax error").decode("utf-8", "replace")
    return SqlSyntaxError(message, contents.cursorpos - 1 if contents.cursorpos > 0 else -1)


def parse_json(data: bytes) -> bytes:
    """libpg_query's JSON parse tree of ``data``; raises SqlSyntaxError."""
    lib = library()
    result = lib.pg_query_parse(data)
    try:
        if result.error:
            raise error_of(result.error)
        tree: bytes = ctypes.string_at(result.parse_tree)
    finally:
        lib.pg_query_free_parse_result(result)
    return tree


def statement_ends(data: bytes, every: int = 1) -> list[int]:
    """Byte offsets just after the top-level ``;`` ending every ``every``-th statement of ``data``.

    Found by PostgreSQL's scanner, which knows strings, quoted identifiers, comments and dollar
    quotes, but not ``BEGIN ATOMIC`` bodies or a rule's parenthesised actions: a ``;`` inside
    those counts too. Empty when the scanner fails (an unterminated quote or comment).
    """
    lib = library()
    result = lib.pg_query_split_with_scanner(data)
    try:
        if result.error:
            return []
        ends = []
        for index in range(every - 1, result.n_stmts, every):
            stmt = result.stmts[index].contents
            end = stmt.stmt_location + stmt.stmt_len
            if data[end : end + 1] == b";":
                ends.append(end + 1)
    finally:
        lib.pg_query_free_split_result(result)
    return ends


def parse_plpgsql_json(data: bytes) -> bytes | None:
    """libpg_query's JSON tree of the PL/pgSQL functions in ``data``; None if it does not parse."""
    lib = library()
    result = lib.pg_query_parse_plpgsql(data)
    try:
        if result.error or not result.plpgsql_funcs:
            return None
        tree: bytes = ctypes.string_at(result.plpgsql_funcs)
    finally:
        lib.pg_query_free_plpgsql_parse_result(result)
    return tree


def encode(text: str) -> bytes:
    """SQL text as the bytes libpg_query reads."""
    # NUL would end the C string early; libpg_query rejects it anyway, so a space keeps offsets.
    return text.replace("\x00", " ").encode("utf-8", "replace")
