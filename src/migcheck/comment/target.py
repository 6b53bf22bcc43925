"""Which forge, API, thread and token a ``migcheck comment`` run talks to.

Options win; otherwise the variables the CI sets: on GitHub Actions ``GITHUB_API_URL``,
``GITHUB_REPOSITORY`` and the event payload at ``GITHUB_EVENT_PATH``; on GitLab CI
(``GITLAB_CI=true``) ``CI_API_V4_URL``, ``CI_MERGE_REQUEST_PROJECT_ID`` and
``CI_MERGE_REQUEST_IID``. The token is read from an environment variable, never an option,
so it stays out of process listings and shell history.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from migcheck.comment import github, gitlab
from migcheck.comment.http import HttpClient, RetryPolicy
from migcheck.comment.sticky import Forge
from migcheck.errors import MigcheckError

#: the variables tried for a token when --token-env is not given
TOKEN_VARIABLES = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}


@dataclass(slots=True, frozen=True)
class Target:
    """What the command line says about where to post; None means "from the environment"."""

    platform: str = "auto"
    repo: str | None = None
    number: int | None = None
    api_url: str | None = None
    token_env: str | None = None


def platform_of(target: Target, env: Mapping[str, str]) -> str:
    """``github`` or ``gitlab``: the option, else GitLab when ``GITLAB_CI`` is ``true``."""
    if target.platform != "auto":
        return target.platform
    return "gitlab" if env.get("GITLAB_CI") == "true" else "github"


def token(platform: str, target: Target, env: Mapping[str, str]) -> str:
    """The token from ``--token-env``'s variable or the platform's usual ones."""
    names = (target.token_env,) if target.token_env else TOKEN_VARIABLES[platform]
    for name in names:
        if env.get(name, "").strip():
            return env[name].strip()
    if target.token_env:
        raise MigcheckError(f"--token-env: the variable {target.token_env} is not set or empty")
    listed = " or ".join(names)
    raise MigcheckError(f"no token: set {listed} (or name the variable with --token-env)")


def _api_url(given: str) -> str:
    parts = urllib.parse.urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MigcheckError(f"--api-url: {given!r} is not an http(s) URL")
    return given.rstrip("/")


def open_forge(
    target: Target,
    env: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy | None = None,
) -> Forge:
    """The comment thread ``target`` and ``env`` name, with an HTTP client holding the token."""
    platform = platform_of(target, env)
    secret = token(platform, target, env)
    policy = retry or RetryPolicy()
    if platform == "github":
        api = _api_url(target.api_url or env.get("GITHUB_API_URL") or github.DEFAULT_API)
        repo = target.repo or env.get("GITHUB_REPOSITORY")
        if not repo:
            raise MigcheckError("--repo: not given, and GITHUB_REPOSITORY is not set")
        headers = {
            "Authorization": f"Bearer {secret}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        client = HttpClient(api, headers, (secret,), retry=policy, sleep=sleep)
        number = target.number or github.pull_number(env)
        return github.GitHub(client, github.check_repo(repo), number, github.graphql_url(api, env))
    api = _api_url(target.api_url or env.get("CI_API_V4_URL") or gitlab.DEFAULT_API)
    project = target.repo or env.get("CI_MERGE_REQUEST_PROJECT_ID") or env.get("CI_PROJECT_ID")
    if not project:
        raise MigcheckError("--repo: not given, and CI_PROJECT_ID is not set")
    iid_text = str(target.number or env.get("CI_MERGE_REQUEST_IID") or "")
    if not iid_text.isdigit() or int(iid_text) <= 0:
        raise MigcheckError(
            "--number: not given, and CI_MERGE_REQUEST_IID is not set"
            " (not a merge request pipeline?)"
        )
    client = HttpClient(api, {"PRIVATE-TOKEN": secret}, (secret,), retry=policy, sleep=sleep)
    web = env.get("CI_MERGE_REQUEST_PROJECT_URL") or env.get("CI_PROJECT_URL") or ""
    return gitlab.GitLab(client, project, int(iid_text), web.rstrip("/"))
