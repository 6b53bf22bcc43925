"""A watchdog that stops a throwaway server when the process that started it dies.

``python -m migcheck.pg.reaper PID DIR`` blocks reading its stdin, a pipe held open by migcheck.
When migcheck exits for any reason (including SIGKILL) the pipe closes; the reaper then stops the
postmaster ``PID`` (fast shutdown, then SIGKILL) and removes ``DIR``. A normal shutdown closes the
pipe after migcheck has already done both, so the reaper finds nothing left to do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap(pid: int, directory: str, grace: float = 5.0) -> None:
    """Stop postmaster ``pid`` and its children, then remove ``directory``."""
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str]) -> None:
    """Wait for stdin to close, then reap."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid, directory = int(argv[0]), argv[1]
    while sys.stdin.buffer.read(4096):
        pass
    reap(pid, directory)


if __name__ == "__main__":
    main(sys.argv[1:])
