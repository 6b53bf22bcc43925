"""``migcheck report`` and ``--output FORMAT:FILE``: render a result once, write it many times.

``migcheck report RESULT.json …`` reads results saved with ``--format json`` or
``--output json:FILE`` and renders them with no database; several files are the shards of one
``migcheck verify --shard I/N`` run, merged into one report and one exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from migcheck.errors import MigcheckError

if TYPE_CHECKING:
    from migcheck.report.verify_formats import Options
    from migcheck.result import Report
    from migcheck.verify.results import VerifyResult

#: every format some result can be rendered in (lint: text json sarif github gitlab junit;
#: verify: text json junit sarif gitlab markdown)
_ALL_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "markdown")


def parse_outputs(specs: Iterable[str], formats: Iterable[str]) -> list[tuple[str, str]]:
    """``FORMAT:FILE`` options as (format, file) pairs; a bad one is a one-line error."""
    known = tuple(formats)
    outputs: list[tuple[str, str]] = []
    for spec in specs:
        fmt, colon, path = spec.partition(":")
        if not colon or not path:
            raise MigcheckError(f"--output {spec!r}: expected FORMAT:FILE, e.g. json:result.json")
        if fmt not in known:
            raise MigcheckError(
                f"--output {spec!r}: unknown format {fmt!r} (choose from {', '.join(known)})"
            )
        outputs.append((fmt, path))
    return outputs


def render(result: Report | VerifyResult, fmt: str, options: Options | None = None) -> str:
    """``result`` rendered in ``fmt`` (a lint report or a verify result, no colour).

    ``options``: per format, keyword options of a verify format's renderer.
    """
    from migcheck.result import Report

    if isinstance(result, Report):
        from migcheck.report.lint_formats import render as render_lint

        return render_lint(result, fmt)
    from migcheck.report.verify_formats import render as render_verify

    return render_verify(result, fmt, options)


def write_outputs(
    result: Report | VerifyResult, outputs: list[tuple[str, str]], options: Options | None = None
) -> None:
    """Write ``result`` once per ``(format, file)``; a file that cannot be written exits 2."""
    for fmt, path in outputs:
        text = render(result, fmt, options)
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as error:
            raise MigcheckError(f"--output {fmt}:{path}: cannot write: {error.strerror}") from None


@click.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_ALL_FORMATS),
    default="text",
    show_default=True,
    help="Format written to stdout.",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write the report in FORMAT to FILE (repeatable).",
)
def report(files: tuple[str, ...], fmt: str, outputs: tuple[str, ...]) -> None:
    """Render saved results (FILES: JSON written by lint or verify) with no database.

    Several FILES are the shards of one `migcheck verify --shard I/N` run: they are merged into
    the result one unsharded run would give (revisions in order, model drift from the shard
    that reached head, notes united) and one exit status; a shard given alone is merged too, so
    that the missing ones are an error. Exit status: 0 the result passed, 1 it did not, 2 bad
    input (a file that is not a migcheck result, a schema_version this migcheck does not read,
    a shard missing or given twice, shards of another history or split).
    """
    from migcheck.report.lint_formats import FORMATS as LINT_FORMATS
    from migcheck.report.verify_formats import FORMATS as VERIFY_FORMATS
    from migcheck.result import Report
    from migcheck.results_io import load_file, merge_shards

    loaded = [load_file(path) for path in files]
    result: Report | VerifyResult
    single = loaded[0] if len(loaded) == 1 else None
    if isinstance(single, Report) or (single is not None and single.shard is None):
        result = single
    else:
        shards: list[VerifyResult] = []
        for path, item in zip(files, loaded, strict=True):
            if isinstance(item, Report):
                raise MigcheckError(f"{path}: a lint result; only verify shards can be merged")
            shards.append(item)
        result = merge_shards(shards, list(files))
    kind = "lint" if isinstance(result, Report) else "verify"
    known = LINT_FORMATS if kind == "lint" else VERIFY_FORMATS
    if fmt not in known:
        raise MigcheckError(
            f"--format {fmt}: not a format for a {kind} result (choose from {', '.join(known)})"
        )
    write_outputs(result, parse_outputs(outputs, known))
    click.echo(render(result, fmt), nl=False)
    sys.exit(0 if result.ok else 1)
