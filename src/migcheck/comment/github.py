"""A GitHub pull request's comments: REST for list/create/update, GraphQL to minimize.

The API lives at ``GITHUB_API_URL`` (set by Actions; ``https://HOST/api/v3`` on Enterprise
Server) and GraphQL at ``GITHUB_GRAPHQL_URL`` (else derived from the API URL). The pull request
comes from ``--number`` or the event payload at ``GITHUB_EVENT_PATH``; the repository from
``--repo`` or ``GITHUB_REPOSITORY``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migcheck.comment.body import GITHUB_LIMIT
from migcheck.comment.http import HttpClient, HttpError
from migcheck.comment.sticky import Comment
from migcheck.errors import MigcheckError

DEFAULT_API = "https://api.github.com"
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
#: more pages than any pull request has (100 comments each): a loop guard, not a limit
_MAX_PAGES = 1000

_MINIMIZE = """
mutation($id: ID!) {
  minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) {
    minimizedComment { isMinimized }
  }
}
"""


def graphql_url(api_url: str, env: Mapping[str, str]) -> str:
    """``GITHUB_GRAPHQL_URL``, else ``…/api/graphql`` for ``…/api/v3``, else ``API/graphql``."""
    if env.get("GITHUB_GRAPHQL_URL"):
        return env["GITHUB_GRAPHQL_URL"]
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def pull_number(env: Mapping[str, str]) -> int:
    """The pull request number of the event payload at ``GITHUB_EVENT_PATH``."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise MigcheckError("--number: not given, and GITHUB_EVENT_PATH is not set")
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise MigcheckError(f"{path}: cannot read the event payload: {error.strerror}") from None
    except ValueError:
        raise MigcheckError(f"{path}: the event payload is not JSON") from None
    number = _number_in(event)
    if number is None:
        raise MigcheckError(
            f"{path}: the event payload names no pull request; pass --number"
            " (a workflow_run from a fork lists none: pass the number the pull_request job saved)"
        )
    return number


def _number_in(event: Any) -> int | None:
    if not isinstance(event, dict):
        return None
    candidates: list[Any] = [event.get("pull_request"), event.get("issue")]
    run = event.get("workflow_run")
    if isinstance(run, dict) and isinstance(run.get("pull_requests"), list):
        candidates.extend(run["pull_requests"][:1])
    for candidate in candidates:
        if isinstance(candidate, dict):
            number = candidate.get("number")
            if isinstance(number, int) and not isinstance(number, bool) and number > 0:
                return number
    return None


def check_repo(repo: str) -> str:
    """``repo`` when it reads OWNER/NAME, else a one-line error naming ``--repo``."""
    if not _REPO.fullmatch(repo):
        raise MigcheckError(f"--repo: {repo!r} is not OWNER/NAME")
    return repo


@dataclass(slots=True)
class GitHub:
    """The issue comments of one pull request (a pull request is an issue to this API)."""

    http: HttpClient
    repo: str
    number: int
    graphql: str

    @property
    def where(self) -> str:
        """``owner/repo#12``."""
        return f"{self.repo}#{self.number}"

    @property
    def limit(self) -> int:
        """GitHub's 65,536 characters."""
        return GITHUB_LIMIT

    def comments(self) -> list[Comment]:
        """Every comment, following ``Link: rel="next"`` to the last page."""
        url: str | None = f"repos/{self.repo}/issues/{self.number}/comments?per_page=100"
        found: list[Comment] = []
        pages = 0
        while url is not None and pages < _MAX_PAGES:
            answer = self.http.request("GET", url)
            if not isinstance(answer.data, list):
                raise HttpError(f"GET {url}: the answer is not a list of comments", None)
            found.extend(_comment(item) for item in answer.data)
            url = answer.next_link()
            pages += 1
        return found

    def create(self, body: str) -> Comment:
        """POST a new comment on the pull request."""
        path = f"repos/{self.repo}/issues/{self.number}/comments"
        return _comment(self.http.request("POST", path, {"body": body}).data)

    def update(self, comment: Comment, body: str) -> Comment:
        """PATCH a comment's body."""
        path = f"repos/{self.repo}/issues/comments/{comment.id}"
        return _comment(self.http.request("PATCH", path, {"body": body}).data)

    def hide(self, comment: Comment) -> None:
        """Minimize the comment as outdated (GraphQL ``minimizeComment``)."""
        payload = {"query": _MINIMIZE, "variables": {"id": comment.node_id}}
        answer = self.http.request("POST", self.graphql, payload)
        errors = answer.data.get("errors") if isinstance(answer.data, dict) else None
        if errors:
            first = errors[0].get("message", "error") if isinstance(errors[0], dict) else errors
            raise HttpError(self.http.masked(f"minimizeComment: {first}"), None)


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise HttpError("the GitHub API answered something that is not a comment", None)
    user = item.get("user")
    return Comment(
        id=item["id"],
        author=str(user.get("login", "")) if isinstance(user, dict) else "",
        body=str(item.get("body") or ""),
        url=str(item.get("html_url", "")),
        node_id=str(item.get("node_id", "")),
    )
