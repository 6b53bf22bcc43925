"""Click options shared by every command that needs a throwaway PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import click

from migcheck.errors import MigcheckError
from migcheck.pg import BACKENDS

F = TypeVar("F", bound=Callable[..., object])


def server_options(command: F) -> F:
    """Add ``--pg-backend``, ``--pg-version`` and ``--database-url`` to a command."""
    command = click.option(
        "--database-url",
        envvar="MIGCHECK_DATABASE_URL",
        metavar="URL",
        help="Use this existing server; migcheck creates and drops its own databases there "
        "and touches no other. [env: MIGCHECK_DATABASE_URL]",
    )(command)
    command = click.option(
        "--pg-version",
        type=click.IntRange(10, 99),
        metavar="MAJOR",
        help="PostgreSQL major version for the docker and embedded backends.",
    )(command)
    command = click.option(
        "--pg-backend",
        type=click.Choice(BACKENDS),
        default="auto",
        show_default=True,
        help="Where the throwaway PostgreSQL comes from.",
    )(command)
    return command


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def env_names(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Click callback: each value must be an environment variable name (``DATABASE_URL``)."""
    for name in value:
        if not _ENV_NAME.fullmatch(name):
            raise MigcheckError(
                f"--url-env {name!r}: not an environment variable name (letters, digits and _, "
                "not starting with a digit)"
            )
    return value
