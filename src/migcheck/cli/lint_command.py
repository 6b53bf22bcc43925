"""The body of ``migcheck lint``: its options, settings, report and exit code.

:func:`run` does the work for the click command in :mod:`migcheck.cli.lint`.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass

from migcheck.config import Settings, load_settings
from migcheck.errors import MigcheckError
from migcheck.result import Report, Severity

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
FAIL_ON = ("info", "warning", "error", "never")


def _settings(args: LintArgs) -> Settings:
    from migcheck.rules.registry import get_rule

    def rule_ids(option: str, names: tuple[str, ...]) -> set[str]:
        try:
            return {get_rule(name).id for name in names}
        except MigcheckError as error:
            raise MigcheckError(f"{option}: {error}") from None

    start = args.alembic_path or args.paths[0]
    if args.config is not None:
        settings = load_settings(path=args.config)
    else:
        settings = load_settings(start if start and start != "-" else None)
    return settings.replace(
        pg_version=settings.pg_version if args.pg_version is None else args.pg_version,
        enable=settings.enable | rule_ids("--enable", args.enable),
        disable=settings.disable | rule_ids("--disable", args.disable),
    )


def _exit_site(stop: SystemExit) -> str:
    """``file:line`` (relative to the working directory when below it) that raised ``stop``."""
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [
        f for f in traceback.extract_tb(stop.__traceback__) if not f.filename.startswith(ours)
    ]
    if not frames:
        return "the project"
    where = frames[-1]
    path = os.path.relpath(where.filename)
    shown = where.filename if path.startswith("..") else path
    return f"{shown}:{where.lineno}"


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(slots=True)
class LintArgs:
    """The options of ``migcheck lint`` (see :mod:`migcheck.cli.lint` for their help)."""

    paths: tuple[str, ...] = ()
    alembic_path: str | None = None
    name: str = "alembic"
    start: str | None = None
    end: str | None = None
    changed_since: str | None = None
    x_args: tuple[str, ...] = ()
    fmt: str = "text"
    fail_on: str | None = None
    pg_version: int | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    assume_in_transaction: bool = False
    config: str | None = None
    #: ``FORMAT:FILE`` reports to write besides stdout's (``--output``, repeatable)
    outputs: tuple[str, ...] = ()


def run(args: LintArgs) -> None:
    """Lint, write the report to stdout and exit with lint's exit code."""
    from migcheck.cli import writing_report
    from migcheck.cli.report import parse_outputs, write_outputs
    from migcheck.lint.entry import exit_code, lint_alembic, lint_paths, sort_findings
    from migcheck.project_code import HardExit, refusing_os_exit, stdout_to_stderr
    from migcheck.report.lint_formats import write

    if not args.paths and args.alembic_path is None:
        raise MigcheckError("nothing to lint: pass .sql files or directories, or --alembic PATH")
    if args.alembic_path is not None and args.paths:
        raise MigcheckError("--alembic lints a project; do not pass SQL paths with it")
    if args.alembic_path is None and (args.start or args.end or args.changed_since):
        raise MigcheckError("--from/--to/--changed-since need --alembic PATH")
    settings = _settings(args)
    outputs = parse_outputs(args.outputs, FORMATS)
    if args.alembic_path is not None:
        notes: list[str] = []
        try:
            with stdout_to_stderr(), refusing_os_exit():
                report = lint_alembic(
                    args.alembic_path,
                    settings,
                    name=args.name,
                    start=args.start,
                    end=args.end,
                    changed_since=args.changed_since,
                    x_args=args.x_args,
                    notes=notes,
                )
        except SystemExit as stop:  # env.py or a revision called sys.exit() or os._exit()
            called = "os._exit" if isinstance(stop, HardExit) else "sys.exit"
            raise MigcheckError(
                f"{_exit_site(stop)}: called {called}({stop.code!r}) while rendered offline "
                "(alembic upgrade --sql): nothing was checked"
            ) from None
        report.notes.extend(notes)
        if report.coverage is not None and not report.coverage.revisions:
            report.notes.append("no revision selected (--from, --to, --changed-since): none linted")
        if args.fmt != "text":  # the text report prints its notes; keep them in sight here too
            for note in notes:
                sys.stderr.write(f"migcheck: note: {note}\n")
            sys.stderr.flush()
        _refuse_nothing_checked(args.alembic_path, report)
    else:
        report = lint_paths(args.paths, settings, in_transaction=args.assume_in_transaction)
    report.findings = sort_findings(report.findings)
    report.fail_on = settings.fail_on if args.fail_on is None else None
    if args.fail_on is not None and args.fail_on != "never":
        report.fail_on = Severity.parse(args.fail_on)
    write_outputs(report, outputs)
    with writing_report():
        write(report, args.fmt, sys.stdout, color=args.fmt == "text" and use_color(sys.stdout))
    raise SystemExit(exit_code(report, report.fail_on))


def _refuse_nothing_checked(alembic_path: str, report: Report) -> None:
    """A history of which not one statement was checked is an error, not a pass."""
    coverage = report.coverage
    if coverage is None or report.statements or not coverage.unchecked:
        return
    names = ", ".join(u.revision for u in coverage.unchecked)
    raise MigcheckError(
        f"{alembic_path}: 0 statements checked in {coverage.revisions} revisions "
        f"({len(coverage.unchecked)} raised while rendering offline before any statement: "
        f"{names}); nothing was checked (migcheck verify runs them on a real server)"
    )
