"""`migcheck verify` text output, grouped for people: by revision, then rule; fixes said once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcheck.cli import cli
from migcheck.pg import Server

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
NOISY = ROOT / "fixtures" / "report" / "noisy"
MC111_FIX = "MC111 missing-lock-timeout: Run SET lock_timeout = '2s' first"


@pytest.fixture(scope="module")
def url(pg_server: Server) -> str:
    return pg_server.endpoint.url(pg_server.maintenance_db)


def text(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["verify", *args], env={"MIGCHECK_DATABASE_URL": url})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo(url: str) -> str:
    return text(url, str(DEMO))


def revision_blocks(out: str) -> dict[str, list[str]]:
    """Revision id -> the lines printed under it."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        match = re.match(r"migrations/versions/\S+\.py: (\w+) ", line)
        if match:
            current = blocks.setdefault(match.group(1), [])
        elif line.startswith("  ") and current is not None:
            current.append(line)
        else:
            current = None
    return blocks


def test_findings_are_grouped_by_revision_then_rule(demo: str) -> None:
    blocks = revision_blocks(demo)
    assert list(blocks)[:2] == ["3c1f0a9d2b71", "5e8d2c4a7f10"]
    orders = blocks["7a2b9e6c1d34"]
    assert "  MC120 warning (3 findings):" in orders
    header = orders.index("  MC120 warning (3 findings):")
    assert all(line.startswith("    upgrade: ") for line in orders[header + 1 : header + 6 : 2])
    # one finding of a rule stays on one line, as before
    assert any(
        line.startswith("  upgrade: migrations/versions/9b4e1f7a3c58_index_order_customer.py:18:5 ")
        and " MC101 error: CREATE INDEX ix_order_customer_id" in line
        for line in blocks["9b4e1f7a3c58"]
    )


def test_a_fix_shared_by_every_finding_is_said_once(demo: str) -> None:
    assert demo.count("Run SET lock_timeout = '2s' first") == 1
    fixes = demo.split("how to fix:\n", 1)[1].splitlines()
    assert any(line.startswith(f"  {MC111_FIX}") for line in fixes)
    # fixes that name the place are said where they apply
    fix = 'fix: CREATE INDEX (CONCURRENTLY on a populated table) ON "order" (customer_id).'
    assert f"      {fix}" in demo.splitlines()
    assert "MC120 foreign-key-without-index:" not in demo


def test_tallies_per_rule_and_per_revision_end_the_report(demo: str) -> None:
    lines = demo.splitlines()
    per_rule = next(i for i, line in enumerate(lines) if line.startswith("findings per rule:"))
    rules = " ".join(lines[per_rule : per_rule + 2])
    assert "MC111 14," in rules and "MC118 1" in rules
    per_revision = next(i for i, x in enumerate(lines) if x.startswith("findings per revision"))
    assert "3c1f0a9d2b71 3," in lines[per_revision]
    assert all(len(line) <= 100 for line in lines[per_rule:per_revision])
    assert lines[-1].startswith("FAILED: 10 revisions, 9 passed, 1 failed")


def test_passing_revisions_and_their_locks_only_with_verbose(url: str, demo: str) -> None:
    # f1c6e3a9d482 builds its index concurrently: it passes without a finding
    assert "f1c6e3a9d482" not in demo
    verbose = text(url, str(DEMO), "-v")
    assert "f1c6e3a9d482" in revision_blocks(verbose)
    assert len(revision_blocks(verbose)) == 10


def test_thousands_of_near_identical_findings_collapse(url: str) -> None:
    out = text(url, str(NOISY))
    lines = out.splitlines()
    assert len(lines) < 80
    assert lines.count("    … and 697 more like these (-v lists every one)") == 3
    assert "findings per rule: MC302 2100," in out
    verbose = text(url, str(NOISY), "--verbose")
    assert len(verbose.splitlines()) > 2100
    assert "more like these" not in verbose


# -- with rows in the tables: lock hold times, data-loss risk, the workload ------------------------
DATA = ROOT / "fixtures" / "report" / "data"
SNAPSHOT = Path(__file__).with_name("snapshots") / "verify_text_rows.txt"
#: a time the run measured (``0.7 ms``, ``4.02 s``) and the run's own timing on the last line
_TIME = re.compile(r"\b\d[\d,]*\.\d+ (ms|s)\b")
_RUN = re.compile(r" in <t> \(\d+ ms/revision, .*\)$", re.MULTILINE)


def normalized(out: str) -> str:
    """``out`` with every measured time as ``<t>``: what stays is what the report says."""
    return _RUN.sub(" in <t> (<n> ms/revision, <server>)", _TIME.sub("<t>", out))


def test_with_rows_holds_and_data_loss_per_revision_match_the_snapshot(url: str) -> None:
    """Measured hold times, projected ones (--table-sizes) and the data the upgrades lost.

    Rewrite the snapshot with ``MIGCHECK_UPDATE_SNAPSHOTS=1`` after a deliberate change.
    """
    sizes = str(DATA / "table-sizes.json")
    out = text(url, str(DATA), "--rows", "300", "--table-sizes", sizes, "--no-lint", "-v")
    current = normalized(out)
    if os.environ.get("MIGCHECK_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8")
    # the figures the snapshot hides are real measurements
    held = re.search(r"held (\d+\.\d) ms, measured at 300 rows", out)
    assert held is not None and float(held.group(1)) > 0


def test_data_loss_is_in_the_default_report(url: str) -> None:
    out = text(url, str(DATA), "--rows", "300", "--no-lint")
    blocks = revision_blocks(out)
    assert "d2" not in blocks  # its index build held a lock, but nothing is wrong with it
    assert "    customers.legacy: 271 non-null values lost (column dropped)" in blocks["d3"]
    assert not any("projected" in line for line in blocks["d3"])  # no --table-sizes


def test_without_rows_no_hold_time_is_printed(url: str) -> None:
    """Hold times measured on empty tables say nothing about production: left out."""
    out = text(url, str(DATA), "--no-lint", "-v")
    assert "takes SHARE on orders (blocks all writes (INSERT, UPDATE, DELETE))" in out
    assert " held " not in out and "data-loss risk" not in out


def test_the_workload_under_load_is_one_line_per_revision(url: str) -> None:
    out = text(url, str(DATA), "--rows", "300", "--no-lint", "-v", "--load")
    blocks = revision_blocks(out)
    assert not any("under load" in line for line in blocks["d1"])  # no table existed before it
    for revision in ("d2", "d3", "d4"):
        [line] = [line for line in blocks[revision] if "under load" in line]
        assert re.match(r"  under load: worst \d+\.\d ms, p99 \d+\.\d ms over \d+ workload", line)


def test_a_run_failed_by_findings_alone_says_so_on_the_summary_line(url: str) -> None:
    """Every revision passed: the summary line says which findings failed the run."""
    safe = ROOT / "fixtures" / "demo_safe"
    last = text(url, str(safe)).splitlines()[-1]
    assert last.startswith("FAILED: 14 revisions, 14 passed, 0 failed"), last
    assert re.search(r" lint findings \(\d+ at or above --fail-on warning\) in ", last), last
    last = text(url, str(safe), "--fail-on", "never").splitlines()[-1]
    assert last.startswith("ok: 14 revisions") and "--fail-on" not in last
