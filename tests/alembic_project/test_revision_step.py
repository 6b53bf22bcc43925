"""compat.revision_step answers Alembic's unmerge question as Alembic does, on branchy histories."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from alembic.runtime.migration import RevisionStep

from migcheck.alembic_project import compat
from migcheck.alembic_project.project import load_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"


@pytest.mark.parametrize("name", ["merge", "multiple_heads", "clean"])
def test_unmerge_answers_equal_alembics(name: str) -> None:
    script = load_project(FIXTURES / name / "alembic.ini").script
    revision_map = script.revision_map
    revisions = list(script.walk_revisions())
    ids = [r.revision for r in revisions]
    asked = 0
    for revision in revisions:
        ours = compat.revision_step(revision_map, revision, False)
        theirs = RevisionStep(revision_map, revision, False)
        for size in (1, 2):
            for others in itertools.combinations(ids, size - 1):
                heads = {revision.revision, *others}
                assert set(ours._unmerge_to_revisions(heads)) == set(
                    theirs._unmerge_to_revisions(heads)
                ), (name, revision.revision, heads)
                assert ours.should_delete_branch(heads) == theirs.should_delete_branch(heads)
                assert ours.should_unmerge_branches(heads) == theirs.should_unmerge_branches(heads)
                asked += 1
    assert asked >= len(revisions)
