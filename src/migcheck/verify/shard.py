"""``--shard I/N``: the I-th of N slices of the history's topological order.

N CI jobs each walk one slice; the revisions before a job's slice are applied with plain
upgrades (not walked), the revisions after it are not run, and only the last shard (the one
that reaches head) compares the models. Slices are contiguous in the topological order,
balanced by revision count, and never cut between a merge revision and any of its parents: a
merge point and every revision from its earliest parent on stay in one slice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from migcheck.errors import MigcheckError

if TYPE_CHECKING:
    from migcheck.alembic_project.project import Project

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``, 1 ≤ I ≤ N; MigcheckError naming ``--shard`` otherwise."""
    found = _SHARD.match(text)
    if found is None:
        raise MigcheckError(f"--shard {text!r}: expected I/N, e.g. 2/4")
    index, count = int(found.group(1)), int(found.group(2))
    if count < 1 or not 1 <= index <= count:
        raise MigcheckError(f"--shard {text}: I must be between 1 and N (N ≥ 1)")
    return index, count


def _allowed_cuts(order: Sequence[str], parents: Mapping[str, Sequence[str]]) -> list[int]:
    """Positions k (1 ≤ k < len) where a cut between order[k-1] and order[k] splits no merge."""
    position = {revision: i for i, revision in enumerate(order)}
    blocked = [False] * (len(order) + 1)
    for i, revision in enumerate(order):
        inside = [position[p] for p in parents.get(revision, ()) if p in position]
        if len(parents.get(revision, ())) < 2 or not inside:
            continue
        for k in range(min(inside) + 1, i + 1):
            blocked[k] = True
    return [k for k in range(1, len(order)) if not blocked[k]]


def slices(
    order: Sequence[str], parents: Mapping[str, Sequence[str]], count: int
) -> list[list[str]]:
    """``order`` cut into ``count`` contiguous slices, balanced, no merge split from a parent.

    Each cut goes to the allowed position nearest to its even share (the earlier one on a tie);
    when too few positions are allowed the last slices are empty.
    """
    allowed = _allowed_cuts(order, parents)
    total = len(order)
    cuts: list[int] = []
    previous = 0
    for i in range(1, count):
        ideal = round(i * total / count)
        later = [k for k in allowed if k > previous]
        cut = min(later, key=lambda k: (abs(k - ideal), k)) if later else total
        cuts.append(cut)
        previous = cut
    bounds = [0, *cuts, total]
    return [list(order[bounds[i] : bounds[i + 1]]) for i in range(count)]


def digest(project: Project, order: Sequence[str], skipped: Collection[str]) -> str:
    """What a shard was cut from: every revision (id, parents, file), the order chosen, --skip.

    The same for every shard of one run; shards of another commit, or run with another
    ``--from``, ``--changed-since`` or ``--skip``, differ (``migcheck report`` refuses them).
    """
    hashed = hashlib.sha256()
    for script in project.revisions:
        with open(script.path, "rb") as handle:
            content = hashlib.sha256(handle.read()).hexdigest()
        parents = ",".join(project.parents(script))
        hashed.update(f"{script.revision} {parents} {content}\n".encode())
    hashed.update(f"walk {' '.join(order)}\nskip {' '.join(sorted(skipped))}\n".encode())
    return hashed.hexdigest()
