"""One comment per project on a pull or merge request, kept up to date across runs.

:func:`post` reads every comment (all pages), takes the newest one whose marker names the
project, and then:

- none found: creates one;
- same report hash: leaves it (``unchanged``);
- somebody other than its author commented below it: creates a new one and hides the old one
  (GitHub minimizes it as outdated; GitLab folds it into ``<details>``), so a reply never ends up
  under a report it was not about;
- otherwise: edits it in place.

A token that may not write (GitHub's read-only token on a pull request from a fork) is an
outcome, not an error: the caller says so in one line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from migcheck.comment.body import Marker, compose
from migcheck.comment.http import HttpError

#: the budget of the second try when the forge refuses a body as too large (HTTP 422)
SHORT_BUDGET = 8_000


@dataclass(slots=True, frozen=True)
class Comment:
    """A comment as the forge lists it; ``system`` marks GitLab's own notes ("added 1 commit")."""

    id: int
    author: str
    body: str
    url: str
    node_id: str = ""
    system: bool = False


class Forge(Protocol):
    """The comment thread of one pull request (GitHub) or merge request (GitLab)."""

    @property
    def where(self) -> str:
        """The thread, for messages: ``owner/repo#12`` or ``group/project!7``."""

    @property
    def limit(self) -> int:
        """The longest body the forge accepts, in characters."""

    def comments(self) -> list[Comment]:
        """Every comment of the thread, oldest first, across all pages."""

    def create(self, body: str) -> Comment:
        """Post a new comment."""

    def update(self, comment: Comment, body: str) -> Comment:
        """Replace a comment's body."""

    def hide(self, comment: Comment) -> None:
        """Hide or fold an outdated comment."""


class Action(enum.Enum):
    """What :func:`post` did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    FORBIDDEN = "forbidden"


@dataclass(slots=True, frozen=True)
class Outcome:
    """What :func:`post` did, the comment's URL, and a note (a cut body, a hide that failed)."""

    action: Action
    url: str = ""
    note: str = ""


def find(comments: list[Comment], project: str) -> tuple[Comment | None, bool]:
    """The newest comment of ``project``, and whether somebody else commented below it."""
    for index in range(len(comments) - 1, -1, -1):
        marker = Marker.find(comments[index].body)
        if marker is not None and marker.project == project:
            ours = comments[index]
            below = comments[index + 1 :]
            return ours, any(c.author != ours.author and not c.system for c in below)
    return None, False


def post(forge: Forge, project: str, report: str, budget: int | None = None) -> Outcome:
    """Create, update, replace or leave the comment of ``project`` so that it shows ``report``."""
    try:
        return _post(forge, project, report, forge.limit if budget is None else budget)
    except HttpError as error:
        if error.status == 403 and not error.limited:
            return Outcome(Action.FORBIDDEN, note=str(error))
        raise


def _post(forge: Forge, project: str, report: str, budget: int) -> Outcome:
    marker = Marker.of(project, report)
    ours, replied = find(forge.comments(), project)
    if ours is None:
        return Outcome(Action.CREATED, *_send(forge, None, marker, report, budget))
    found = Marker.find(ours.body)
    if found is not None and found.digest == marker.digest:
        return Outcome(Action.UNCHANGED, ours.url)
    if not replied:
        return Outcome(Action.UPDATED, *_send(forge, ours, marker, report, budget))
    url, note = _send(forge, None, marker, report, budget)
    try:
        forge.hide(ours)
    except HttpError as error:
        note = "; ".join(filter(None, [note, f"the old comment stays visible ({error})"]))
    return Outcome(Action.REPLACED, url, note)


def _send(
    forge: Forge, old: Comment | None, marker: Marker, report: str, budget: int
) -> tuple[str, str]:
    """Create (``old`` is None) or update; the URL and a note when the report was cut.

    A 422 answer (GitHub's "body is too long") gets one more try with a short summary.
    """
    body = compose(marker, report, budget)
    whole = body == marker.render() + "\n" + report
    try:
        sent = forge.create(body) if old is None else forge.update(old, body)
    except HttpError as error:
        if error.status != 422:
            raise
    else:
        return sent.url, "" if whole else f"the report was cut to {budget:,} characters"
    short = min(SHORT_BUDGET, len(body) // 2)
    body = compose(marker, report, short)
    sent = forge.create(body) if old is None else forge.update(old, body)
    return sent.url, f"refused as too large, the report was cut to {short:,} characters"
