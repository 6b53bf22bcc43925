"""One pass: verify lints what its walk really ran, on fixtures/verify/live_lint.

The project's revisions need a live connection (iterating ``op.get_bind().execute()``, an ORM
Session, ``sa.inspect(bind)``), run in env.py's one outer transaction (no
``transaction_per_migration``), change column types the trace settles, lock a table through a
function no rule can see, and one of them fails partway.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcheck.alembic_project.project import load_project
from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.result import Severity
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.walk import VerifyOptions, verify_project

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "verify" / "live_lint"


@pytest.fixture(scope="module")
def result(pg_server: Server) -> VerifyResult:
    return verify_project(load_project(PROJECT), pg_server, VerifyOptions())


def revision(result: VerifyResult, rev: str) -> RevisionResult:
    return next(r for r in result.revisions if r.revision == rev)


def rules(result: VerifyResult, rev: str, step: str = "upgrade") -> list[tuple[str, int]]:
    return [
        (item.finding.rule, item.finding.location.line)
        for item in revision(result, rev).findings
        if item.step == step
    ]


def test_revision_iterating_the_bind_is_linted_on_its_op_lines(result: VerifyResult) -> None:
    found = rules(result, "a2")
    assert ("MC105", 19) in found  # SET NOT NULL
    assert ("MC101", 20) in found  # CREATE INDEX on an existing table
    assert ("MC302", 21) in found  # DROP COLUMN
    finding = revision(result, "a2").findings[0].finding
    assert finding.location.path == "migrations/versions/a2_iterate_bind.py"


def test_downgrades_are_linted_too(result: VerifyResult) -> None:
    assert ("MC102", 26) in rules(result, "a2", "downgrade")
    assert all(r.linted == ["upgrade", "downgrade"] for r in result.revisions[:-1])


def test_orm_session_and_inspector_revision_is_linted(result: VerifyResult) -> None:
    assert ("MC101", 22) in rules(result, "a3")  # the unique index it decided to build


def test_lock_held_across_revisions_names_both(result: VerifyResult) -> None:
    a6 = revision(result, "a6")
    mc112 = next(i.finding for i in a6.findings if i.finding.rule == "MC112")
    assert "taken by revision a2 at migrations/versions/a2_iterate_bind.py:19" in mc112.message
    assert any("taken by revision a2" in note for note in a6.notes)


def test_trace_settles_rewrite_guesses(result: VerifyResult) -> None:
    a4 = revision(result, "a4")
    mc109 = [i.finding for i in a4.findings if i.finding.rule == "MC109" and i.step == "upgrade"]
    # varchar(50) -> varchar(20) rewrote; timestamp -> timestamptz under UTC did not
    assert [f.location.line for f in mc109] == [19]
    assert "observed: rewrote items (new file node)" in mc109[0].message
    assert "from varchar(50)" in mc109[0].message  # the current type, read from the catalog
    assert any(
        note.startswith("MC109 at migrations/versions/a4_evidence.py:18 dropped")
        for note in a4.notes
    )


def test_lock_no_rule_expected_is_a_problem(result: VerifyResult) -> None:
    a4 = revision(result, "a4")
    [problem] = [p for p in a4.problems if p.kind == "unflagged-lock"]
    assert problem.message.startswith(
        "SELECT lock_items() (at migrations/versions/a4_evidence.py:16)"
    )
    assert "took SHARE on items" in problem.message


def test_failed_revision_keeps_what_ran_before(result: VerifyResult) -> None:
    a7 = revision(result, "a7")
    assert [p.kind for p in a7.problems] == ["upgrade-failed"]
    assert ("MC101", 16) in rules(result, "a7")
    assert a7.linted == ["upgrade"]
    assert result.coverage == (7, 7)


def test_every_statement_is_traced_with_held_locks(result: VerifyResult) -> None:
    a2 = revision(result, "a2")
    drop = next(s for s in a2.locks if "DROP COLUMN" in s.sql)
    assert drop.locks == []  # ACCESS EXCLUSIVE was taken by SET NOT NULL, earlier
    held = drop.strongest_held
    assert held is not None and held.relation == "items" and held.label == "ACCESS EXCLUSIVE"


def test_fail_on_makes_findings_fail_the_run(pg_server: Server) -> None:
    options = VerifyOptions(fail_on=Severity.WARNING, start="a6")
    outcome = verify_project(load_project(PROJECT), pg_server, options)
    assert outcome.failing_findings > 0 and not outcome.ok


def test_reports_show_findings_and_coverage(pg_server: Server) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["verify", str(PROJECT), "--from", "a5", "--format", "json"])
    data = json.loads(out.stdout)
    assert data["coverage"]["checked"] == 3 and data["coverage"]["total"] == 3
    a6 = data["revisions"][1]
    assert {f["rule"] for f in a6["findings"]} >= {"MC112", "MC118"}
    text = runner.invoke(cli, ["verify", str(PROJECT), "--from", "a5"]).stdout
    assert "coverage: 3 of 3 revisions checked (walked; upgrade and downgrade linted" in text
    # grouped by rule: the header names the rule once, each finding has its place
    grouped = "  MC118 warning (2 findings):\n    upgrade: migrations/versions/a6_backfill.py:15:5 "
    assert grouped in text
    junit = runner.invoke(cli, ["verify", str(PROJECT), "--from", "a5", "--format", "junit"])
    assert "coverage: 3 of 3" in junit.stdout and "MC118" in junit.stdout


def test_database_error_keeps_detail_and_hint(pg_server: Server) -> None:
    project = load_project(PROJECT.parent / "db_error")
    outcome = verify_project(project, pg_server, VerifyOptions())
    a2 = revision(outcome, "a2")
    [problem] = a2.problems
    assert problem.kind == "upgrade-failed"
    assert "DETAIL: constraint fk_orders_user on table orders depends on table users" in (
        problem.message
    )
    assert "HINT: Use DROP ... CASCADE" in problem.message
    assert ("MC301", 15) in rules(outcome, "a2")  # what ran before the failure is linted


def test_lock_wait_names_statement_and_blocking_query(pg_server: Server) -> None:
    project = load_project(PROJECT.parent / "lock_wait")
    try:
        outcome = verify_project(project, pg_server, VerifyOptions(lock_timeout_ms=800))
    finally:
        for other in project.get("a2").module._held:  # the revision's idle session
            other.close()
            other.engine.dispose()
    [problem] = revision(outcome, "a2").problems
    assert problem.kind == "upgrade-failed"
    assert problem.message.startswith("upgrade() raised LockNotAvailable")
    assert "while `ALTER TABLE users ADD COLUMN email TEXT` waited for a lock held by" in (
        problem.message
    )
    assert "(idle in transaction) whose last query was: SELECT count(*) FROM users" in (
        problem.message
    )


def test_bad_fail_on_is_bad_input() -> None:
    out = CliRunner().invoke(cli, ["verify", str(PROJECT), "--fail-on", "loud"])
    assert out.exit_code == 2
    assert "--fail-on: unknown severity 'loud'" in out.stderr


def test_env_that_never_commits_is_a_problem(pg_server: Server) -> None:
    # plain `alembic upgrade head` with this env.py leaves the database empty (rolled back)
    project = load_project(PROJECT.parent / "never_commits")
    outcome = verify_project(project, pg_server, VerifyOptions())
    kinds = [p.kind for p in revision(outcome, "a1").problems]
    assert kinds == ["never-committed"]
    assert (
        revision(outcome, "a1")
        .problems[0]
        .message.startswith("upgrade() ran but env.py never committed")
    )
    assert not outcome.ok


def test_env_that_commits_is_not_flagged(pg_server: Server) -> None:
    outcome = verify_project(load_project(PROJECT.parent / "db_error"), pg_server, VerifyOptions())
    assert all(p.kind != "never-committed" for r in outcome.revisions for p in r.problems)
