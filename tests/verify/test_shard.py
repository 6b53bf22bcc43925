"""`migcheck verify --shard I/N`: slices of the history walked by separate runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.results_io import merge_shards
from migcheck.verify import shard
from migcheck.verify.results import RevisionResult, VerifyResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]

#: a revision that creates one table, after a revision that does not upgrade
AFTER = '''"""One more table

Revision ID: {rev}
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t_{rev}")
'''

Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def invoke(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI against the session's server (url backend) to avoid a second server start.

    With ``--fail-on never``: the walk decides the exit status here, not lint findings.
    """
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url(pg_server.maintenance_db))

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["verify", *args, "--fail-on", "never"])
        return result.exit_code, result.stdout, result.stderr

    return run


def _comparable(revision: dict[str, Any]) -> dict[str, Any]:
    """A revision's JSON without its durations (they differ from run to run)."""
    revision.pop("elapsed_ms")
    revision.pop("holds")  # lock hold times, measured
    for statement in revision["locks"]:
        statement.pop("duration_ms")
        statement.pop("started_s")
    return revision


def test_slices_are_balanced_by_count() -> None:
    order = [f"r{i}" for i in range(10)]
    parents = {rev: (order[i - 1],) for i, rev in enumerate(order) if i}
    assert [len(s) for s in shard.slices(order, parents, 3)] == [3, 4, 3]
    for count in range(1, 11):
        sizes = [len(s) for s in shard.slices(order, parents, count)]
        assert len(sizes) == count and max(sizes) - min(sizes) <= 1
    assert [rev for part in shard.slices(order, parents, 10) for rev in part] == order


def test_a_merge_point_stays_with_its_parents() -> None:
    order = ["a", "b", "c", "d", "e", "f"]
    parents = {"b": ("a",), "c": ("a",), "d": ("b", "c"), "e": ("d",), "f": ("e",)}
    parts = shard.slices(order, parents, 2)
    assert parts == [["a"], ["b", "c", "d", "e", "f"]] or parts == [
        ["a", "b", "c", "d"],
        ["e", "f"],
    ]
    for count in range(1, 7):
        parts = shard.slices(order, parents, count)
        assert [rev for part in parts for rev in part] == order and len(parts) == count
        home = {rev: i for i, part in enumerate(parts) for rev in part}
        assert home["b"] == home["c"] == home["d"]


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"])
def test_bad_shard_text(text: str) -> None:
    with pytest.raises(MigcheckError, match="--shard"):
        shard.parse(text)


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1/0", ""])
def test_bad_shard_option_exits_2(invoke: Invoke, text: str) -> None:
    code, out, err = invoke(str(FIXTURES / "clean"), "--shard", text)
    [line] = err.splitlines()
    assert code == 2 and out == "" and "--shard" in line and "Traceback" not in line


@pytest.mark.parametrize("fixture", ["merge", "clean"])
@pytest.mark.parametrize("count", [2, 3])
def test_sharded_runs_give_the_unsharded_results(invoke: Invoke, fixture: str, count: int) -> None:
    code, out, _ = invoke(str(FIXTURES / fixture), "--format", "json")
    assert code == 0, out
    whole = json.loads(out)
    merged: list[dict[str, Any]] = []
    for index in range(1, count + 1):
        code, out, _ = invoke(
            str(FIXTURES / fixture), "--format", "json", "--shard", f"{index}/{count}"
        )
        assert code == 0, out
        part = json.loads(out)
        assert part["shard"] == {"index": index, "count": count}
        merged.extend(part["revisions"])
    assert [r["revision"] for r in merged] == [r["revision"] for r in whole["revisions"]]
    assert [_comparable(r) for r in merged] == [_comparable(r) for r in whole["revisions"]]


def test_migcheck_report_merges_the_shards_into_the_unsharded_result(
    invoke: Invoke, tmp_path: Path
) -> None:
    code, out, _ = invoke(str(FIXTURES / "drift"), "--format", "json")
    assert code == 1
    whole = json.loads(out)
    files = []
    for index in (1, 2):
        _, out, _ = invoke(str(FIXTURES / "drift"), "--format", "json", "--shard", f"{index}/2")
        files.append(tmp_path / f"shard-{index}.json")
        files[-1].write_text(out)
    merged = CliRunner().invoke(cli, ["report", *map(str, reversed(files)), "--format", "json"])
    assert merged.exit_code == 1, merged.output
    data = json.loads(merged.stdout)
    assert [_comparable(r) for r in data["revisions"]] == [
        _comparable(r) for r in whole["revisions"]
    ]
    assert data["drift"] == whole["drift"] and data["drift_checked"]


def test_only_the_last_shard_compares_the_models(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "drift"), "--format", "json", "--shard", "1/2")
    first = json.loads(out)
    assert code == 0, out
    assert first["drift"] == [] and [r["revision"] for r in first["revisions"]] == ["a1"]
    code, out, _ = invoke(str(FIXTURES / "drift"), "--format", "json", "--shard", "2/2")
    last = json.loads(out)
    assert code == 1
    assert last["drift"] and [r["revision"] for r in last["revisions"]] == ["a2"]
    code, text, _ = invoke(str(FIXTURES / "drift"), "--shard", "1/2")
    assert "models not compared" not in text


# --- merged shards == one unsharded run, field by field ------------------------------------------


def _stable(document: dict[str, Any]) -> dict[str, Any]:
    """A verify JSON result without what is measured (times, hold times)."""
    document = json.loads(json.dumps(document))
    document.pop("elapsed_s")
    document.pop("seed_s")
    document["summary"].pop("ms_per_revision")
    for revision in document["revisions"]:
        _comparable(revision)
    return document


def _whole_and_merged(
    invoke: Invoke, project: Path, count: int, tmp_path: Path, *args: str
) -> tuple[tuple[int, dict[str, Any]], tuple[int, dict[str, Any]]]:
    """(exit status, JSON) of the unsharded run and of its ``count`` shards merged by report."""
    code, out, err = invoke(str(project), "--format", "json", *args)
    assert code in (0, 1), out + err
    whole = (code, json.loads(out))
    files = []
    for index in range(1, count + 1):
        code, out, err = invoke(
            str(project), "--format", "json", "--shard", f"{index}/{count}", *args
        )
        assert code in (0, 1), out + err
        files.append(tmp_path / f"shard-{index}.json")
        files[-1].write_text(out)
    merged = CliRunner().invoke(cli, ["report", *map(str, files), "--format", "json"])
    assert merged.exit_code in (0, 1), merged.output
    return whole, (merged.exit_code, json.loads(merged.stdout))


def _assert_same(whole: tuple[int, dict[str, Any]], merged: tuple[int, dict[str, Any]]) -> None:
    """Same exit status, same fields; the notes the same, each once (their order may differ)."""
    (whole_code, whole_doc), (merged_code, merged_doc) = whole, merged
    assert merged_code == whole_code
    left, right = _stable(whole_doc), _stable(merged_doc)
    left_notes, right_notes = left.pop("notes"), right.pop("notes")
    assert sorted(right_notes) == sorted(left_notes) and len(set(right_notes)) == len(right_notes)
    for key in sorted(set(left) | set(right)):
        assert right.get(key) == left.get(key), key


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A copy of a fixture project (its models module imported afresh)."""

    def copy(name: str) -> Path:
        monkeypatch.delitem(sys.modules, f"{name}_models", raising=False)
        root = tmp_path / name
        shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
        return root

    return copy


#: merge points, a clean history, drift at head, a declared floor and broken downgrades in
#: several shards (the downgrade to base stops at the highest), lint findings and locks held
#: across revisions in one transaction (seen by a shard through the revisions it replays)
MERGED_EQUAL = ["merge", "clean", "drift", "floor_any", "sneaky", "live_lint"]


@pytest.mark.parametrize("fixture", MERGED_EQUAL)
@pytest.mark.parametrize("count", [2, 3])
def test_merged_shards_are_the_unsharded_result(
    invoke: Invoke, tmp_path: Path, fixture: str, count: int
) -> None:
    _assert_same(*_whole_and_merged(invoke, FIXTURES / fixture, count, tmp_path))


@pytest.mark.parametrize("count", [2, 3])
def test_a_revision_that_does_not_upgrade_merges_as_one_run(
    invoke: Invoke, tmp_path: Path, copied: Callable[[str], Path], count: int
) -> None:
    """a2 does not upgrade: a3 and a4, in other shards, are not checked, for the same reason."""
    root = copied("db_error")
    versions = root / "migrations" / "versions"
    (versions / "a3_more.py").write_text(AFTER.format(rev="a3", down="a2"))
    (versions / "a4_more.py").write_text(AFTER.format(rev="a4", down="a3"))
    whole, merged = _whole_and_merged(invoke, root, count, tmp_path)
    _assert_same(whole, merged)
    statuses = {r["revision"]: r["status"] for r in merged[1]["revisions"]}
    assert statuses == {"a1": "pass", "a2": "fail", "a3": "error", "a4": "error"}
    assert not any("does not upgrade:" in note for note in merged[1]["notes"])


@pytest.mark.parametrize("count", [2, 3])
def test_shards_after_from_merge_as_one_run(invoke: Invoke, tmp_path: Path, count: int) -> None:
    whole, merged = _whole_and_merged(invoke, FIXTURES / "sneaky", count, tmp_path, "--from", "a3")
    _assert_same(whole, merged)
    assert merged[1]["applied_only"] == ["a1", "a2"]


def test_shards_of_a_pull_request_merge_as_one_run(
    invoke: Invoke, tmp_path: Path, copied: Callable[[str], Path]
) -> None:
    """--shard with --changed-since: slices of the revisions the pull request changed."""
    root = copied("clean")

    def git(*args: str) -> None:
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)

    git("init", "-q")
    a1 = next((root / "migrations" / "versions").glob("a1_*.py"))
    git("add", "alembic.ini", "clean_models.py", "migrations/env.py", str(a1.relative_to(root)))
    git("commit", "-q", "-m", "main with a1")
    whole, merged = _whole_and_merged(invoke, root, 2, tmp_path, "--changed-since", "HEAD")
    _assert_same(whole, merged)
    assert [r["revision"] for r in merged[1]["revisions"]] == ["a2", "a3"]
    assert merged[1]["applied_only"] == ["a1"] and merged[1]["changed_since"] == "HEAD"


def test_a_lock_taken_before_the_slice_is_seen(invoke: Invoke) -> None:
    """The revisions before the slice are replayed traced: a3 runs under a2's lock."""
    code, out, _ = invoke(str(FIXTURES / "clean"), "--format", "json", "--shard", "2/2")
    assert code == 0, out
    [a3] = [r for r in json.loads(out)["revisions"] if r["revision"] == "a3"]
    assert any("taken by revision a2" in note for note in a3["notes"]), a3["notes"]


def test_shards_of_another_history_missing_or_twice_are_refused(
    invoke: Invoke, tmp_path: Path, copied: Callable[[str], Path]
) -> None:
    root = copied("clean")
    first, second, third = (tmp_path / f"shard-{i}.json" for i in (1, 2, 3))
    first.write_text(invoke(str(root), "--format", "json", "--shard", "1/2")[1])
    a3 = next((root / "migrations" / "versions").glob("a3_*.py"))
    a3.write_text(a3.read_text() + "\n# edited after shard 1 ran\n")
    second.write_text(invoke(str(root), "--format", "json", "--shard", "2/2")[1])
    third.write_text(invoke(str(root), "--format", "json", "--shard", "2/3")[1])
    for files, expected in [
        ([first, second], f"{second}: a shard of another history than {first}"),
        ([first, first], f"{first}: shard 1/2 given twice"),
        ([first, third], f"{third}: shard 2/3 of another split than 2"),
        ([third, third], f"{third}: shard 2/3 given twice"),
    ]:
        result = CliRunner().invoke(cli, ["report", *map(str, files)])
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert expected in line, line
    a3.write_text(a3.read_text().replace("\n# edited after shard 1 ran\n", ""))
    second.write_text(invoke(str(root), "--format", "json", "--shard", "2/2")[1])
    assert CliRunner().invoke(cli, ["report", str(first), str(second)]).exit_code == 0
    result = CliRunner().invoke(cli, ["report", str(second)])  # a shard alone is not the run
    assert result.exit_code == 2 and "shards 1 of 2 missing" in result.stderr


# --- the downgrade to base, read from the top ----------------------------------------------------


def _shard(index: int, count: int, *revisions: RevisionResult, stop: str = "") -> VerifyResult:
    result = VerifyResult(revisions=list(revisions), shard=(index, count), downgrade_stop=stop)
    if stop.startswith("downgrade to base"):
        result.notes.append(stop)
    return result


def test_below_a_stop_the_downgrade_to_base_never_ran() -> None:
    """Shard 2 stopped at a broken downgrade: what shard 1 found further down is dropped."""
    a1 = RevisionResult("a1", "a1.py")
    a1.add("downgrade-to-base", "downgrade-failed", "downgrade() raised X")
    a2 = RevisionResult("a2", "a2.py")
    a2.add("downgrade", "not-restored", "table t exists after downgrade to a1")
    below = _shard(1, 2, a1, stop="downgrade() raised X")
    top = _shard(2, 2, a2, stop="downgrade to base stopped at a2: its downgrade is broken")
    merged = merge_shards([below, top], ["one.json", "two.json"])
    first, second = merged.revisions
    assert first.problems == [] and first.status == "pass"
    assert second.status == "fail" and second.problems == a2.problems
    assert merged.notes == [top.downgrade_stop] and merged.downgrade_stop == top.downgrade_stop
    through = merge_shards([below, _shard(2, 2, a2)], ["one.json", "two.json"])
    assert (
        through.revisions[0].status == "fail" and through.downgrade_stop == "downgrade() raised X"
    )


def test_above_a_revision_that_does_not_upgrade_base_is_not_compared() -> None:
    """Shard 2 has a revision that does not upgrade: shard 1's comparison at base is dropped."""
    a1 = RevisionResult("a1", "a1.py")
    a1.add("downgrade-to-base", "not-restored", "table t exists after downgrading to base")
    a2 = RevisionResult("a2", "a2.py")
    a2.add("upgrade", "upgrade-failed", "upgrade() raised Y")
    merged = merge_shards([_shard(1, 2, a1), _shard(2, 2, a2)], ["one.json", "two.json"])
    assert merged.revisions[0].problems == [] and merged.revisions[0].status == "pass"
    clean = RevisionResult("a2", "a2.py")
    kept = merge_shards([_shard(1, 2, a1), _shard(2, 2, clean)], ["one.json", "two.json"])
    assert kept.revisions[0].problems == a1.problems and not kept.ok


def test_more_shards_than_revisions_merge_as_one_run(invoke: Invoke, tmp_path: Path) -> None:
    """Three revisions in five shards: two jobs walk nothing, the merge is still the run."""
    whole, merged = _whole_and_merged(invoke, FIXTURES / "clean", 5, tmp_path)
    _assert_same(whole, merged)
    sizes = [len(json.loads(p.read_text())["revisions"]) for p in sorted(tmp_path.glob("shard-*"))]
    assert sorted(sizes) == [0, 0, 1, 1, 1]
