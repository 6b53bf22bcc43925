"""Generated revisions: zero `migcheck lint` findings, and `migcheck verify` passes (up/down/up)."""

from __future__ import annotations

from click.testing import CliRunner
from tests.autogen.helpers import Shop

from migcheck.cli import cli


def lint(shop: Shop) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "--alembic", str(shop.root)])
    return result.exit_code, result.output


def verify(shop: Shop) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["verify", str(shop.root), "-x", "stage=after", "--database-url", shop.db.url]
    )
    return result.exit_code, result.output


def test_generated_revisions_lint_clean(shop: Shop) -> None:
    shop.revision()
    shop.fill_in("0")
    code, output = lint(shop)
    assert code == 0, output
    assert "0 findings" in output


def test_generated_revisions_pass_verify(shop: Shop) -> None:
    shop.revision()
    shop.fill_in("0")
    code, output = verify(shop)
    assert code == 0, output
    assert "4 passed, 0 failed" in output and "0 drift" in output


def test_unfilled_placeholder_fails_verify(shop: Shop) -> None:
    shop.revision()
    code, output = verify(shop)
    assert code == 1, output
    assert "FILL_IN" in output
