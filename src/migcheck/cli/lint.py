"""``migcheck lint``, ``migcheck rules`` and ``migcheck explain``: thin click wrappers.

Only click and the lint modules are imported here; Alembic is imported when ``--alembic`` is used.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click

from migcheck.config import Settings, load_settings
from migcheck.errors import MigcheckError
from migcheck.model import Severity

_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


def _settings(
    config: str | None,
    start: str | None,
    pg_version: int | None,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
) -> Settings:
    from migcheck.rules.registry import get_rule

    if config is not None:
        settings = load_settings(path=Path(config))
    else:
        settings = load_settings(Path(start) if start and start != "-" else None)
    return dataclasses.replace(
        settings,
        pg_version=settings.pg_version if pg_version is None else pg_version,
        enable=settings.enable | {get_rule(e).id for e in enable},
        disable=settings.disable | {get_rule(d).id for d in disable},
    )


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error", "never"]),
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
    fail_on: str | None,
    pg_version: int | None,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    assume_in_transaction: bool,
    config: str | None,
) -> None:
    """Check SQL files, directories or an Alembic project for unsafe migrations."""
    from migcheck.lint import exit_code, lint_alembic, lint_paths, sort_findings
    from migcheck.report.lint_formats import render

    if not paths and alembic_path is None:
        raise MigcheckError("nothing to lint: pass .sql files or directories, or --alembic PATH")
    if alembic_path is not None and paths:
        raise MigcheckError("--alembic lints a project; do not pass SQL paths with it")
    if alembic_path is None and (start or end or changed_since):
        raise MigcheckError("--from/--to/--changed-since need --alembic PATH")
    settings = _settings(config, alembic_path or paths[0], pg_version, enable, disable)
    if alembic_path is not None:
        notes: list[str] = []
        report = lint_alembic(
            alembic_path,
            settings,
            name=name,
            start=start,
            end=end,
            changed_since=changed_since,
            x_args=x_args,
            notes=notes,
        )
        for note in notes:
            click.echo(f"migcheck: note: {note}", err=True)
    else:
        report = lint_paths(paths, settings, in_transaction=assume_in_transaction)
    report.findings = sort_findings(report.findings)
    sys.stdout.write(render(report, fmt, color=fmt == "text" and _use_color(sys.stdout)))
    sys.stdout.flush()
    threshold = settings.fail_on if fail_on is None else None
    if fail_on is not None and fail_on != "never":
        threshold = Severity.parse(fail_on)
    _exit(exit_code(report, threshold))


def _exit(code: int) -> None:
    """Exit with ``code``; as the ``migcheck`` program, without tearing the interpreter down.

    Interpreter teardown after a large run costs ~25 ms per 10k statements, so when this process
    *is* the migcheck command (console script or ``python -m migcheck``) with its own streams, it
    flushes them and leaves with ``os._exit``. Called from other Python code or a test runner it
    raises SystemExit as usual.
    """
    main = sys.modules.get("__main__")
    program = Path(sys.argv[0]).name in ("migcheck", "migcheck.exe") or (
        getattr(main, "__package__", None) == "migcheck"
    )
    if program and sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        os._exit(code)
    raise SystemExit(code)


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
        click.echo(json.dumps(items, indent=2))
        return
    for r in all_rules():
        extra = " (opt-in)" if r.opt_in else ""
        click.echo(f"{r.id}  {r.name:<38} {r.severity.label:<8} {r.title}{extra}")


@click.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print the documentation of one rule (by id, e.g. MC101, or by name)."""
    from migcheck.rules.docs import markdown
    from migcheck.rules.registry import get_rule

    click.echo(markdown(get_rule(rule_id)), nl=False)
