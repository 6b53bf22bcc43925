"""Generated revisions: zero `migcheck lint` findings, and `migcheck verify` passes (up/down/up)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tests.autogen.helpers import Shop

from migcheck.cli import cli

#: the stages whose revisions verify walks up, down and up again
STAGES = ["after", "extra", "rename", "narrow", "not_null_default", "rename_table", "enum_add"]


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


def test_migcheck_op_first_in_a_revision_passes_verify(shop: Shop) -> None:
    # a migcheck operation that opens its own transaction, alone in a revision: no MC403
    (shop.versions / "0002_drop_if_exists.py").write_text(
        "from alembic import op\n\n"
        "revision = '0002'\ndown_revision = '0001'\nbranch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.drop_constraint_if_exists('order_gone_check', 'order')\n\n\n"
        "def downgrade() -> None:\n"
        "    pass\n"
    )
    code, output = verify(shop, "base")
    assert code == 0, output
    assert "MC403" not in output and "2 passed, 0 failed" in output
