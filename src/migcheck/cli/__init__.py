"""The ``migcheck`` command line: a click group whose subcommands load lazily.

Each subcommand lives in its own module under ``migcheck.cli`` and is imported only when it is
invoked, so ``migcheck lint`` never pays for importing SQLAlchemy or the server backends.
Every :class:`~migcheck.errors.MigcheckError` becomes one line on stderr and exit code 2; so
does a stdout that is closed or cannot be written (a full disk), while a reader that went away
(a closed pipe) ends migcheck quietly with exit code 2. Ctrl-C, SIGTERM and SIGHUP print one
"interrupted" line and exit with 128 + the signal number. The group (``cli``, in
:mod:`migcheck.cli.group`) imports this module for :data:`COMMANDS`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING

from migcheck.errors import MigcheckError

if TYPE_CHECKING:
    from migcheck.cli.group import LazyGroup, cli

__all__ = [
    "COMMANDS",
    "LazyGroup",
    "cli",
    "main",
    "writing_report",
]

#: subcommand name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "doctor": "migcheck.cli.doctor:doctor",
    "lint": "migcheck.cli.lint:lint",
    "rules": "migcheck.cli.lint:rules",
    "explain": "migcheck.cli.lint:explain",
    "verify": "migcheck.cli.verify:verify",
    "init": "migcheck.cli.init:init",
    "comment": "migcheck.cli.comment:comment",
    "report": "migcheck.cli.report:report",
}


def __getattr__(name: str) -> object:
    """``cli`` and ``LazyGroup`` live in :mod:`migcheck.cli.group`, which imports this module."""
    if name in ("cli", "LazyGroup"):
        from migcheck.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that the same cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: signals that end migcheck like Ctrl-C does, and their names in the "interrupted" line
_SIGNALS = {signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


def _raise_signalled(signum: int, frame: object) -> None:
    raise _Signalled(signum)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`_Signalled` in the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_signalled) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


class _ReaderGone(Exception):
    """The pipe stdout writes to was closed before the report was written."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit cannot fail again."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _describe(error: OSError) -> str:
    """One line for an OSError nothing turned into a MigcheckError.

    Raised by click's ``echo`` (help, version, a command's output) it is stdout that failed.
    """
    reason = error.strerror or str(error)
    frames = traceback.extract_tb(error.__traceback__)
    if frames and frames[-1].name == "echo":
        return f"cannot write to stdout: {reason}"
    return f"{error.filename}: {reason}" if error.filename else reason


@contextlib.contextmanager
def writing_report() -> Iterator[None]:
    """Around writing the report to stdout: a write error becomes one line and exit code 2.

    A closed pipe (the reader went away) raises :class:`_ReaderGone`, which :func:`main` ends
    quietly.
    """
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise _ReaderGone from None
    except OSError as error:
        _silence_stdout()
        reason = error.strerror or str(error)
        raise MigcheckError(f"cannot write the report to stdout: {reason}") from None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; ``argv`` (default: the program's arguments) for tests.

    Called without ``argv`` it is the ``migcheck`` program, whose process ends when it returns,
    and says so to :mod:`migcheck.speed` (the heap is then frozen instead of collected).
    """
    if sys.stdout is None or sys.stderr is None:  # started with file descriptor 1 or 2 closed
        if sys.stderr is not None:
            sys.stderr.write("migcheck: error: stdout is closed: nowhere to write the report\n")
        sys.exit(2)

    import click

    from migcheck import speed
    from migcheck.cli.group import cli

    if argv is None:
        speed.process_ends_after_command()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            with _signals_interrupt():
                # not standalone: click would turn Ctrl-C into "Aborted!" and exit code 1
                code = cli.main(args=args, prog_name="migcheck", standalone_mode=False)
                with writing_report():
                    pass  # the report is complete only once it is flushed
        except click.exceptions.Abort as abort:  # click's wrapping of KeyboardInterrupt
            cause = abort.__cause__
            raise (cause if isinstance(cause, _Signalled) else KeyboardInterrupt()) from None
        except click.ClickException as error:
            error.show()
            code = error.exit_code
        except SystemExit as stop:
            # the server's own handler (migcheck.pg) turns SIGTERM/SIGHUP into SystemExit
            signum = stop.code - 128 if isinstance(stop.code, int) else 0
            if signum not in _SIGNALS:
                raise
            raise _Signalled(signum) from None
    except KeyboardInterrupt as stop:
        signum = stop.signum if isinstance(stop, _Signalled) else signal.SIGINT
        name = _SIGNALS.get(signal.Signals(signum))
        sys.stderr.write(f"migcheck: interrupted{f' by {name}' if name else ''}\n")
        code = 128 + signum
    except _ReaderGone:
        code = 2
    except MigcheckError as error:
        sys.stderr.write(f"migcheck: error: {error}\n")
        code = 2
    except OSError as error:  # one no command turned into a MigcheckError: --help to a full disk
        _silence_stdout()
        sys.stderr.write(f"migcheck: error: {_describe(error)}\n")
        code = 2
    finally:
        speed.freeze()
    sys.exit(code if isinstance(code, int) else 0)
