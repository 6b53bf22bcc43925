"""The cyclic garbage collector during a lint run: lint's only speed measures, both optional.

A lint run allocates millions of small containers (parse trees and facts; for an Alembic
project, SQLAlchemy's and Alembic's modules and objects) and frees few, so the collector's
passes over the growing heap find next to nothing. Neither measure changes a result; removing
either only makes lint slower (numbers from bench/lint_speed.py, docs/lint.md "Speed"):

* :func:`paused` while a run lints: without it 10k statements lint 1.6 times and 100k
  statements 2.5 times slower;
* :func:`freeze_before_exit` when the ``migcheck`` program is about to exit: the interpreter's
  final collections then skip the heap, which after ``lint --alembic`` took ~80 ms of a 0.55 s
  run.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Pause the collector meanwhile; cycles made meanwhile are collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_before_exit() -> None:
    """Move every object to the collector's permanent generation: for a process about to exit.

    Objects are still freed when their last reference goes; only cycles made before are never
    collected, so a long-running process must not call this.
    """
    gc.freeze()
