"""Lint SQL scripts in order, in this process: parse each, build its facts, run the rules.

A large script goes through these steps a chunk of statements at a time
(:func:`migcheck.sql.parser.parse_chunks`), so its parse trees never all sit in memory.

The schema one script leaves behind is the prior schema of the next, so a table created in
``001.sql`` is known when ``002.sql`` alters it.
"""

from __future__ import annotations

from dataclasses import dataclass

from migcheck import speed
from migcheck.lint.engine import Engine
from migcheck.lint.schema import Schema
from migcheck.sql.extract import facts_of
from migcheck.sql.parser import parse_chunks


@dataclass(slots=True)
class Script:
    """One SQL file: the path shown in findings and its text."""

    path: str
    text: str


def lint_scripts(engine: Engine, scripts: list[Script], *, in_transaction: bool = False) -> int:
    """Check every script in order with ``engine``; the number of statements checked."""
    with speed.gc_paused():
        schema = Schema()
        count = 0
        for script in scripts:
            run = engine.start(schema=schema, in_transaction=in_transaction)
            for chunk in parse_chunks(script.text):
                statements = facts_of(chunk, script.path)
                engine.feed(run, statements)
                count += len(statements)
            schema = engine.finish(run)
        return count
