"""``migcheck lint``, ``migcheck rules`` and ``migcheck explain``: thin click wrappers.

The work of ``lint`` is :func:`migcheck.cli.lint_command.run`, which plain ``migcheck lint``
command lines also reach without click. Alembic is imported only when ``--alembic`` is used.
"""

from __future__ import annotations

import click

from migcheck.cli import writing_report
from migcheck.cli.lint_command import FAIL_ON, FORMATS, LintArgs, run
from migcheck.cli.lint_command import use_color as _use_color

__all__ = ["_use_color", "explain", "lint", "rules"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--alembic",
    "alembic_path",
    type=click.Path(),
    help="Lint an Alembic project (its alembic.ini or directory) instead of SQL files.",
)
@click.option("--name", default="alembic", show_default=True, help="alembic.ini section.")
@click.option("--from", "start", help="First revision to lint (Alembic).")
@click.option("--to", "end", help="Last revision to lint (Alembic).")
@click.option("--changed-since", help="Only revisions whose files changed since this git ref.")
@click.option("-x", "x_args", multiple=True, help="Alembic -x key=value arguments.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write the report in FORMAT to FILE (repeatable; --format is for stdout).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="Lowest severity that makes the exit code 1 (default: fail-on setting, warning).",
)
@click.option("--pg-version", type=click.IntRange(9, 99), help="Oldest target server version.")
@click.option("--enable", multiple=True, help="Enable an opt-in rule (repeatable).")
@click.option("--disable", multiple=True, help="Disable a rule (repeatable).")
@click.option(
    "--assume-in-transaction",
    is_flag=True,
    help="SQL files run inside one transaction (psql -1, Flyway).",
)
@click.option("--config", type=click.Path(dir_okay=False), help="pyproject.toml to read.")
def lint(
    paths: tuple[str, ...],
    alembic_path: str | None,
    name: str,
    start: str | None,
    end: str | None,
    changed_since: str | None,
    x_args: tuple[str, ...],
    fmt: str,
    outputs: tuple[str, ...],
    fail_on: str | None,
    pg_version: int | None,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    assume_in_transaction: bool,
    config: str | None,
) -> None:
    """Check SQL files, directories or an Alembic project for unsafe migrations."""
    run(
        LintArgs(
            paths,
            alembic_path,
            name,
            start,
            end,
            changed_since,
            x_args,
            fmt,
            fail_on,
            pg_version,
            enable,
            disable,
            assume_in_transaction,
            config,
            outputs,
        )
    )


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(fmt: str) -> None:
    """List every lint rule with its id, name, default severity and summary."""
    from migcheck.rules.registry import all_rules

    if fmt == "json":
        import json

        items = [
            {
                "rule": r.id,
                "name": r.name,
                "severity": r.severity.label,
                "opt_in": r.opt_in,
                "summary": r.title,
            }
            for r in all_rules()
        ]
        with writing_report():
            click.echo(json.dumps(items, indent=2))
        return
    with writing_report():
        for r in all_rules():
            extra = " (opt-in)" if r.opt_in else ""
            click.echo(f"{r.id}  {r.name:<38} {r.severity.label:<8} {r.title}{extra}")


@click.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print the documentation of one rule (by id, e.g. MC101, or by name)."""
    from migcheck.rules.docs import markdown
    from migcheck.rules.registry import get_rule

    with writing_report():
        click.echo(markdown(get_rule(rule_id)), nl=False)
