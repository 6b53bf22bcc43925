"""Parse the next chunks of a script in a thread while this one is checked: optional speed.

libpg_query runs without the GIL, so the C parse of the chunks after the current one can run on
another core while Python decodes and checks the current one. :func:`parsed` yields the same as
parsing each chunk in turn (``PARSE_AHEAD = False`` does exactly that); it only moves the C
parse off the main thread: 100k statements lint ~10 % faster on two cores (docs/lint.md, Speed).
At most :data:`DEPTH` parse trees wait at a time, so memory stays that of a few chunks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Sequence

from migcheck.sql.libpg_query import SqlSyntaxError, parse_json

#: parse ahead in a thread at all (False: each chunk is parsed when it is asked for)
PARSE_AHEAD = True
#: chunks parsed ahead of the one being checked, at most
DEPTH = 2


def parsed(chunks: Sequence[bytes]) -> Generator[bytes | SqlSyntaxError, None, None]:
    """libpg_query's JSON tree of each chunk in order, or the syntax error parsing it raised.

    The caller may stop early (close the iterator): the thread then stops after its current
    chunk.
    """
    if not PARSE_AHEAD or len(chunks) < 2:
        for chunk in chunks:
            yield _parse(chunk)
        return
    results: queue.Queue[bytes | SqlSyntaxError] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def work() -> None:
        for chunk in chunks:
            result = _parse(chunk)
            while not stop.is_set():
                try:
                    results.put(result, timeout=0.05)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return

    thread = threading.Thread(target=work, name="migcheck-parse-ahead", daemon=True)
    thread.start()
    try:
        for _ in chunks:
            yield results.get()
    finally:
        stop.set()
        thread.join()


def _parse(chunk: bytes) -> bytes | SqlSyntaxError:
    try:
        return parse_json(chunk)
    except SqlSyntaxError as error:
        return error
