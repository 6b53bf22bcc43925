"""`migcheck verify --shard I/N`: slices of the history walked by separate runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.errors import MigcheckError
from migcheck.pg import Server
from migcheck.verify import shard

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "verify"

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


def test_bad_shard_option_exits_2(invoke: Invoke) -> None:
    code, out, err = invoke(str(FIXTURES / "clean"), "--shard", "3/2")
    assert code == 2 and "--shard 3/2" in out + err


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
