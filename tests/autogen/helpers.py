"""Helpers for the autogen tests: the fixture shop project on a fresh database, bare operations."""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from migcheck.config import Settings
from migcheck.pg import Database

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "autogen"


@dataclass
class Shop:
    """The fixture shop project, copied to a temp dir, on its own database."""

    root: Path
    db: Database

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def config(self, stage: str = "base", output: io.StringIO | None = None) -> Config:
        config = Config(str(self.root / "alembic.ini"), output_buffer=output, stdout=io.StringIO())
        config.set_main_option("sqlalchemy.url", self.db.url.replace("%", "%%"))
        config.cmd_opts = argparse.Namespace(x=[f"stage={stage}"])
        return config

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.db.conninfo, autocommit=True) as conn:
            cursor = conn.execute(query, params or None)
            return cursor.fetchall() if cursor.description else []

    def seed(self) -> None:
        self.sql(
            "INSERT INTO customer SELECT g, 'c' || g, 'c' || g || '@example.com'"
            " FROM generate_series(1, 50) g"
        )
        self.sql(
            'INSERT INTO "order" (id, customer_id, "weird name", total, code)'
            " SELECT g, g % 50 + 1, 'w' || g, g, g FROM generate_series(1, 2500) g"
        )

    def generated(self) -> list[Path]:
        return sorted(p for p in self.versions.glob("*.py") if p.name != "0001_base.py")

    def revision(self, message: str = "shop changes", stage: str = "after") -> list[Path]:
        result = command.revision(self.config(stage), message=message, autogenerate=True)
        scripts = result if isinstance(result, list) else [result]
        return [Path(s.path) for s in scripts if s is not None]

    def fill_in(self, value: str = "0") -> None:
        for path in self.generated():
            text = path.read_text()
            if "FILL_IN" in text:
                path.write_text(text.replace(": FILL_IN}", f": {value}}}"))

    def current(self) -> list[str]:
        return [row[0] for row in self.sql("SELECT version_num FROM alembic_version")]


@contextlib.contextmanager
def operations(db: Database, settings: Settings | None = None) -> Iterator[Operations]:
    """Alembic operations on ``db`` outside any migration, with optional migcheck settings."""
    engine = sa.create_engine(db.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            opts = {"migcheck_settings": settings} if settings else {}
            context = MigrationContext.configure(connection, opts=opts)
            connection.commit()
            yield Operations(context)
    finally:
        engine.dispose()
