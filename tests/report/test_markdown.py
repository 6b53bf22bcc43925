"""`migcheck verify --format markdown`: the reviewer's report, read back with a CommonMark parser.

Three projects: the demo (a failing rollback, locks, rewrites, data-loss risk), a clean one
(safe to deploy) and one whose 2,000+ findings do not fit a comment. Each report is parsed with
markdown-it-py (CommonMark plus GFM tables), so a broken table, an unclosed ``<details>`` or a
project's text leaking markup fails here, not in a pull request.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from markdown_it.token import Token

from migcheck.cli import cli
from migcheck.pg import Server
from migcheck.verify.review import ReviewMarker

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
SAFE = ROOT / "fixtures" / "report" / "safe"
NOISY = ROOT / "fixtures" / "report" / "noisy"
BASE = "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567"

PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")


@dataclass
class Run:
    code: int
    out: str
    err: str


class Verify:
    """`migcheck verify` on the session's server, with the environment a test gives."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run:
        environ = {"MIGCHECK_DATABASE_URL": self.url, **(env or {})}
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
            environ.setdefault(name, "")
        result = CliRunner().invoke(cli, ["verify", *args], env=environ)
        return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def verify(pg_server: Server) -> Verify:
    return Verify(pg_server.endpoint.url(pg_server.maintenance_db))


@pytest.fixture(scope="module")
def demo(verify: Verify) -> Run:
    return verify(str(DEMO), "--format", "markdown", "--link-base", BASE)


@pytest.fixture(scope="module")
def noisy(verify: Verify) -> Iterator[tuple[Verify, Run]]:
    # --fail-on never: warnings only, so the verdict is "needs review", not "blocks deploy"
    yield verify, verify(str(NOISY), "--format", "markdown", "--fail-on", "never")


def parse(text: str) -> list[Token]:
    return PARSER.parse(text)


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cells, each cell the text it renders to."""
    found: list[list[list[str]]] = []
    inside = False
    for token in tokens:
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            found[-1].append([])
        elif token.type in ("td_open", "th_open", "td_close", "th_close"):
            inside = token.type.endswith("open")
        elif token.type == "inline" and inside:
            found[-1][-1].append(rendered_text(token))
    return found


def cells(tokens: list[Token]) -> list[Token]:
    """The inline tokens of table cells."""
    inside, out = False, []
    for token in tokens:
        if token.type in ("td_open", "th_open"):
            inside = True
        elif token.type in ("td_close", "th_close"):
            inside = False
        elif inside and token.type == "inline":
            out.append(token)
    return out


def rendered_text(token: Token) -> str:
    return "".join(
        child.content for child in token.children or [] if child.type in ("text", "code_inline")
    )


def links(tokens: list[Token]) -> list[str]:
    return [
        str(child.attrs["href"])
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "link_open"
    ]


def headings(tokens: list[Token]) -> list[str]:
    return [
        tokens[index + 1].content
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h4"
    ]


def test_demo_report_reads_in_the_reviewers_order(demo: Run) -> None:
    assert demo.code == 1, demo.err
    lines = demo.out.splitlines()
    assert lines[0].startswith("<!-- migcheck:report verdict=blocks revisions=10 failed=1 ")
    assert lines[1] == "### ⛔ migcheck: blocks deploy"
    assert "1 revision failed" in lines[3] and "coverage: 10 of 10 revisions checked" in lines[3]
    tokens = parse(demo.out)
    assert headings(tokens)[:4] == [
        "Data-loss risk",
        "Performance impact",
        "Rollback verification",
        "Other findings",
    ]
    assert headings(tokens)[-1] == "Recommended testing"


def test_demo_table_has_one_row_per_revision(demo: Run) -> None:
    (table,) = tables(parse(demo.out))
    header, *rows = table
    assert header == [
        "Revision",
        "Worst lock on an existing table",
        "Rewrites",
        "Data-loss risk",
        "Rollback (up → down → up)",
        "Findings",
    ]
    assert len(rows) == 10 and all(len(row) == 6 for row in rows)
    by_id = {row[0].split()[0]: row for row in rows}
    jsonb = by_id["d2a7c4e8b935"]
    assert jsonb[1].startswith("ACCESS EXCLUSIVE on products: blocks all reads and writes")
    assert jsonb[2] == "products"  # ALTER COLUMN TYPE jsonb rewrote the table
    assert by_id["9b4e1f7a3c58"][1].startswith("SHARE on order: blocks all writes")
    assert by_id["b6d3a8e2f917"][3] == "1 finding (downgrade)"  # DROP COLUMN on the way down
    assert by_id["e4b9d1f6c273"][4] == "❌ failed"
    assert by_id["3c1f0a9d2b71"][4] == "✅ verified"
    assert by_id["f1c6e3a9d482"][1:] == ["none", "none", "none", "✅ verified", "none"]


def test_rollback_section_carries_the_schema_diff(demo: Run) -> None:
    section = demo.out.split("#### Rollback verification", 1)[1].split("####", 1)[0]
    assert "✅ 9 revisions" in section
    assert "labels ('pending', 'paid', 'shipped', 'cancelled', 'refunded') after downgrade" in (
        section
    )
    assert "(not-restored)" in section and "(reupgrade-failed)" in section


def test_each_finding_links_the_op_line_at_the_head_commit(demo: Run) -> None:
    hrefs = links(parse(demo.out))
    assert len(hrefs) >= 40
    anchored = 0
    for href in hrefs:
        assert href.startswith(f"{BASE}/fixtures/demo/migrations/versions/"), href
        path, _, anchor = href[len(BASE) + 1 :].partition("#L")
        assert (ROOT / path).is_file()
        if anchor:
            anchored += 1
            line = (ROOT / path).read_text().splitlines()[int(anchor) - 1].strip()
            assert line.startswith("op."), (href, line)
    assert anchored >= 30


def test_safe_versions_are_collapsible_blocks_of_alembic_code(demo: Run) -> None:
    tokens = parse(demo.out)
    blocks = [(i, t.content) for i, t in enumerate(tokens) if t.type == "html_block"]
    opened = [i for i, content in blocks if "<details>" in content]
    closed = [i for i, content in blocks if content.strip() == "</details>"]
    assert opened and len(opened) == len(closed)
    for index in opened:
        assert "<summary>Safe version (Alembic)</summary>" in tokens[index].content
        code = tokens[index + 1]
        assert code.type == "fence" and code.info == "python" and "op." in code.content
    # a rule's fix and safe version are said once, where the rule first shows
    assert demo.out.count("Fix: Run SET lock\\_timeout") == 1
    groups = len(re.findall(r"\*\*MC111 missing-lock-timeout\*\*", demo.out))
    assert groups == 8 and demo.out.count("Fix: as for MC111 above.") == groups - 1
    chunks = re.split(r"\n(?=\*\*MC\d+ |#)", demo.out)
    with_code = [c[2:7] for c in chunks if c.startswith("**MC") and "<details>" in c]
    assert len(with_code) == len(set(with_code)) == len(opened)


def test_performance_section_lists_the_locking_statements(demo: Run) -> None:
    section = demo.out.split("#### Performance impact", 1)[1].split("#####", 1)[0]
    assert '`CREATE INDEX ix_order_customer_id ON "order" (customer_id)` takes SHARE' in section
    assert "rewrites products" in section


def test_clean_project_is_safe_to_deploy(verify: Verify) -> None:
    run = verify(str(SAFE), "--format", "markdown")
    assert run.code == 0, run.err
    assert run.out.splitlines()[1] == "### ✅ migcheck: safe to deploy"
    (table,) = tables(parse(run.out))
    assert table[1] == ["s1 Create users", "none", "none", "none", "✅ verified", "none"]
    assert "No revision drops a table, a column or rows." in run.out
    assert links(parse(run.out)) == []  # no link base: no links


def test_thousands_of_findings_fit_the_budget_with_details_collapsed(
    noisy: tuple[Verify, Run],
) -> None:
    _, run = noisy
    marker = ReviewMarker.find(run.out)
    assert marker is not None and marker.findings > 2000
    assert len(run.out) <= 65_000
    assert "<details>" not in run.out  # collapsed first
    assert "- … and 697 more" in run.out
    (table,) = tables(parse(run.out))
    assert len(table) == 5 and all(len(row) == 6 for row in table)
    assert "#### Recommended testing" in run.out


def test_a_small_budget_keeps_the_verdict_and_the_table(noisy: tuple[Verify, Run]) -> None:
    verify, _ = noisy
    run = verify(str(NOISY), "--format", "markdown", "--budget", "2500", "--fail-on", "never")
    assert run.code == 0, run.err
    assert len(run.out) <= 2500
    assert run.out.startswith("<!-- migcheck:report verdict=review revisions=4 ")
    assert "This report was cut to fit" in run.out
    assert "#### " not in run.out
    (table,) = tables(parse(run.out))
    assert table[0][0] == "Revision" and len(table) >= 2


def test_project_text_cannot_inject_markup(noisy: tuple[Verify, Run]) -> None:
    _, run = noisy
    tokens = parse(run.out)
    row = next(t for t in cells(tokens) if "Widen wide\\_b" in t.content)
    message = (
        "Widen wide_b <script>alert(1)</script> | **bold** @everyone `tick` $x$ "
        "[x](javascript:alert(1))"
    )
    assert rendered_text(row) == f"n3 {message}"
    kinds = {child.type for child in row.children or []}
    assert not kinds & {"html_inline", "link_open", "code_inline", "em_open"}
    assert not re.search(r"(?<!\\)@everyone", run.out)  # a backslash keeps GitHub from mentioning
    assert all(len(r) == 6 for r in tables(tokens)[0])


def test_a_later_run_says_what_changed_since_the_previous_report(
    verify: Verify, demo: Run, tmp_path: Path
) -> None:
    previous = tmp_path / "previous.md"
    previous.write_text(demo.out)
    same = verify(str(DEMO), "--format", "markdown", "--previous-report", str(previous))
    assert "Since the last report: nothing changed." in same.out
    # the previous report as if one revision had two more MC120 findings and no MC204
    edited = demo.out.replace("7a2b9e6c1d34.MC120:3", "7a2b9e6c1d34.MC120:5")
    edited = edited.replace("5e8d2c4a7f10.MC204:1,", "").replace("sha256=", "sha256=0")
    previous.write_text(edited)
    run = verify(str(DEMO), "--format", "markdown", "--previous-report", str(previous))
    line = next(x for x in run.out.splitlines() if x.startswith("Since the last report"))
    assert "fixed: MC120 in 7a2b9e6c1d34 (-2)" in line
    assert "new: MC204 in 5e8d2c4a7f10 (+1)" in line


def test_a_link_base_that_is_no_web_address_is_refused(verify: Verify) -> None:
    bad = verify(str(SAFE), "--format", "markdown", "--link-base", "javascript:alert(1)")
    assert bad.code == 2
    assert (
        bad.err.strip()
        .splitlines()[-1]
        .endswith("--link-base 'javascript:alert(1)': not an http(s) URL")
    )


def test_github_actions_variables_link_the_demo(verify: Verify) -> None:
    sha = "89abcdef" * 5
    env = {
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": sha,
    }
    run = verify(str(DEMO), "--format", "markdown", env=env)
    hrefs = links(parse(run.out))
    assert hrefs and all(
        h.startswith(f"https://github.example/acme/shop/blob/{sha}/fixtures/demo/") for h in hrefs
    )


def test_expand_backfill_contract_revisions_make_a_deploy_plan(verify: Verify) -> None:
    phased = str(ROOT / "fixtures" / "report" / "phased")
    run = verify(phased, "--format", "markdown", "--fail-on", "never")
    assert run.code == 0, run.err
    tokens = parse(run.out)
    assert "Deploy plan" in headings(tokens)
    first = next(i for i, t in enumerate(tokens) if t.type == "ordered_list_open")
    last = next(i for i, t in enumerate(tokens) if t.type == "ordered_list_close")
    steps = [rendered_text(t) for t in tokens[first:last] if t.type == "inline"]
    assert steps == [
        "Run before the application deploy (expand: additive changes old code tolerates): p1, p2",
        "Run after the new application code is live (backfill): p3",
        "Run once no running code uses what they remove (contract): p4",
    ]
    (table,) = tables(tokens)
    assert table[4][3] == "⚠️ 1 finding (upgrade)"  # the contract phase drops a column


def test_an_upgrade_that_fails_is_a_problem_right_after_the_table(verify: Verify) -> None:
    run = verify(str(ROOT / "fixtures" / "verify" / "live_lint"), "--format", "markdown")
    assert run.code == 1, run.err
    tokens = parse(run.out)
    assert headings(tokens)[0] == "Problems"
    problems = run.out.split("#### Problems\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert any(
        line.startswith("- ❌ a7 upgrade: upgrade() raised DivisionByZero") for line in problems
    )
    (table,) = tables(tokens)
    a7 = next(row for row in table if row[0].startswith("a7 "))
    assert a7[0].endswith("(fail)") and a7[4] == "⚪ not checked"


def test_a_missing_previous_report_is_one_line_and_exit_2(verify: Verify, tmp_path: Path) -> None:
    missing = tmp_path / "old.md"
    run = verify(str(SAFE), "--format", "markdown", "--previous-report", str(missing))
    assert run.code == 2 and run.out == ""
    expected = f"migcheck: error: --previous-report {missing}: No such file or directory"
    assert run.err.strip() == expected


def test_one_run_writes_markdown_too_and_a_saved_result_renders_it(
    verify: Verify, tmp_path: Path
) -> None:
    saved, written = tmp_path / "result.json", tmp_path / "report.md"
    run = verify(str(DEMO), "--format", "json", "--output", f"markdown:{written}")
    assert run.code == 1, run.err
    saved.write_text(run.out)
    again = CliRunner().invoke(cli, ["report", str(saved), "--format", "markdown"])
    assert again.exit_code == 1, again.output
    # no database and no project at hand: the same verdict and table, without the op. lines
    live, offline = written.read_text(), again.stdout
    assert live.splitlines()[:4] == offline.splitlines()[:4]
    assert tables(parse(live)) == tables(parse(offline))
    assert "`op.create_index(" in live and "`op.create_index(" not in offline


S2 = '''"""Add a note column

Revision ID: s2
Revises: s1
"""
import sqlalchemy as sa
from alembic import op

revision = "s2"
down_revision = "s1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '2s'")
    op.add_column("users", sa.Column("note", sa.Text))


def downgrade():
    op.execute("SET LOCAL lock_timeout = '2s'")
    op.drop_column("users", "note")  # migcheck: ignore[MC302] added by this revision
'''
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]


def test_pull_request_mode_names_the_ref_and_history_problems(
    verify: Verify, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    shutil.copytree(SAFE, project, ignore=shutil.ignore_patterns("__pycache__"))
    versions = project / "migrations" / "versions"
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "base"]):
        subprocess.run([*GIT, *args], cwd=project, check=True, capture_output=True)
    (versions / "s2_note.py").write_text(S2)  # the pull request adds s2
    run = verify(str(project), "--format", "markdown", "--changed-since", "HEAD")
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    # ADD COLUMN takes ACCESS EXCLUSIVE, briefly and with a lock_timeout: a reviewer looks
    assert lines[1] == "### ⚠️ migcheck: needs review"
    assert lines[3].startswith("**1 revision locks existing tables against writes** · ")
    assert "pull request since HEAD: 1 revision (1 passed" in lines[3]
    assert "- 1 earlier revision (unchanged since HEAD) only applied with plain upgrades" in (
        run.out
    )
    (table,) = tables(parse(run.out))
    assert [row[0] for row in table[1:]] == ["s2 Add a note column"]
    # the pull request deletes s1, which databases have run: a problem of the history
    subprocess.run([*GIT, "add", "."], cwd=project, check=True, capture_output=True)
    subprocess.run([*GIT, "commit", "-qm", "s2"], cwd=project, check=True, capture_output=True)
    (versions / "s2_note.py").unlink()
    run = verify(str(project), "--format", "markdown", "--changed-since", "HEAD")
    assert run.code == 1, run.out + run.err
    assert run.out.splitlines()[1] == "### ⛔ migcheck: blocks deploy"
    assert "1 problem with the history" in run.out.splitlines()[3]
    problems = run.out.split("#### Problems\n\n", 1)[1].split("\n\n", 1)[0]
    assert problems.startswith("- ❌ ") and "s2" in problems


def test_hold_times_say_the_rows_they_were_measured_on(verify: Verify) -> None:
    run = verify(str(DEMO), "--format", "markdown", "--rows", "500")
    (table,) = tables(parse(run.out))
    by_id = {row[0].split()[0]: row for row in table[1:]}
    assert re.search(r"held (under 1|\d+) ms at 500 rows$", by_id["d2a7c4e8b935"][1])
    assert "in the test run" not in by_id["d2a7c4e8b935"][1]


def test_the_workload_under_load_is_in_the_performance_section(verify: Verify) -> None:
    data = ROOT / "fixtures" / "report" / "data"
    run = verify(str(data), "--format", "markdown", "--rows", "300", "--load", "--no-lint")
    section = run.out.split("#### Performance impact\n\n", 1)[1].split("\n#### ", 1)[0]
    assert "Workload latency while each upgrade ran (`--load`, measured):" in section
    lines = [line for line in section.splitlines() if "workload statements" in line]
    assert [line.split(":")[0] for line in lines] == ["- d2", "- d3", "- d4"]
    assert all(
        re.match(r"- d\d: worst \d+\.\d ms, p99 \d+\.\d ms over \d+ workload", line)
        for line in lines
    )
    tested = run.out.split("What this run did:\n\n", 1)[1].split("\n\n", 1)[0]
    assert "- 600 synthetic rows went into the tables before the revisions" in tested
    assert "- A workload of reads and updates by key ran during each first upgrade" in tested
    todo = run.out.split("Still to do:\n\n", 1)[1]
    assert (
        "- [ ] Lock hold times above were measured at the seeded sizes: pass --table-sizes" in todo
    )
    plain = verify(str(data), "--format", "markdown", "--rows", "300").out
    assert "--load" not in plain
    sizes = str(data / "table-sizes.json")
    projected = verify(str(data), "--format", "markdown", "--rows", "300", "--table-sizes", sizes)
    todo = projected.out.split("Still to do:\n\n", 1)[1]
    assert "- [ ] Lock hold times above were projected to production sizes (--table-sizes)" in todo
