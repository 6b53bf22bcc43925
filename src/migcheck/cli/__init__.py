"""The ``migcheck`` command line: a click group whose subcommands load lazily.

Each subcommand lives in its own module under ``migcheck.cli`` and is imported only when it is
invoked, so ``migcheck lint`` never pays for importing SQLAlchemy or the server backends.
Every :class:`~migcheck.errors.MigcheckError` becomes one line on stderr and exit code 2.
The group (``cli``, in :mod:`migcheck.cli.group`) imports this module for :data:`COMMANDS`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migcheck.cli.group import LazyGroup, cli

__all__ = ["COMMANDS", "LazyGroup", "cli", "main"]

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


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; ``argv`` (default: the program's arguments) for tests.

    Called without ``argv`` it is the ``migcheck`` program, whose process ends when it returns,
    and says so to :mod:`migcheck.speed` (the heap is then frozen instead of collected).
    """
    import click

    from migcheck import speed
    from migcheck.cli.group import cli

    if argv is None:
        speed.process_ends_after_command()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            # not standalone: click would turn Ctrl-C into "Aborted!" and exit code 1
            code = cli.main(args=args, prog_name="migcheck", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as error:
            error.show()
            code = error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("migcheck: interrupted\n")
        code = 130
    finally:
        speed.freeze()
    sys.exit(code if isinstance(code, int) else 0)
