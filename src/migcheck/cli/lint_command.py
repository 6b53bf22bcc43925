"""The body of ``migcheck lint``, and a click-free reader for its common command lines.

:func:`run` does the work for the click command in :mod:`migcheck.cli.lint` and for
:func:`fast_lint`. ``fast_lint`` reads only unambiguous command lines (SQL paths and the options
below, each in ``--opt value`` or ``--opt=value`` form, with values click would accept as they
are); for anything else — help, ``--alembic``, an unknown option, a value click would reject or
convert — it returns and the caller runs click, so errors and help read exactly as click prints
them. It saves importing click (~17 ms) on every plain ``migcheck lint`` run.
"""

from __future__ import annotations

import gc
import os
import sys

from migcheck.config import Settings, load_settings
from migcheck.errors import MigcheckError
from migcheck.record import Record
from migcheck.result import Severity

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


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class LintArgs(Record):
    """The options of ``migcheck lint`` (see :mod:`migcheck.cli.lint` for their help)."""

    __slots__ = (
        "paths",
        "alembic_path",
        "name",
        "start",
        "end",
        "changed_since",
        "x_args",
        "fmt",
        "fail_on",
        "pg_version",
        "enable",
        "disable",
        "assume_in_transaction",
        "config",
    )

    paths: tuple[str, ...]
    alembic_path: str | None
    name: str
    start: str | None
    end: str | None
    changed_since: str | None
    x_args: tuple[str, ...]
    fmt: str
    fail_on: str | None
    pg_version: int | None
    enable: tuple[str, ...]
    disable: tuple[str, ...]
    assume_in_transaction: bool
    config: str | None

    def __init__(
        self,
        paths: tuple[str, ...] = (),
        alembic_path: str | None = None,
        name: str = "alembic",
        start: str | None = None,
        end: str | None = None,
        changed_since: str | None = None,
        x_args: tuple[str, ...] = (),
        fmt: str = "text",
        fail_on: str | None = None,
        pg_version: int | None = None,
        enable: tuple[str, ...] = (),
        disable: tuple[str, ...] = (),
        assume_in_transaction: bool = False,
        config: str | None = None,
    ) -> None:
        self.paths = paths
        self.alembic_path = alembic_path
        self.name = name
        self.start = start
        self.end = end
        self.changed_since = changed_since
        self.x_args = x_args
        self.fmt = fmt
        self.fail_on = fail_on
        self.pg_version = pg_version
        self.enable = enable
        self.disable = disable
        self.assume_in_transaction = assume_in_transaction
        self.config = config


def run(args: LintArgs) -> None:
    """Lint, write the report to stdout and exit with lint's exit code."""
    program = _program()
    if program:
        # leaving with os._exit, the program never needs the cyclic garbage collector (which
        # would scan every parse tree once re-enabled) nor to free what it parsed
        gc.disable()
    if args.alembic_path is None:
        from migcheck.sql.libpg_query import prefetch

        # the C parse of the files runs on the other core while the imports below run here
        prefetch([path for path in args.paths if path != "-" and os.path.isfile(path)])
    from migcheck.lint.entry import (
        exit_code,
        lint_alembic,
        lint_paths,
        retain_parsed,
        sort_findings,
    )

    if program:
        retain_parsed()
    from migcheck.report.lint_formats import write

    if not args.paths and args.alembic_path is None:
        raise MigcheckError("nothing to lint: pass .sql files or directories, or --alembic PATH")
    if args.alembic_path is not None and args.paths:
        raise MigcheckError("--alembic lints a project; do not pass SQL paths with it")
    if args.alembic_path is None and (args.start or args.end or args.changed_since):
        raise MigcheckError("--from/--to/--changed-since need --alembic PATH")
    settings = _settings(args)
    if args.alembic_path is not None:
        notes: list[str] = []
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
        for note in notes:
            sys.stderr.write(f"migcheck: note: {note}\n")
        sys.stderr.flush()
    else:
        report = lint_paths(
            args.paths,
            settings,
            in_transaction=args.assume_in_transaction,
            split=None if program else False,
        )
    report.findings = sort_findings(report.findings)
    write(report, args.fmt, sys.stdout, color=args.fmt == "text" and use_color(sys.stdout))
    sys.stdout.flush()
    threshold = settings.fail_on if args.fail_on is None else None
    if args.fail_on is not None and args.fail_on != "never":
        threshold = Severity.parse(args.fail_on)
    _exit(exit_code(report, threshold))


def _exit(code: int) -> None:
    """Exit with ``code``; as the ``migcheck`` program, without tearing the interpreter down.

    Interpreter teardown after a large run costs ~25 ms per 10k statements, so when this process
    *is* the migcheck command (console script or ``python -m migcheck``) with its own streams, it
    flushes them and leaves with ``os._exit``. Called from other Python code or a test runner it
    raises SystemExit as usual.
    """
    if _program():
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        os._exit(code)
    raise SystemExit(code)


def _program() -> bool:
    """True when this process is the ``migcheck`` program with its own standard streams."""
    main = sys.modules.get("__main__")
    program = os.path.basename(sys.argv[0]) in ("migcheck", "migcheck.exe") or (
        getattr(main, "__package__", None) == "migcheck"
    )
    return program and sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__


def _valid(option: str, value: str) -> bool:
    """True when click would take ``value`` for ``option`` unchanged."""
    if option == "--format":
        return value in FORMATS
    if option == "--fail-on":
        return value in FAIL_ON
    if option == "--pg-version":
        return value.isascii() and value.isdigit() and 9 <= int(value) <= 99
    if option == "--config":
        return bool(value) and not os.path.isdir(value)
    return option in ("--enable", "--disable")


def parse(argv: list[str]) -> LintArgs | None:
    """The options of a plain ``lint`` command line, or None when click must read it."""
    args = LintArgs()
    paths: list[str] = []
    enable: list[str] = []
    disable: list[str] = []
    position = 0
    while position < len(argv):
        arg = argv[position]
        position += 1
        if arg == "--assume-in-transaction":
            args.assume_in_transaction = True
            continue
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        option, equals, value = arg.partition("=")
        if not equals:
            if position >= len(argv):
                return None
            value = argv[position]
            position += 1
        if value.startswith("-") or not _valid(option, value):
            return None
        if option == "--format":
            args.fmt = value
        elif option == "--fail-on":
            args.fail_on = value
        elif option == "--pg-version":
            args.pg_version = int(value)
        elif option == "--config":
            args.config = value
        elif option == "--enable":
            enable.append(value)
        elif option == "--disable":
            disable.append(value)
        else:
            return None
    if not paths:
        return None
    args.paths, args.enable, args.disable = tuple(paths), tuple(enable), tuple(disable)
    return args


def fast_lint(argv: list[str]) -> None:
    """Run ``migcheck lint ARGV`` without click when :func:`parse` can read ``argv``.

    Does not return when it ran (exit code 0/1, or 2 with one line on stderr for a
    :class:`MigcheckError`, as the click command does); returns when click must take over.
    """
    args = parse(argv)
    if args is None:
        return
    try:
        run(args)
    except MigcheckError as error:
        sys.stderr.write(f"migcheck: error: {error}\n")
        sys.stderr.flush()
        _exit(2)
    except BrokenPipeError:  # as click does: the reader went away, leave quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        _exit(1)
