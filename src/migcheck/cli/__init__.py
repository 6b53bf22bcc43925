"""The ``migcheck`` command line: a click group whose subcommands load lazily.

Each subcommand lives in its own module under ``migcheck.cli`` and is imported only when it is
invoked, so ``migcheck lint`` never pays for importing SQLAlchemy or the server backends.
Every :class:`~migcheck.errors.MigcheckError` becomes one line on stderr and exit code 2.

The group itself (``cli``, in :mod:`migcheck.cli.group`) is loaded on first use: importing click
costs ~17 ms, a tenth of linting a 10k-statement file, so :func:`main` first offers the command
line to :func:`migcheck.cli.lint_command.fast_lint`, which runs the common ``migcheck lint``
forms without click and hands everything else (help, Alembic, anything unusual) to click.
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
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
}


def __getattr__(name: str) -> object:
    """``cli`` and ``LazyGroup`` are imported (with click) when first asked for."""
    if name in ("cli", "LazyGroup"):
        from migcheck.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: ``migcheck lint`` options that take no value
_LINT_FLAGS = ("--assume-in-transaction",)


def _named_files(args: list[str]) -> list[str]:
    """The existing files a ``migcheck lint`` command line names (option values left out)."""
    files: list[str] = []
    value = False
    for arg in args:
        if value:
            value = False
        elif arg.startswith("-") and arg != "-":
            value = "=" not in arg and arg not in _LINT_FLAGS
        elif os.path.isfile(arg):
            files.append(arg)
    return files


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args[:1] == ["lint"]:
            from migcheck.sql.libpg_query import keep_freed_memory, prefetch

            if argv is None:  # the program: lint.run turns the collector off for good anyway
                gc.disable()
                keep_freed_memory()
            prefetch(_named_files(args[1:]))  # parse while the rest of migcheck is imported
            from migcheck.cli.lint_command import fast_lint

            fast_lint(args[1:])  # returns only when the command line needs click
        import click

        from migcheck.cli.group import cli

        try:
            # not standalone: click would turn Ctrl-C into "Aborted!" and exit code 1
            code = cli.main(args=args, prog_name="migcheck", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else 0)
    except KeyboardInterrupt:
        sys.stderr.write("migcheck: interrupted\n")
        sys.exit(130)
