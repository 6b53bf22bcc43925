"""A comment's body: the hidden marker that finds it again, and the cut to a size budget.

The marker is an HTML comment on the first line, invisible once rendered::

    <!-- migcheck:comment project=api sha256=3f2a… -->

``project`` (percent-encoded, so no name can close the comment) tells apart the comments of
several projects on one pull request; ``sha256`` is a hash of the report as given, so a run
whose report did not change can skip the update without comparing (possibly cut) bodies.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass

#: GitHub's limit on a comment body, in characters
GITHUB_LIMIT = 65_536
#: GitLab's limit on a note body, in characters
GITLAB_LIMIT = 1_000_000

_MARKER = re.compile(r"<!-- migcheck:comment project=(\S+) sha256=([0-9a-f]+) -->")


@dataclass(slots=True, frozen=True)
class Marker:
    """What the hidden first line of a migcheck comment says."""

    project: str
    digest: str

    def render(self) -> str:
        """The marker as the HTML comment that starts the body."""
        name = urllib.parse.quote(self.project, safe="")
        return f"<!-- migcheck:comment project={name} sha256={self.digest} -->"

    @classmethod
    def of(cls, project: str, report: str) -> Marker:
        """The marker of ``report`` posted for ``project``."""
        digest = hashlib.sha256(report.encode("utf-8")).hexdigest()[:32]
        return cls(project, digest)

    @classmethod
    def find(cls, body: str) -> Marker | None:
        """The marker of a comment body, or None when it is not a migcheck comment."""
        match = _MARKER.search(body)
        if match is None:
            return None
        return cls(urllib.parse.unquote(match.group(1)), match.group(2))


def compose(marker: Marker, report: str, budget: int) -> str:
    """The comment body: the marker then the report, cut to ``budget`` characters if longer.

    A cut keeps the report's first lines (its summary comes first), closes a code block left
    open, and ends with a note saying how long the report was and where to read it whole.
    """
    head = marker.render() + "\n"
    if len(head) + len(report) <= budget:
        return head + report
    note = (
        f"\n\n---\n*migcheck: this report is {len(report):,} characters, over the"
        f" {budget:,} a comment can hold here; it was cut. The whole report is in the job"
        " summary and the job's artifacts.*\n"
    )
    room = budget - len(head) - len(note) - len("\n```")
    if room <= 0:
        return (head + note.lstrip())[:budget]
    kept = report[:room]
    if "\n" in kept:
        kept = kept[: kept.rindex("\n")]
    if sum(1 for line in kept.splitlines() if line.lstrip().startswith("```")) % 2:
        kept += "\n```"
    return head + kept + note
