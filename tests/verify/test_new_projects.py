"""Projects as teams bring them: no revisions yet, --skip, floors declared with any exception."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcheck.alembic_project.project import load_project
from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.verify.results import VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

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


def run(server: Server, name: str, **options: object) -> VerifyResult:
    project = load_project(FIXTURES / name)
    return verify_project(project, server, VerifyOptions(**options))  # type: ignore[arg-type]


def statuses(result: VerifyResult) -> dict[str, tuple[str, list[str]]]:
    return {r.revision: (r.status, [p.kind for p in r.problems]) for r in result.revisions}


def test_models_without_revisions_report_drift(invoke: Invoke) -> None:
    code, out, err = invoke(str(FIXTURES / "no_revisions"), "--format", "json")
    assert code == 1, out + err
    data = json.loads(out)
    assert data["revisions"] == []
    assert [d["kind"] for d in data["drift"]] == ["add_table"]
    assert "users" in data["drift"][0]["message"]
    code, text, _ = invoke(str(FIXTURES / "no_revisions"))
    assert "the project has no revisions yet: the models were compared" in text


def test_neither_revisions_nor_models_is_not_an_error(invoke: Invoke) -> None:
    code, out, err = invoke(str(FIXTURES / "empty_project"))
    assert code == 0, out + err
    assert "note: the project has neither revisions nor models: nothing to verify" in out
    assert out.strip().splitlines()[-1].startswith("ok: 0 revisions")


def test_skip_applies_the_revision_without_round_trip(pg_server: Server) -> None:
    checked = run(pg_server, "not_restored")
    assert statuses(checked)["a2"][0] == "fail"
    result = run(pg_server, "not_restored", skip=("a2",))
    a2 = next(r for r in result.revisions if r.revision == "a2")
    assert (a2.status, [p.kind for p in a2.problems]) == ("pass", ["skipped"])
    assert "a downgrade that fails or loses schema" in a2.problems[0].message
    assert a2.linted == [] and a2.unlinted == "skipped with --skip"
    assert a2.locks == [] and a2.findings == []
    # a3 is checked on top of the skipped revision, as in the full walk
    assert statuses(result)["a3"] == statuses(checked)["a3"]
    assert "a2" in [r.revision for r in result.unchecked]


def test_skip_from_the_command_line(invoke: Invoke) -> None:
    code, out, _ = invoke(str(FIXTURES / "not_restored"), "--skip", "a2", "--skip", "a3")
    assert code == 0, out
    assert out.count("[skipped]") == 2
    code, out, err = invoke(str(FIXTURES / "not_restored"), "--skip", "zz")
    assert code == 2
    assert "--skip zz" in out + err


def test_allow_floor_accepts_any_exception_raised_on_purpose(pg_server: Server) -> None:
    strict = run(pg_server, "floor_any")
    assert statuses(strict) == {
        "a1": ("pass", []),
        "a2": ("fail", ["declared-floor"]),
        "a3": ("fail", ["downgrade-failed"]),
        "a4": ("fail", ["downgrade-failed"]),
    }
    tolerant = run(pg_server, "floor_any", allow_floor=True)
    assert statuses(tolerant) == {
        "a1": ("pass", []),
        "a2": ("pass", ["declared-floor"]),
        "a3": ("fail", ["downgrade-failed"]),  # int("ten"): a bug, not a raise of its own
        "a4": ("fail", ["downgrade-failed"]),  # a database error, whoever re-raises it
    }
    a2 = next(r for r in tolerant.revisions if r.revision == "a2")
    assert "ValueError: deleted rows cannot be restored" in a2.problems[0].message
