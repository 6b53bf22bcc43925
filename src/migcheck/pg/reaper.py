"""A watchdog that cleans up after its run, however the run ends.

``python -m migcheck.pg.reaper BASE PREFIX [BASE PREFIX ...]`` blocks reading its stdin, a pipe
held open by migcheck. It is started before migcheck makes its first directory. When migcheck
exits for any reason (including SIGKILL) the pipe closes and the reaper sweeps each base
(:func:`migcheck.pg.leftovers.sweep`): every claimed directory whose run is gone has its
processes stopped (``initdb`` and the postmaster cleanly, so they leave no shared memory behind)
and is removed. After a normal shutdown migcheck has already removed its own and writes
:data:`DONE` before closing the pipe: the reaper then ends at once, without the sweep.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from migcheck.pg.leftovers import sweep

#: what migcheck writes when it has cleaned up after itself: nothing is left to sweep
DONE = b"done"


def main(argv: list[str]) -> None:
    """Wait for stdin to close, then sweep every ``BASE PREFIX`` pair."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    places = list(zip(argv[0::2], argv[1::2], strict=True))
    received = b""
    while chunk := sys.stdin.buffer.read(4096):
        received = (received + chunk)[-len(DONE) :]
    if received == DONE:
        os._exit(0)  # nothing to flush: skip the interpreter's shutdown, migcheck waits on it
    for base, prefix in places:
        sweep(Path(base), prefix)


if __name__ == "__main__":
    main(sys.argv[1:])
