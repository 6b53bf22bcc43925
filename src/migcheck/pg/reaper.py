"""A watchdog that cleans up after its run, however the run ends.

``python -m migcheck.pg.reaper BASE PREFIX [BASE PREFIX ...]`` blocks reading its stdin, a pipe
held open by migcheck. It is started before migcheck makes its first directory. When migcheck
exits for any reason (including SIGKILL) the pipe closes and the reaper sweeps each base
(:func:`migcheck.pg.leftovers.sweep`): every claimed directory whose run is gone has its
processes stopped (``initdb`` and the postmaster cleanly, so they leave no shared memory behind)
and is removed. After a normal shutdown migcheck has already removed its own, so the reaper
finds nothing of this run left to do.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from migcheck.pg.leftovers import sweep


def main(argv: list[str]) -> None:
    """Wait for stdin to close, then sweep every ``BASE PREFIX`` pair."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    places = list(zip(argv[0::2], argv[1::2], strict=True))
    while sys.stdin.buffer.read(4096):
        pass
    for base, prefix in places:
        sweep(Path(base), prefix)


if __name__ == "__main__":
    main(sys.argv[1:])
