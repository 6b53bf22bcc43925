"""`migcheck init`: the one env.py line, added through the ast, idempotent, refusing the unknown."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner

from migcheck.autogen.envpy import rewrite
from migcheck.cli import cli
from migcheck.errors import MigcheckError


def configure_calls(source: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
    ]


@pytest.mark.parametrize("template", ["generic", "async", "pyproject"])
def test_stock_templates_get_the_line_once(tmp_path: Path, template: str) -> None:
    config = Config(str(tmp_path / "alembic.ini"), toml_file=str(tmp_path / "pyproject.toml"))
    command.init(config, str(tmp_path / "migrations"), template=template)
    env = tmp_path / "migrations" / "env.py"
    original = env.read_text()

    once = rewrite(original)
    assert once.count("import migcheck.alembic\n") == 1
    calls = configure_calls(once)
    assert calls and all(
        any(kw.arg is None and "configure_kwargs" in ast.unparse(kw.value) for kw in c.keywords)
        for c in calls
    )
    assert rewrite(once) == once
    removed = [line for line in original.splitlines() if line not in once.splitlines()]
    assert all("context.configure" in line or "target_metadata" in line for line in removed)


def test_existing_hook_and_transaction_setting_move_inside() -> None:
    source = textwrap.dedent(
        """\
        from alembic import context

        def run():
            context.configure(
                connection=connection,
                process_revision_directives=my_hook,
                transaction_per_migration=False,
                target_metadata=target_metadata,
            )
        """
    )
    result = rewrite(source)
    assert (
        "**migcheck.alembic.configure_kwargs(process_revision_directives=my_hook, "
        "transaction_per_migration=False)," in result
    )
    assert result.count("transaction_per_migration") == 1
    assert "target_metadata=target_metadata," in result
    compile(result, "env.py", "exec")


def test_one_line_and_empty_calls() -> None:
    source = "from alembic import context\ncontext.configure(url=u)\ncontext.configure()\n"
    result = rewrite(source)
    assert "context.configure(url=u, **migcheck.alembic.configure_kwargs())" in result
    assert "context.configure(**migcheck.alembic.configure_kwargs())" in result
    assert result.startswith("from alembic import context\nimport migcheck.alembic\n")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def broken(:\n", "cannot parse"),
        ("from alembic import context\nprint('no configure here')\n", "no context.configure"),
    ],
)
def test_refuses_what_it_cannot_understand(source: str, message: str) -> None:
    with pytest.raises(MigcheckError, match=message):
        rewrite(source, "env.py")


def test_cli_shows_diff_writes_and_is_idempotent(tmp_path: Path) -> None:
    config = Config(str(tmp_path / "alembic.ini"))
    command.init(config, str(tmp_path / "migrations"))
    env = tmp_path / "migrations" / "env.py"
    runner = CliRunner()

    dry = runner.invoke(cli, ["init", "--dry-run", str(tmp_path)])
    assert dry.exit_code == 0 and "+import migcheck.alembic" in dry.output
    assert "migcheck" not in env.read_text()

    first = runner.invoke(cli, ["init", str(tmp_path / "alembic.ini")])
    assert first.exit_code == 0 and "set up for migcheck" in first.output
    assert "configure_kwargs" in env.read_text()

    again = runner.invoke(cli, ["init", str(env)])
    assert again.exit_code == 0 and "already set up" in again.output


def test_cli_error_is_one_line(tmp_path: Path) -> None:
    env = tmp_path / "env.py"
    env.write_text("x = (\n")
    result = CliRunner().invoke(cli, ["init", str(env)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "cannot parse" in result.output
