"""The lock trace of a revision in words, shared by the verify text and JUnit reports."""

from __future__ import annotations

from migcheck.verify.online import one_line as _one_line
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.trace import TracedStatement


def blocking_locks(revision: RevisionResult) -> list[tuple[str, str]]:
    """(statement, what it took) for statements that blocked writes to, or rewrote, a table.

    Only locks on relations that existed before the statement count: a table created in the
    same run is not in use yet.
    """
    lines: list[tuple[str, str]] = []
    for statement in blocking_statements(revision):
        strongest = statement.strongest
        assert strongest is not None
        via = f" (through {', '.join(strongest.indexes)})" if strongest.indexes else ""
        held = f"{strongest.label} on {strongest.relation}{via} (blocks {strongest.blocks})"
        rewrite = f"; rewrites {', '.join(statement.rewritten)}" if statement.rewritten else ""
        lines.append((_one_line(statement.sql), f"takes {held}{rewrite}"))
    return lines


def blocking_statements(revision: RevisionResult) -> list[TracedStatement]:
    """The statements of the upgrade that blocked writes to a table that existed before it."""
    return [s for s in revision.locks if s.blocks_traffic and s.strongest is not None]


def coverage_line(result: VerifyResult) -> str:
    """``coverage: 3 of 4 revisions checked; not checked: a9 (path): why``, always."""
    how = " (walked; upgrade and downgrade linted as run)" if result.linting else " (walked)"
    detail = result.coverage_detail
    line = f"coverage: {detail.checked} of {detail.revisions} revisions checked{how}"
    if detail.unchecked:
        line += "; not checked: " + "; ".join(str(u) for u in detail.unchecked)
    return line


def finding_lines(revision: RevisionResult) -> list[str]:
    """One line per lint finding: ``upgrade: path:line:col MC101 severity message``."""
    return [
        f"{item.step}: {f.location.path}:{f.location.line}:{f.location.column} {f.rule} "
        f"{f.severity.label}: {f.message}"
        for item in revision.findings
        for f in (item.finding,)
    ]
