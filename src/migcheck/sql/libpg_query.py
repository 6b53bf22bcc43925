"""libpg_query, PostgreSQL's own parser, loaded with :mod:`ctypes`, and parsing ahead in a thread.

This module is the binding (as shipped by the ``postgast`` wheel, whose Python package is never
imported: it would import protobuf) and the parse-ahead of SQL files that ``migcheck lint``
starts before anything else. It imports only what the parse thread needs, so that thread starts
a few milliseconds after Python does; turning the JSON trees into statements is
:mod:`migcheck.sql.parser`'s work.
"""

from __future__ import annotations

import _thread
import ctypes
import itertools
import os
import sys
from _queue import SimpleQueue

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
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


def library() -> Any:
    """Load libpg_query from the installed ``postgast`` wheel without importing the package."""
    global _lib
    if _lib is not None:
        return _lib
    name = _LIB_NAMES.get(sys.platform, "libpg_query.so")
    candidates = [os.path.join(entry or ".", "postgast", name) for entry in sys.path]
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if found is None:  # pragma: no cover - a postgast built against a system libpg_query
        from ctypes.util import find_library  # imports subprocess and more: rare path only

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


#: statements per chunk when a prefetched file is parsed in pieces
CHUNK_STATEMENTS = 1000

#: how many ``;\n`` after a cut's target :func:`chunk_bounds` looks at for a likely statement end
_CUT_CANDIDATES = 32
#: how a line that continues a statement rather than starts one often begins: indentation (a
#: function body), a blank line, the close of a dollar quote or of a parenthesis, the END of a
#: body and the BEGIN of a PL/pgSQL block after its DECLARE section (often at the margin)
_CONTINUATION = (
    *(bytes([byte]) for byte in b" \t\r\n\f\v$)"),
    *(b"END", b"end", b"End", b"BEGIN\n", b"begin\n"),
)


def chunk_bounds(data: bytes) -> tuple[list[int], list[int]]:
    r"""Where to cut ``data`` into runs of about CHUNK_STATEMENTS statements, and their sizes.

    Returns the byte offsets of the cuts (with 0 and the end) and the semicolons in each run, an
    estimate of its statements (semicolons in strings, comments and bodies count too). Cheap: a
    few byte searches, no lexing. With k = ceil(semicolons / CHUNK_STATEMENTS) runs, each cut is
    just after a ``;\n`` at or after an even k-th of the text, preferably one followed by a line
    that starts at the margin and not with ``END`` or a lone ``BEGIN`` (likely a new statement,
    not a line of a function body).

    A cut may still be wrong (inside a string, a comment, a body, ``BEGIN ATOMIC``, a rule's
    action list): :class:`migcheck.sql.parser.Chunks` keeps a run only when its parse ends with a
    statement terminated by a real ``;`` and nothing but blanks after it, and otherwise parses
    the rest of the script from that run's start, so a cut never changes a result.
    """
    size = len(data)
    estimate = data.count(b";")
    if estimate <= CHUNK_STATEMENTS:
        return [0, size], [estimate]
    runs = -(-estimate // CHUNK_STATEMENTS)
    bounds = [0]
    dollars = _Dollars(data)
    for index in range(1, runs):
        target = max(index * size // runs, bounds[-1])
        cut = _cut_after(data, target, (index + 1) * size // runs, dollars)
        if bounds[-1] < cut < size:
            bounds.append(cut)
    bounds.append(size)
    counts = [data.count(b";", start, end) for start, end in itertools.pairwise(bounds)]
    return bounds, counts


class _Dollars:
    """Whether an offset looks inside a ``$$`` body: an odd number of ``$$`` before it.

    A guess for placing cuts only (tagged dollar quotes and ``$$`` in strings fool it; the parse
    check of each chunk does not). Counts incrementally: offsets asked for move little.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.odd = False

    def inside(self, pos: int) -> bool:
        """True when an odd number of ``$$`` come before ``pos`` (which follows a ``;``)."""
        low, high = (self.pos, pos) if pos >= self.pos else (pos, self.pos)
        if self.data.count(b"$$", low, high) % 2:
            self.odd = not self.odd
        self.pos = pos
        return self.odd


def _cut_after(data: bytes, target: int, limit: int, dollars: _Dollars) -> int:
    r"""Just after the first ``;\n`` at or after ``target``; -1 when there is none.

    Among the first _CUT_CANDIDATES ones that start before ``limit``, the first outside a ``$$``
    body and followed by a line that does not look like a continuation is taken instead.
    """
    first = data.find(b";\n", target)
    found = first
    for _ in range(_CUT_CANDIDATES):
        if found < 0 or found >= limit:
            break
        if (
            not data.startswith(_CONTINUATION, found + 2)
            and found + 2 < len(data)
            and not dollars.inside(found)
        ):
            return found + 2
        found = data.find(b";\n", found + 2, limit)
    return first + 2 if first >= 0 else -1


class Ahead:
    """A script :func:`prefetch` parses in a background thread: its chunks, as they are ready.

    ``bounds`` (where the chunks start, and the end) and ``counts`` (the semicolons in each chunk,
    an estimate of its statements) are known before the first chunk is parsed; :meth:`chunk`
    waits for the parse thread when it has not got there yet.
    """

    def __init__(self, data: bytes, bounds: list[int], counts: list[int]) -> None:
        self.data = data
        self.bounds = bounds
        self.counts = counts
        #: ``(start, end, JSON tree)`` per chunk, in order, then None (also after a failure)
        self.queue: SimpleQueue[tuple[int, int, bytes] | None] = SimpleQueue()
        self._chunks: list[tuple[int, int, bytes]] = []
        self._ended = False

    def chunk(self, index: int) -> tuple[int, int, bytes] | None:
        """``(start, end, JSON tree)`` of chunk ``index``, or None when it did not parse."""
        while len(self._chunks) <= index and not self._ended:
            item = self.queue.get()
            if item is None:
                self._ended = True
            else:
                self._chunks.append(item)
        return self._chunks[index] if index < len(self._chunks) else None

    def ready(self, index: int) -> bool:
        """True when chunk ``index`` is parsed (or the parse failed): taking it will not wait."""
        while len(self._chunks) <= index and not self._ended and not self.queue.empty():
            self.chunk(len(self._chunks))
        return len(self._chunks) > index or self._ended


#: the GIL switch interval while :func:`prefetch` parses (seconds)
_PARSE_SWITCH_INTERVAL = 0.0002

#: what :func:`prefetch` parses, by script bytes
_ahead: dict[bytes, Ahead] = {}
#: held while the :func:`prefetch` thread reads and cuts the files (``take`` waits for it)
_ahead_read = _thread.allocate_lock()
#: held while the :func:`prefetch` thread runs (``join_parse`` waits for it); None before any
_ahead_running: _thread.LockType | None = None
_ahead_paths: list[str] = []


def prefetch(paths: list[str]) -> None:
    """Start parsing these SQL files in a background thread, ahead of their use.

    libpg_query runs without the GIL, so the C parse happens on the other core while the caller
    imports the rest of migcheck (~25 ms) and then decodes and checks the script: each file is
    parsed in chunks of about CHUNK_STATEMENTS statements that :mod:`migcheck.sql.parser` takes
    as they are ready.
    The results serve only a later :func:`take` of exactly the same text in this process (and
    are dropped by the next ``prefetch``); files that cannot be read are skipped (the caller
    reports them). Asking again for the same paths while the first thread runs changes nothing.
    The thread is started with :mod:`_thread`: importing :mod:`threading` would delay it ~2 ms.
    """
    global _ahead_running, _ahead_paths
    running = _ahead_running is not None and (_ahead_running.locked() or bool(_ahead))
    if running and paths == _ahead_paths:
        return
    join_parse()
    _ahead_paths = list(paths)
    _ahead.clear()  # results of an earlier run that were never asked for

    def work() -> None:
        try:
            parse_all(read_all())
        finally:
            sys.setswitchinterval(interval)
            running_lock.release()

    def read_all() -> list[Ahead]:
        scripts = []
        try:
            for path in paths:
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        data = encode(handle.read())
                except OSError:
                    continue
                try:
                    bounds, counts = chunk_bounds(data)
                except Exception:  # never leave a reader waiting: it parses at once
                    continue
                _ahead[data] = ahead = Ahead(data, bounds, counts)
                scripts.append(ahead)
        finally:
            _ahead_read.release()
        return scripts

    def parse_all(scripts: list[Ahead]) -> None:
        for ahead in scripts:
            # a chunk that does not parse ends the script's chunks: the reader parses the rest
            # of the script itself (and any other failure must not leave it waiting)
            try:
                for start, end in itertools.pairwise(ahead.bounds):
                    ahead.queue.put((start, end, parse_json(ahead.data[start:end])))
            except Exception:
                pass  # the reader parses the rest itself and reports what does not parse
            finally:
                ahead.queue.put(None)

    # between its C calls the thread needs the GIL for a moment; at the default switch
    # interval (5 ms) it would wait that long each time while the main thread works
    interval = sys.getswitchinterval()
    running_lock = _thread.allocate_lock()
    running_lock.acquire()
    _ahead_read.acquire()  # free: the last thread has ended
    try:
        sys.setswitchinterval(_PARSE_SWITCH_INTERVAL)
        _ahead_running = running_lock
        _thread.start_new_thread(work, ())
    except Exception:  # no thread ("can't start new thread"): nothing is parsed ahead
        _ahead_running = None
        sys.setswitchinterval(interval)
        running_lock.release()
        _ahead_read.release()
        raise


def take(data: bytes) -> Ahead | None:
    """The :func:`prefetch` of exactly this script, or None; each is given out once."""
    if _ahead_running is None:
        return None
    with _ahead_read:  # wait until the thread has read and cut every file
        return _ahead.pop(data, None)


def join_parse() -> None:
    """Wait for the :func:`prefetch` thread to end (it has nothing left to do: see callers)."""
    if _ahead_running is not None:
        with _ahead_running:
            pass


#: glibc ``mallopt`` parameters
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep and reuse freed memory instead of returning it to the system.

    For the ``migcheck`` program only, a short-lived process: each chunk's parse allocates and
    frees megabytes inside libpg_query, which glibc would otherwise map and unmap again, paying
    a page fault per 4 KB every time (~3k faults, 2 to 3 ms per 10k statements). Does nothing
    where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - musl and others
        return
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    mallopt(_M_TOP_PAD, 16 << 20)
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)


def encode(text: str) -> bytes:
    """SQL text as the bytes libpg_query reads."""
    # NUL would end the C string early; libpg_query rejects it anyway, so a space keeps offsets.
    return text.replace("\x00", " ").encode("utf-8", "replace")
