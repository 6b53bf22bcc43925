"""``migcheck init PATH``: add migcheck's one line to an Alembic project's env.py."""

from __future__ import annotations

from pathlib import Path

import click

from migcheck.alembic_project.project import find_ini, working_directory
from migcheck.autogen.envpy import find_env_py, plan
from migcheck.errors import MigcheckError


@click.command("init")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Show the diff without writing env.py.")
def init(path: str, dry_run: bool) -> None:
    """Set up `alembic revision --autogenerate` to write zero-downtime migrations.

    PATH is an alembic.ini, the directory holding it, or an env.py. Every context.configure(...)
    call gets **migcheck.alembic.configure_kwargs(); the diff is shown. Running it again changes
    nothing.
    """
    target = Path(path)
    if target.is_file() and target.suffix == ".py":
        env_py = find_env_py(target)
    else:
        # a relative script_location is relative to where alembic runs: the ini's directory
        ini = find_ini(target)
        with working_directory(ini.parent):
            env_py = find_env_py(ini).resolve()
    edit = plan(env_py)
    if not edit.changed:
        click.echo(f"{env_py}: already set up for migcheck")
        return
    click.echo(edit.diff(), nl=False)
    if dry_run:
        click.echo(f"{env_py}: not written (--dry-run)")
        return
    try:
        env_py.write_text(edit.after, encoding="utf-8")
    except OSError as error:
        raise MigcheckError(f"{env_py}: cannot write: {error}") from None
    click.echo(f"{env_py}: set up for migcheck")
