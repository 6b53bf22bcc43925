"""``migcheck doctor``: prove a throwaway PostgreSQL can run here, and how fast."""

from __future__ import annotations

import time

import click

from migcheck.cli.options import server_options


@click.command()
@server_options
def doctor(pg_backend: str, pg_version: int | None, database_url: str | None) -> None:
    """Start a throwaway PostgreSQL, run a query, report timings, and stop it."""
    from migcheck.pg import start_server

    started = time.perf_counter()
    with start_server(pg_backend, version=pg_version, database_url=database_url) as server:
        ready = time.perf_counter()
        database = server.create_database()
        created = time.perf_counter()
        import psycopg

        with psycopg.connect(database.conninfo) as connection:
            row = connection.execute("SELECT 1").fetchone()
        assert row == (1,)
        where = getattr(server, "install", None)
        click.echo(f"backend:         {server.backend}")
        if where is not None:
            click.echo(f"binaries:        {where.bindir} ({where.origin})")
        click.echo(f"server version:  {server.version}")
        click.echo(f"start time:      {(ready - started) * 1000:.0f} ms")
        click.echo(f"fresh database:  {(created - ready) * 1000:.1f} ms")
    click.echo("ok: a throwaway PostgreSQL works here")
