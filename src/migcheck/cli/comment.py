"""``migcheck comment``: post a report as one sticky comment on a pull or merge request."""

from __future__ import annotations

import os
import sys

import click

from migcheck.errors import MigcheckError


@click.command("comment")
@click.option(
    "--body-file",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The report to post (markdown), or - for standard input.",
)
@click.option(
    "--project",
    default="default",
    show_default=True,
    help="Which project the report is about: one comment per project on a pull request.",
)
@click.option(
    "--platform",
    type=click.Choice(["auto", "github", "gitlab"]),
    default="auto",
    show_default=True,
    help="auto: GitLab when GITLAB_CI=true, else GitHub.",
)
@click.option(
    "--repo",
    help="GitHub OWNER/NAME or GitLab project id or path (default: GITHUB_REPOSITORY, "
    "CI_MERGE_REQUEST_PROJECT_ID).",
)
@click.option(
    "--number",
    type=click.IntRange(min=1),
    help="Pull request number or merge request IID (default: the event payload at "
    "GITHUB_EVENT_PATH, CI_MERGE_REQUEST_IID).",
)
@click.option(
    "--api-url",
    help="REST API root (default: GITHUB_API_URL, CI_API_V4_URL, else the public service).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    help="Environment variable holding the token (default: GITHUB_TOKEN or GH_TOKEN; "
    "GITLAB_TOKEN).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1000),
    help="Longest comment to post, in characters (default: the platform's limit, 65,536 on "
    "GitHub); a longer report is cut after its first lines, with a note.",
)
@click.option(
    "--fail-without-permission",
    is_flag=True,
    help="Exit 2 when the token may not comment (default: say so in one line and exit 0).",
)
def comment(
    body_file: str,
    project: str,
    platform: str,
    repo: str | None,
    number: int | None,
    api_url: str | None,
    token_env: str | None,
    budget: int | None,
    fail_without_permission: bool,
) -> None:
    """Create or update the one comment of PROJECT with the report in --body-file.

    The comment is found again across every page of comments by a hidden marker. An unchanged
    report is not posted again; a comment somebody replied below is left, hidden (GitHub) or
    folded (GitLab), and a new one posted. Exit 0 when posted, updated, unchanged, or when the
    token may not write (a pull request from a fork: the report stays in the job summary);
    exit 2 on bad input or when the API refuses.
    """
    from migcheck.comment.sticky import Action, post
    from migcheck.comment.target import Target, open_forge

    report = _read(body_file)
    target = Target(platform, repo, number, api_url, token_env)
    forge = open_forge(target, os.environ)
    outcome = post(forge, project, report, budget)
    where = f"{forge.where} (project {project})"
    if outcome.action is Action.FORBIDDEN:
        line = (
            f"cannot comment on {where}: the token may not write there (a pull request from a"
            " fork?); the report is in the job summary"
        )
        if fail_without_permission:
            raise MigcheckError(line)
        click.echo(f"migcheck: {line}", err=True)
        return
    said = {
        Action.CREATED: "posted the report on",
        Action.UPDATED: "updated the report on",
        Action.UNCHANGED: "the report is unchanged on",
        Action.REPLACED: "posted a new report (the old one had replies and is now hidden) on",
    }[outcome.action]
    url = f": {outcome.url}" if outcome.url else ""
    click.echo(f"migcheck: {said} {where}{url}")
    if outcome.note:
        click.echo(f"migcheck: note: {outcome.note}", err=True)


def _read(body_file: str) -> str:
    if body_file == "-":
        return sys.stdin.read()
    try:
        with open(body_file, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise MigcheckError(f"--body-file {body_file}: no such file") from None
    except UnicodeDecodeError:
        raise MigcheckError(f"--body-file {body_file}: not UTF-8 text") from None
    except OSError as error:
        raise MigcheckError(f"--body-file {body_file}: {error.strerror}") from None
