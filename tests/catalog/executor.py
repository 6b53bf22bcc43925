"""The catalog code's executor over a plain psycopg connection, for tests."""

from __future__ import annotations

from typing import Any

import psycopg

from migcheck.catalog.snapshot import Executor


def executor(connection: psycopg.Connection[Any]) -> Executor:
    """Run a statement on ``connection`` and return its first row (None when it returns none)."""

    def execute(sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        cursor = connection.execute(sql, params)
        return cursor.fetchone() if cursor.description else None

    return execute
