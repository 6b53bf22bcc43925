"""Guards around the project's own code (env.py, revisions) while migcheck runs it in-process.

Used by every command that imports a project (``lint --alembic``, ``verify``, the pytest
plugin): stdout keeps carrying only migcheck's report, and ``os._exit()`` cannot end migcheck.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import NoReturn


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """While the project's code runs: what it writes to stdout goes to stderr.

    Both ``print()`` and writes to file descriptor 1 (a logging handler holding the original
    ``sys.stdout``, a subprocess, a C library) are sent to stderr, so that stdout carries the
    report only. When stdout or stderr is not a real file (a test capturing it), only
    ``sys.stdout`` is redirected.
    """
    sys.stdout.flush()
    saved: int | None = None
    try:
        target, source = sys.stdout.fileno(), sys.stderr.fileno()
        sys.stderr.flush()
        saved = os.dup(target)
        os.dup2(source, target)
    except (AttributeError, OSError, ValueError):
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for stream in (sys.stdout, sys.__stdout__):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()  # what the project left in the original stdout's buffer
        if saved is not None:
            os.dup2(saved, target)
            os.close(saved)


class HardExit(SystemExit):
    """The project's code called ``os._exit()``, which would have ended migcheck on the spot."""


@contextlib.contextmanager
def refusing_os_exit() -> Iterator[None]:
    """While the project's code runs, ``os._exit(n)`` in this process raises :class:`HardExit`.

    Otherwise an env.py or revision calling it would end migcheck with that code and no report
    (``os._exit(0)``: a pass having checked nothing). A forked child's ``os._exit`` is left alone.
    """
    real = os._exit
    pid = os.getpid()

    def refused(status: int) -> NoReturn:
        if os.getpid() != pid:
            real(status)
        raise HardExit(status)

    os._exit = refused
    try:
        yield
    finally:
        os._exit = real
