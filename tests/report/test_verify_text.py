"""`migcheck verify` text output, grouped for people: by revision, then rule; fixes said once."""

from __future__ import annotations

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
