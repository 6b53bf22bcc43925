"""The ``migcheck`` click group, whose subcommands load lazily (see :mod:`migcheck.cli`)."""

from __future__ import annotations

import importlib
import importlib.util

import click

from migcheck import __version__
from migcheck.cli import COMMANDS
from migcheck.errors import MigcheckError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the subcommand names that have a module installed."""
        return sorted(name for name in COMMANDS if _importable(COMMANDS[name]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the named subcommand, or None when it does not exist."""
        target = COMMANDS.get(cmd_name)
        if target is None or not _importable(target):
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, turning user-facing errors into one line and exit code 2."""
        try:
            return super().invoke(ctx)
        except MigcheckError as error:
            click.echo(f"migcheck: error: {error}", err=True)
            ctx.exit(2)


def _importable(target: str) -> bool:
    module_name = target.split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migcheck")
def cli() -> None:
    """Make Alembic migrations safe to ship on PostgreSQL that serves traffic."""
