"""The lock trace of a revision in words, shared by the verify text and JUnit reports."""

from __future__ import annotations

from migcheck.verify.results import RevisionResult


def _one_line(sql: str, width: int = 72) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def blocking_locks(revision: RevisionResult) -> list[tuple[str, str]]:
    """(statement, what it took) for statements that blocked writes to, or rewrote, a table.

    Only locks on relations that existed before the statement count: a table created in the
    same run is not in use yet.
    """
    lines: list[tuple[str, str]] = []
    for statement in revision.locks:
        strongest = statement.strongest
        if not statement.blocks_traffic or strongest is None:
            continue
        held = f"{strongest.label} on {strongest.relation} (blocks {strongest.blocks})"
        rewrite = f"; rewrites {', '.join(statement.rewritten)}" if statement.rewritten else ""
        lines.append((_one_line(statement.sql), f"takes {held}{rewrite}"))
    return lines
