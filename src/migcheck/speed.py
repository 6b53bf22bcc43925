"""Every speed measure lint and verify take, in one module; each optional: no result needs it.

Numbers from bench/lint_speed.py (docs/lint.md, Speed), and for verify from the time of the
collector's passes (``gc.callbacks``) in ``migcheck verify --format json`` on the histories
bench/verify_speed.py writes:

* :func:`parsed` parses the next chunks of a script (:func:`migcheck.sql.parser.parse_chunks`)
  in a thread while the current one is checked. libpg_query runs without the GIL, so the C parse
  runs on another core: 100k statements lint in 1.43-1.52 s instead of 1.78-2.05 s, 10k in
  0.138 s instead of 0.148 s. ``PARSE_AHEAD = False`` parses each chunk when it is asked for.
* :func:`gc_paused` while a run lints: it allocates millions of small containers (parse trees,
  facts; for an Alembic project SQLAlchemy's and Alembic's modules and objects) and frees few,
  so the cyclic collector's passes find next to nothing; without the pause 10k statements lint
  1.6 times and 100k statements 2.5 times slower.
* :func:`gc_paused` while ``migcheck verify`` imports Alembic, SQLAlchemy and its walk, and the
  heap frozen after (the ``migcheck`` program): the collector's passes during the walk then skip
  the imported modules. They took 32 ms instead of 123-143 ms on 100 revisions, 0.79 s
  instead of 1.41 s on 1,600, with the same peak memory (the walk itself runs with the
  collector on: its garbage has cycles, ~40 KB a revision).
* :func:`freeze` in the ``migcheck`` program, whose process ends after its command, when a lint
  run ends and before it exits: the collections that would follow (a full one as the collector
  is re-enabled, the interpreter's final ones) then skip the heap. After ``lint --alembic`` on
  150 revisions they took ~30 and ~80 ms of a 0.55 s run.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import threading
from collections.abc import Generator, Iterator, Sequence

from migcheck.sql.libpg_query import SqlSyntaxError, parse_json

#: parse ahead in a thread at all (False: each chunk is parsed when it is asked for)
PARSE_AHEAD = True
#: chunks parsed ahead of the one being checked, at most
DEPTH = 2


def parsed(chunks: Sequence[bytes]) -> Generator[bytes | SqlSyntaxError, None, None]:
    """libpg_query's JSON tree of each chunk in order, or the syntax error parsing it raised.

    At most DEPTH trees wait at a time, so memory stays that of a few chunks.

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


#: the process ends after this command (set by :func:`process_ends_after_command`)
_ending = False


def process_ends_after_command() -> None:
    """Say that this process ends after the command it runs: the ``migcheck`` program says so.

    Library and test callers do not, so their heap is never frozen.
    """
    global _ending
    _ending = True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector meanwhile; cycles made meanwhile are collected after.

    In a process that ends after this command the heap is frozen instead (:func:`freeze`):
    re-enabling the collector after importing SQLAlchemy and Alembic under the pause triggered
    a full collection of ~30 ms while the report was written.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _ending:
            freeze()
        if enabled:
            gc.enable()


def freeze() -> None:
    """Move every object to the collector's permanent generation, in a process about to end.

    Objects are still freed when their last reference goes; only cycles made before are never
    collected, so only a process that ends after its command (the ``migcheck`` program) may
    freeze: the interpreter's final collections then skip the heap.
    """
    if _ending:
        gc.freeze()
