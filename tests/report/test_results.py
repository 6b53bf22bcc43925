"""One versioned result: the JSON validates against docs/result.schema.json, reads back into the
same model (``migcheck report`` renders it as the run did), shards merge, fingerprints are stable.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from tests.report.test_formats import SARIF_SUBSET

from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.postgres.locks import Lock
from migcheck.result import Severity

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "result.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "lint" / "sample.sql"
PARTIAL = FIXTURES / "lint" / "alembic_partial"
CLEAN = FIXTURES / "verify" / "clean"
DRIFT = FIXTURES / "verify" / "drift"
LIVE = FIXTURES / "verify" / "live_lint"

VERIFY_FORMATS = ("text", "json", "junit", "sarif", "gitlab")
LINT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")

Run = Callable[..., Result]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def verify(pg_server: Server, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``migcheck verify ARGS`` on the session's server."""
    monkeypatch.setenv("MIGCHECK_DATABASE_URL", pg_server.endpoint.url(pg_server.maintenance_db))
    return lambda *args: run("verify", *args)


def _outputs(tmp_path: Path, formats: tuple[str, ...], prefix: str) -> list[str]:
    args = []
    for fmt in formats:
        args += ["--output", f"{fmt}:{tmp_path / f'{prefix}.{fmt}'}"]
    return args


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "args",
    [
        [str(SAMPLE)],
        ["--alembic", str(PARTIAL)],
        ["--alembic", str(FIXTURES / "demo")],
    ],
)
def test_lint_json_validates(args: list[str]) -> None:
    result = run("lint", "--format", "json", *args)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert document["schema_version"] == 1 and document["tool"]["name"] == "migcheck"
    assert document["tool"]["backend"] is None  # lint runs no server


def test_the_schema_rejects_what_it_does_not_document() -> None:
    document = json.loads(run("lint", "--format", "json", str(SAMPLE)).stdout)
    VALIDATOR.validate(document)
    for broken in (
        {**document, "surprise": 1},
        {**document, "schema_version": 2},
        {k: v for k, v in document.items() if k != "notes"},
        {**document, "findings": [{**document["findings"][0], "severity": "fatal"}]},
    ):
        assert not VALIDATOR.is_valid(broken)


def test_verify_json_validates_with_tool_notes_and_coverage(verify: Run, tmp_path: Path) -> None:
    result = verify(str(LIVE), "--format", "json")
    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    VALIDATOR.validate(document)
    assert document["kind"] == "verify" and document["shard"] is None
    assert document["tool"]["backend"] and document["tool"]["server_version"]
    # an empty drift list would mislead: the note says why the models were not compared
    assert document["drift"] == [] and document["drift_checked"] is False
    assert "models not compared: the history does not upgrade to head" in document["notes"]
    assert document["coverage"]["total"] == len(document["revisions"]) == 7


def test_unchecked_revisions_are_named_with_why_in_every_lint_format() -> None:
    for fmt in LINT_FORMATS:
        out = run("lint", "--alembic", str(PARTIAL), "--format", fmt).stdout
        assert "p2" in out and "rendering offline" in out, fmt
    text = run("lint", "--alembic", str(PARTIAL)).stdout.splitlines()[-1]
    assert text.startswith("2 of 3 revisions checked; not checked: p2 (")


def test_lint_notes_are_in_the_report(tmp_path: Path) -> None:
    project = tmp_path / "online_only"
    shutil.copytree(FIXTURES / "lint" / "alembic_basic", project)
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text().replace("if context.is_offline_mode():", "if False:"))
    document = json.loads(run("lint", "--alembic", str(project), "--format", "json").stdout)
    assert any("env.py cannot run offline" in note for note in document["notes"])
    text = run("lint", "--alembic", str(project)).stdout
    assert "note: " in text and "env.py cannot run offline" in text
    sarif = json.loads(run("lint", "--alembic", str(project), "--format", "sarif").stdout)
    [invocation] = sarif["runs"][0]["invocations"]
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("env.py cannot run offline" in t for t in texts)


# --- render once, write many; migcheck report -------------------------------------------------


def test_lint_output_files_equal_what_report_renders_from_the_json(tmp_path: Path) -> None:
    result = run(
        "lint",
        "--alembic",
        str(PARTIAL),
        "--format",
        "text",
        *_outputs(tmp_path, LINT_FORMATS, "r"),
    )
    assert result.exit_code == 1
    assert (tmp_path / "r.text").read_text() == result.stdout
    for fmt in LINT_FORMATS:
        again = run("report", str(tmp_path / "r.json"), "--format", fmt)
        assert again.exit_code == 1, again.output
        assert again.stdout == (tmp_path / f"r.{fmt}").read_text(), fmt


def test_verify_output_files_equal_what_report_renders_from_the_json(
    verify: Run, tmp_path: Path
) -> None:
    result = verify(str(DRIFT), *_outputs(tmp_path, VERIFY_FORMATS, "v"))
    assert result.exit_code == 1, result.stderr
    assert (tmp_path / "v.text").read_text() == result.stdout
    for fmt in VERIFY_FORMATS:
        again = run("report", str(tmp_path / "v.json"), "--format", fmt)
        assert again.exit_code == 1, again.output
        assert again.stdout == (tmp_path / f"v.{fmt}").read_text(), fmt
    merged = run("report", str(tmp_path / "v.json"), "--output", f"junit:{tmp_path / 'again.xml'}")
    assert (tmp_path / "again.xml").read_text() == (tmp_path / "v.junit").read_text()
    assert merged.stdout == result.stdout


def test_report_exit_status_follows_the_saved_result(verify: Run, tmp_path: Path) -> None:
    saved = tmp_path / "clean.json"
    assert verify(str(CLEAN), "--fail-on", "never", "--output", f"json:{saved}").exit_code == 0
    assert run("report", str(saved)).exit_code == 0
    strict = tmp_path / "strict.json"
    assert verify(str(CLEAN), "--output", f"json:{strict}").exit_code == 1
    assert run("report", str(strict)).exit_code == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not JSON"),
        ('{"findings": []}', "not a migcheck result (no schema_version"),
        ('{"schema_version": 99, "kind": "lint"}', "schema_version 99 is not one this migcheck"),
        ('{"schema_version": 1, "kind": "lint"}', "not a valid migcheck result (missing key"),
        ('{"schema_version": 1, "kind": "audit"}', "unknown kind 'audit'"),
    ],
)
def test_report_refuses_what_it_cannot_read_in_one_line(
    content: str, expected: str, tmp_path: Path
) -> None:
    path = tmp_path / "result.json"
    path.write_text(content)
    result = run("report", str(path))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"migcheck: error: {path}: ") and expected in line


def test_report_of_a_missing_file_and_a_bad_output_are_bad_input(tmp_path: Path) -> None:
    result = run("report", str(tmp_path / "absent.json"))
    assert result.exit_code == 2 and "absent.json: no such file" in result.stderr
    saved = tmp_path / "lint.json"
    saved.write_text(run("lint", "--format", "json", str(SAMPLE)).stdout)
    for spec, expected in [
        ("json", "expected FORMAT:FILE"),
        ("pdf:x.pdf", "unknown format 'pdf'"),
        (f"json:{tmp_path}/no/such/dir/x.json", "cannot write"),
    ]:
        result = run("report", str(saved), "--output", spec)
        assert result.exit_code == 2, spec
        [line] = result.stderr.splitlines()
        assert line.startswith("migcheck: error: --output ") and expected in line
    result = run("lint", str(SAMPLE), "--output", "html:x.html")
    assert result.exit_code == 2 and "unknown format 'html'" in result.stderr


# --- shards -----------------------------------------------------------------------------------


def _split(document: dict[str, Any], cuts: list[int], tmp_path: Path) -> list[Path]:
    """The result cut into shards as ``--shard I/N`` runs would write them (drift in the last)."""
    bounds = [0, *cuts, len(document["revisions"])]
    count = len(bounds) - 1
    paths = []
    for index in range(1, count + 1):
        shard = json.loads(json.dumps(document))
        shard["revisions"] = document["revisions"][bounds[index - 1] : bounds[index]]
        shard["shard"] = {"index": index, "count": count}
        shard["elapsed_s"] = document["elapsed_s"] / count
        last = index == count
        shard["drift_checked"] = document["drift_checked"] and last
        shard["drift"] = document["drift"] if last else []
        shard["notes"] = document["notes"] if last else [f"note of shard {index}"]
        VALIDATOR.validate(shard)
        path = tmp_path / f"shard{index}.json"
        path.write_text(json.dumps(shard))
        paths.append(path)
    return paths


def test_shards_merge_into_the_unsharded_report(verify: Run, tmp_path: Path) -> None:
    whole = tmp_path / "whole.json"
    result = verify(str(LIVE), "--output", f"json:{whole}")
    document = json.loads(whole.read_text())
    shards = _split(document, [2, 5], tmp_path)
    merged = run("report", *map(str, reversed(shards)), "--format", "json")
    assert merged.exit_code == result.exit_code == 1
    out = json.loads(merged.stdout)
    VALIDATOR.validate(out)
    assert out["revisions"] == document["revisions"]
    assert out["drift"] == document["drift"] and out["shard"] is None
    assert out["coverage"] == document["coverage"]
    assert out["notes"] == [*document["notes"], "note of shard 1", "note of shard 2"]
    text = run("report", *map(str, shards)).stdout
    assert text.splitlines()[-1].split(" in ")[0] == result.stdout.splitlines()[-1].split(" in ")[0]


def test_shards_that_pass_merge_into_exit_0(verify: Run, tmp_path: Path) -> None:
    whole = tmp_path / "whole.json"
    verify(str(CLEAN), "--fail-on", "never", "--output", f"json:{whole}")
    shards = _split(json.loads(whole.read_text()), [1], tmp_path)
    assert run("report", *map(str, shards)).exit_code == 0


def test_missing_duplicate_and_foreign_shards_are_bad_input(verify: Run, tmp_path: Path) -> None:
    whole = tmp_path / "whole.json"
    verify(str(LIVE), "--output", f"json:{whole}")
    one, two, three = map(str, _split(json.loads(whole.read_text()), [2, 5], tmp_path))
    cases = [
        ([one, three], "shards 2 of 3 missing"),
        ([one, two, two, three], "shard 2/3 given twice"),
        ([one, two, three, str(whole)], "not a shard (written without --shard)"),
    ]
    lint = tmp_path / "lint.json"
    lint.write_text(run("lint", "--format", "json", str(SAMPLE)).stdout)
    cases.append(([one, str(lint)], "a lint result; only verify shards can be merged"))
    other = json.loads(Path(two).read_text())
    other["shard"] = {"index": 2, "count": 4}
    Path(tmp_path / "other.json").write_text(json.dumps(other))
    cases.append(([one, str(tmp_path / "other.json"), three], "of another split than 3"))
    overlap = json.loads(Path(two).read_text())
    overlap["revisions"] = json.loads(Path(one).read_text())["revisions"]
    Path(tmp_path / "overlap.json").write_text(json.dumps(overlap))
    cases.append(([one, str(tmp_path / "overlap.json"), three], "also walked by"))
    for files, expected in cases:
        result = run("report", *files)
        assert result.exit_code == 2, files
        [line] = result.stderr.splitlines()
        assert expected in line, line


# --- fingerprints -----------------------------------------------------------------------------


def _fingerprints(fmt: str, *args: str) -> list[str]:
    out = json.loads(run("lint", "--format", fmt, *args).stdout)
    if fmt == "gitlab":
        return [issue["fingerprint"] for issue in out]
    return [r["partialFingerprints"]["migcheck/v1"] for r in out["runs"][0]["results"]]


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_fingerprints_do_not_move_with_lines(fmt: str, tmp_path: Path) -> None:
    sql = tmp_path / "sample.sql"
    shutil.copy(SAMPLE, sql)
    before = _fingerprints(fmt, str(sql))
    sql.write_text("-- a comment pushed everything down\n\n\n" + SAMPLE.read_text())
    after = _fingerprints(fmt, str(sql))
    assert len(set(before)) == len(before) > 0
    assert after == before
    sql.write_text(SAMPLE.read_text().replace("users_email_idx", "users_mail_idx"))
    changed = _fingerprints(fmt, str(sql))
    assert changed != before and len(set(changed) & set(before)) == len(before) - len(
        [f for f in changed if f not in before]
    )


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_alembic_fingerprints_follow_revision_and_statement(fmt: str, tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    before = _fingerprints(fmt, "--alembic", str(project))
    for path in (project / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        path.write_text(text.replace("def upgrade()", "# a comment\n\n\ndef upgrade()", 1))
    after = _fingerprints(fmt, "--alembic", str(project))
    assert len(set(before)) == len(before) > 0
    assert after == before


def test_verify_sarif_and_gitlab_carry_problems_drift_and_findings(
    verify: Run, tmp_path: Path
) -> None:
    sarif_path, gitlab_path = tmp_path / "v.sarif", tmp_path / "v.json"
    result = verify(
        str(DRIFT), "--output", f"sarif:{sarif_path}", "--output", f"gitlab:{gitlab_path}"
    )
    assert result.exit_code == 1
    sarif = json.loads(sarif_path.read_text())
    jsonschema.validate(sarif, SARIF_SUBSET)
    driver_rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    for item in sarif["runs"][0]["results"]:
        assert driver_rules[item["ruleIndex"]]["id"] == item["ruleId"]
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "verify/drift" in rules and any(rule.startswith("MC") for rule in rules)
    fingerprints = [r["partialFingerprints"]["migcheck/v1"] for r in sarif["runs"][0]["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    assert sarif["runs"][0]["properties"]["coverage"].startswith("2 of 2 revisions checked")
    issues = json.loads(gitlab_path.read_text())
    assert [i["fingerprint"] for i in issues] == fingerprints
    again = verify(str(DRIFT), "--format", "gitlab")
    assert [i["fingerprint"] for i in json.loads(again.stdout)] == fingerprints


# --- verify fails on findings at [tool.migcheck] fail-on --------------------------------------


def test_verify_fail_on_defaults_to_the_settings(verify: Run, tmp_path: Path) -> None:
    project = tmp_path / "clean"
    shutil.copytree(CLEAN, project)
    default = verify(str(project), "--format", "json")
    document = json.loads(default.stdout)
    assert default.exit_code == 1 and document["fail_on"] == "warning"
    assert document["summary"]["failing_findings"] > 0
    assert all(r["status"] == "pass" for r in document["revisions"])
    (project / "pyproject.toml").write_text('[tool.migcheck]\nfail-on = "error"\n')
    errors = json.loads(verify(str(project), "--format", "json").stdout)
    assert errors["fail_on"] == "error"
    expected = sum(f["severity"] == "error" for r in errors["revisions"] for f in r["findings"])
    assert errors["summary"]["failing_findings"] == expected > 0
    assert verify(str(project), "--fail-on", "never").exit_code == 0


def test_every_field_of_a_walk_survives_json(pg_server: Server) -> None:
    """load(to_dict(result)) is the same result: a field the JSON forgets fails here."""
    from migcheck.alembic_project.project import load_project
    from migcheck.result import Severity
    from migcheck.results_io import load, to_dict
    from migcheck.verify.walk import VerifyOptions, verify_project

    options = VerifyOptions(fail_on=Severity.ERROR)
    result = verify_project(load_project(LIVE), pg_server, options)
    result.shard = (2, 3)
    assert any(r.locks for r in result.revisions) and any(r.findings for r in result.revisions)
    assert any(r.problems for r in result.revisions) and result.notes
    document = json.loads(json.dumps(to_dict(result)))
    assert load(document, "test") == result


def test_every_field_of_a_lint_report_survives_json() -> None:
    from migcheck.config import Settings
    from migcheck.lint.entry import lint_alembic
    from migcheck.results_io import load, to_dict

    notes: list[str] = []
    report = lint_alembic(str(PARTIAL), Settings(), notes=notes)
    report.notes = [*notes, "a note"]
    assert report.coverage is not None and report.coverage.unchecked and report.findings
    assert load(json.loads(json.dumps(to_dict(report))), "test") == report


def test_empty_lists_that_would_mislead_come_with_a_note(verify: Run) -> None:
    result = verify(str(CLEAN), "--format", "json", "--no-lint", "--no-trace-locks")
    document = json.loads(result.stdout)
    assert all(r["findings"] == [] and r["locks"] == [] for r in document["revisions"])
    assert "statements not linted (--no-lint): no revision has lint findings" in document["notes"]
    assert "locks not traced (--no-trace-locks): no revision lists its locks" in document["notes"]
    unchanged = run("lint", "--alembic", str(FIXTURES / "demo"), "--changed-since", "HEAD")
    assert unchanged.exit_code == 0
    assert "note: no revision selected (--from, --to, --changed-since): none linted" in (
        unchanged.stdout
    )


@dataclasses.dataclass(frozen=True)
class _Hold:
    lock: Lock
    seconds: float
    tables: tuple[str, ...] = ()


@dataclasses.dataclass
class _Later:
    """A field another part of migcheck might add to a revision later."""

    severity: Severity
    holds: list[_Hold]
    pair: tuple[int, int] | None = None
    by_table: dict[str, _Hold] = dataclasses.field(default_factory=dict)
    nothing: _Hold | None = None


def test_fields_added_later_are_written_by_name_and_read_back_by_type() -> None:
    from migcheck.results_io import decode_value, encode_value

    value = _Later(
        Severity.WARNING,
        [_Hold(Lock.ACCESS_EXCLUSIVE, 1, ("users",))],
        (1, 3),
        {"orders": _Hold(Lock.SHARE, 0.5)},
    )
    written = json.loads(json.dumps(encode_value(value)))
    assert written["severity"] == "warning" and written["holds"][0]["lock"] == "access_exclusive"
    assert decode_value(_Later, written) == value
