"""``migcheck verify``: every revision up → down → up on a throwaway PostgreSQL."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from migcheck.cli.options import env_names, server_options

FORMATS = ("text", "json", "junit", "sarif", "gitlab", "github", "markdown")


@click.command()
@click.argument("path", default=".", type=click.Path())
@click.option("--name", "-n", default="alembic", show_default=True, help="Section of alembic.ini.")
@click.option(
    "-x",
    "x_args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to env.py as alembic's -x (repeatable).",
)
@click.option(
    "--url-env",
    multiple=True,
    callback=env_names,
    metavar="NAME",
    help="Environment variable env.py reads the database URL from (repeatable). "
    "[default: DATABASE_URL]",
)
@click.option("--from", "start", metavar="REV", help="Check REV and the revisions after it only.")
@click.option(
    "--allow-multiple-heads", is_flag=True, help="Do not fail a history that has several heads."
)
@click.option(
    "--allow-floor",
    is_flag=True,
    help="Do not fail a downgrade that raises on purpose: NotImplementedError/RuntimeError in "
    "the revision file, or any exception raised by a `raise` in its downgrade() "
    "(never a database error).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Pull-request mode: walk only the revisions added or changed since git REF (the rest "
    "is applied with plain upgrades) and report what the changes did to the history.",
)
@click.option(
    "--shard",
    metavar="I/N",
    help="Walk only the I-th of N slices of the history (1-based), for a CI matrix; merge the "
    "N JSON results with `migcheck report`.",
)
@click.option(
    "--skip",
    multiple=True,
    metavar="REV",
    help="Apply REV but do not round-trip, trace or lint it (repeatable); the report says so.",
)
@click.option(
    "--full-snapshots",
    is_flag=True,
    help="Render the whole schema in every snapshot instead of only what each step touched "
    "(slower; no event triggers in the throwaway database).",
)
@click.option(
    "--trace-locks/--no-trace-locks",
    default=True,
    show_default=True,
    help="Record the locks each statement of each first upgrade really takes (pg_locks).",
)
@click.option(
    "--lint/--no-lint",
    default=True,
    show_default=True,
    help="Lint the statements each upgrade and downgrade really sent ([tool.migcheck] rules).",
)
@click.option(
    "--fail-on",
    metavar="SEVERITY|never",
    help="Lowest lint finding severity that makes the exit status 1 "
    "[default: [tool.migcheck] fail-on, warning].",
)
@click.option(
    "--baseline",
    metavar="FILE.sql|metadata:MODULE:ATTR",
    help="Start from this schema instead of an empty database: a pg_dump --schema-only file, "
    "or the create_all() of a MetaData (or declarative base) imported from the project "
    "directory. Needs --baseline-revision.",
)
@click.option(
    "--baseline-revision",
    metavar="REV|base",
    help="The revision the --baseline schema corresponds to: the database is stamped there and "
    "only the revisions after it are checked.",
)
@click.option(
    "--rows",
    "rows",
    multiple=True,
    metavar="N|TABLE=N",
    help="Fill the tables with N synthetic rows each (TABLE=N for one table; repeatable) "
    "before each revision upgrades: data-dependent failures, data preservation, lock hold times.",
)
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.sql",
    help="The team's own fixture SQL, loaded before the first revision whose schema it fits "
    "(repeatable; with or instead of --rows).",
)
@click.option(
    "--seed-data",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Rows to insert before given revisions upgrade: JSON, YAML or a Python module mapping "
    "revision → table → rows (like pytest-alembic's before_revision_data).",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Seed of the synthetic rows (the same seed gives the same rows).",
)
@click.option(
    "--table-sizes",
    type=click.Path(dir_okay=False),
    metavar="FILE.json",
    help="Production row counts (JSON table → rows or [rows, bytes]): lock hold times are "
    "projected to them (see docs/data.md for the query that exports it).",
)
@click.option(
    "--load",
    is_flag=True,
    help="While each revision's first upgrade runs, run short reads and updates by key on the "
    "tables and record the worst and p99 latency (use with --rows).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format (written to stdout).",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write the report in FORMAT to FILE (repeatable; --format is for stdout).",
)
@click.option(
    "--link-base",
    metavar="URL",
    help="Markdown: link each finding to URL/PATH#LINE (e.g. https://github.com/o/r/blob/SHA). "
    "[default: from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_SHA when set]",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1000),
    help="Markdown: longest report in characters; details are collapsed, then only the summary "
    "table is kept, to stay under it. [default: 65,000]",
)
@click.option(
    "--previous-report",
    type=click.Path(dir_okay=False),
    help="Markdown: an earlier report (or comment body); the report says what changed since.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Text: also the revisions that passed with nothing to say (and their lock traces), and "
    "every finding of a long run of one rule.",
)
@server_options
def verify(
    path: str,
    name: str,
    x_args: tuple[str, ...],
    url_env: tuple[str, ...],
    start: str | None,
    allow_multiple_heads: bool,
    allow_floor: bool,
    changed_since: str | None,
    shard: str | None,
    skip: tuple[str, ...],
    full_snapshots: bool,
    trace_locks: bool,
    lint: bool,
    fail_on: str | None,
    baseline: str | None,
    baseline_revision: str | None,
    rows: tuple[str, ...],
    data_files: tuple[str, ...],
    seed_data: str | None,
    seed: int,
    table_sizes: str | None,
    load: bool,
    output_format: str,
    outputs: tuple[str, ...],
    link_base: str | None,
    budget: int | None,
    previous_report: str | None,
    verbose: bool,
    pg_backend: str,
    pg_version: int | None,
    database_url: str | None,
) -> None:
    """Upgrade, downgrade and re-upgrade every revision of the Alembic project at PATH.

    Compares a pg_catalog snapshot after each step, compares the models with the database at
    head, then downgrades to base. Exit status: 0 all pass, 1 a revision failed, the models
    drifted or a lint finding reached --fail-on, 2 bad input (path, env.py, options).
    """
    from migcheck import speed
    from migcheck.pg import server_starting

    # the server starts while Python imports Alembic and the walk (and the options are read)
    with server_starting(pg_backend, version=pg_version, database_url=database_url) as server:
        with speed.gc_paused():  # the imports: see migcheck.speed
            from migcheck.alembic_project.project import find_ini
            from migcheck.cli import writing_report
            from migcheck.cli.report import parse_outputs, render, write_outputs
            from migcheck.config import load_settings
            from migcheck.data.seed import parse_rows
            from migcheck.data.seed_data import load_seed_rows
            from migcheck.errors import MigcheckError
            from migcheck.report import verify_markdown, verify_text
            from migcheck.result import Severity
            from migcheck.verify.baseline import METADATA_PREFIX, Baseline
            from migcheck.verify.data_pass import DataOptions
            from migcheck.verify.durations import load_table_sizes
            from migcheck.verify.results import RevisionResult
            from migcheck.verify.review import link_base_from
            from migcheck.verify.run import run_verify
            from migcheck.verify.shard import parse as parse_shard
            from migcheck.verify.walk import VerifyOptions

        ini = find_ini(path)
        settings = load_settings(ini.parent)
        previous = _read_previous(previous_report)
        links = link_base_from(link_base, dict(os.environ))
        try:
            threshold = settings.fail_on if fail_on is None else None
            if fail_on is not None and fail_on != "never":
                threshold = Severity.parse(fail_on)
        except ValueError as error:
            raise MigcheckError(f"--fail-on: {error}") from None
        start_schema = None
        if (baseline is None) != (baseline_revision is None):
            raise MigcheckError(
                "--baseline and --baseline-revision go together: the schema and the revision it "
                "corresponds to"
            )
        if baseline is not None and baseline_revision is not None:
            source = baseline if baseline.startswith(METADATA_PREFIX) else os.path.abspath(baseline)
            start_schema = Baseline(source, baseline_revision)
            start_schema.check(ini.parent)
        if load and not (rows or data_files or seed_data):
            raise MigcheckError("--load: needs rows to work on (--rows, --data or --seed-data)")
        output_files = parse_outputs(outputs, FORMATS)
        options = VerifyOptions(
            start=start,
            allow_multiple_heads=allow_multiple_heads,
            allow_floor=allow_floor,
            url_env=url_env or ("DATABASE_URL",),
            full_snapshots=full_snapshots,
            trace_locks=trace_locks,
            lint=lint,
            settings=settings,
            fail_on=threshold,
            changed_since=changed_since,
            shard=None if shard is None else parse_shard(shard),
            skip=skip,
            baseline=start_schema,
            data=DataOptions(
                rows=parse_rows(rows),
                fixtures=tuple(Path(file).resolve() for file in data_files),
                seed=seed,
                seed_rows=load_seed_rows(seed_data) if seed_data else {},
                table_sizes=load_table_sizes(table_sizes) if table_sizes else None,
                load=load,
            ),
        )
        show_progress = sys.stderr.isatty()

        def progress(revision: RevisionResult) -> None:
            if show_progress:
                click.echo(verify_text.progress_line(revision), err=True)

        result = run_verify(
            ini,
            options,
            name=name,
            x_args=x_args,
            progress=progress,
            server=server,  # started above from --pg-backend, --pg-version, --database-url
        )
    render_options: dict[str, dict[str, Any]] = {
        "text": {"verbose": verbose},
        "markdown": {
            "budget": budget or verify_markdown.DEFAULT_BUDGET,
            "root": ini.parent,
            "link_base": links,
            "prefix": result.repository_dir,
            "previous": previous,
        },
    }
    write_outputs(result, output_files, render_options)
    with writing_report():
        click.echo(render(result, output_format, render_options), nl=False)
    sys.exit(0 if result.ok else 1)


def _read_previous(path: str | None) -> str | None:
    """The text of ``--previous-report``; a missing file is a one-line error (exit 2)."""
    from migcheck.errors import MigcheckError

    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as error:
        raise MigcheckError(f"--previous-report {path}: {error.strerror}") from None
