"""Generated revisions: zero `migcheck lint` findings, and `migcheck verify` passes (up/down/up)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tests.autogen.helpers import Shop

from migcheck.cli import cli

#: not ``rename_table`` (verify's online lint reports the rename behind a view as a BEGIN inside
#: Alembic's transaction, MC403, and the renamed table's lock as unexpected) nor ``enum_add``
#: (its downgrade keeps the value on purpose, which verify reports as not restored)
STAGES = ["after", "extra", "rename", "narrow", "not_null_default"]


def lint(shop: Shop) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(shop.root)])
    return result.exit_code, result.output


def verify(shop: Shop, stage: str) -> tuple[int, str]:
    # up/down/up and drift decide here: the hand-written base revision's downgrade drops tables
    # (lint warnings), which verify's default fail-on (warning) would count
    args = ["verify", str(shop.root), "-x", f"stage={stage}", "--fail-on", "never"]
    result = CliRunner().invoke(cli, [*args, "--database-url", shop.db.url])
    return result.exit_code, result.output


@pytest.mark.parametrize("stage", STAGES)
def test_generated_revisions_lint_clean(shop: Shop, stage: str) -> None:
    shop.revision(stage=stage)
    shop.fill_in("0")
    code, output = lint(shop)
    assert code == 0, output
    assert "0 findings" in output


@pytest.mark.parametrize("stage", STAGES)
def test_generated_revisions_pass_verify(shop: Shop, stage: str) -> None:
    revisions = len(shop.revision(stage=stage)) + 1
    shop.fill_in("0")
    code, output = verify(shop, stage)
    assert code == 0, output
    assert f"{revisions} passed, 0 failed" in output and "0 drift" in output


def test_unfilled_placeholder_fails_verify(shop: Shop) -> None:
    shop.revision()
    code, output = verify(shop, "after")
    assert code == 1, output
    assert "FILL_IN" in output
