"""A GitLab merge request's notes: list (all pages), create, update, fold.

The API lives at ``CI_API_V4_URL`` (set by GitLab CI, self-managed instances included); the
project comes from ``--repo`` or ``CI_PROJECT_ID`` and the merge request from ``--number`` or
``CI_MERGE_REQUEST_IID`` (set in merge request pipelines). GitLab cannot hide a note through the
API, so an outdated note is folded into ``<details>`` instead, its text kept whole.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from migcheck.comment.body import GITLAB_LIMIT, Marker
from migcheck.comment.http import HttpClient, HttpError
from migcheck.comment.sticky import Comment

DEFAULT_API = "https://gitlab.com/api/v4"
#: more pages than any merge request has (100 notes each): a loop guard, not a limit
_MAX_PAGES = 1000
_FOLDED = "<details><summary>An older migcheck report: a newer one is below.</summary>"


def fold(body: str) -> str:
    """The body of an outdated note: its marker line, then everything else folded."""
    head, _, rest = body.partition("\n")
    if Marker.find(head) is None:
        head, rest = "", body
    return f"{head}\n{_FOLDED}\n\n{rest}\n\n</details>\n"


@dataclass(slots=True)
class GitLab:
    """The notes of one merge request."""

    http: HttpClient
    project: str
    iid: int
    web_url: str = ""

    @property
    def where(self) -> str:
        """``group/project!7``."""
        return f"{self.project}!{self.iid}"

    @property
    def limit(self) -> int:
        """GitLab's 1,000,000 characters."""
        return GITLAB_LIMIT

    @property
    def _notes(self) -> str:
        project = urllib.parse.quote(self.project, safe="")
        return f"projects/{project}/merge_requests/{self.iid}/notes"

    def comments(self) -> list[Comment]:
        """Every note, oldest first, following ``Link: rel="next"`` to the last page."""
        url: str | None = f"{self._notes}?sort=asc&order_by=created_at&per_page=100"
        found: list[Comment] = []
        pages = 0
        while url is not None and pages < _MAX_PAGES:
            answer = self.http.request("GET", url)
            if not isinstance(answer.data, list):
                raise HttpError(f"GET {self._notes}: the answer is not a list of notes", None)
            found.extend(self._comment(item) for item in answer.data)
            url = answer.next_link()
            pages += 1
        return found

    def create(self, body: str) -> Comment:
        """POST a new note on the merge request."""
        return self._comment(self.http.request("POST", self._notes, {"body": body}).data)

    def update(self, comment: Comment, body: str) -> Comment:
        """PUT a note's new body."""
        path = f"{self._notes}/{comment.id}"
        return self._comment(self.http.request("PUT", path, {"body": body}).data)

    def hide(self, comment: Comment) -> None:
        """Fold the outdated note into ``<details>`` (once: a folded note stays as it is)."""
        if _FOLDED not in comment.body:
            self.update(comment, fold(comment.body))

    def _comment(self, item: Any) -> Comment:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise HttpError("the GitLab API answered something that is not a note", None)
        author = item.get("author")
        url = ""
        if self.web_url:
            url = f"{self.web_url}/-/merge_requests/{self.iid}#note_{item['id']}"
        return Comment(
            id=item["id"],
            author=str(author.get("username", "")) if isinstance(author, dict) else "",
            body=str(item.get("body") or ""),
            url=url,
            system=bool(item.get("system")),
        )
