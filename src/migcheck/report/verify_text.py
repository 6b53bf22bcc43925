"""``migcheck verify --format text``: what a person reads in a terminal or a CI log.

Grouped for people: per revision that needs attention its problems, then its findings by rule
(a long run of one rule cut to a few lines), then the locks its upgrade took on existing tables
(with data, ``--rows``/``--data``: how long each was held, measured, and projected with
``--table-sizes``), the seeded data its upgrade lost (data-loss risk) and what a workload saw
meanwhile (``--load``); at the end the drift, the notes, each rule's fix said once, the
findings per rule and per revision, the coverage and the summary line. Passing revisions (no
problem, no finding) are left out, their lock traces included, unless
``verbose`` (``-v``) asks for everything. The grouping is computed by
:mod:`migcheck.verify.review`.
"""

from __future__ import annotations

from migcheck.report.escape import printable
from migcheck.report.verify_locks import blocking_locks, blocking_statements, coverage_line
from migcheck.verify.durations import LockHold
from migcheck.verify.online import one_line
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.review import Review, RevisionReview, RuleGroup, build_review

_MARK = {"pass": "ok  ", "fail": "FAIL", "error": "ERR "}

#: findings of one rule in one revision shown without ``-v``
_SHOWN = 3
#: a rule's findings in one revision are cut above this many without ``-v``
_CUT_ABOVE = 5


def progress_line(revision: RevisionResult) -> str:
    """One line for one finished revision (printed to stderr while the walk runs)."""
    title = f" {revision.message}" if revision.message else ""
    mark = _MARK.get(revision.status, "?   ")
    return printable(f"{mark} {revision.revision}{title} ({revision.elapsed_ms:.0f} ms)")


def _group(group: RuleGroup, verbose: bool) -> list[str]:
    """A rule's findings in a revision: one line when alone, else a header and one line each."""
    count = len(group.occurrences)
    label = f"{group.rule} {group.severity.label}"
    if count == 1:
        occurrence = group.occurrences[0]
        where = f"{occurrence.path}:{occurrence.line}:{occurrence.column}"
        lines = [f"  {occurrence.step}: {where} {label}: {occurrence.message}"]
        if not group.fix and occurrence.fix:
            lines.append(f"    fix: {occurrence.fix}")
        return lines
    lines = [f"  {label} ({count} findings):"]
    cut = not verbose and count > _CUT_ABOVE
    for occurrence in group.occurrences[:_SHOWN] if cut else group.occurrences:
        where = f"{occurrence.path}:{occurrence.line}:{occurrence.column}"
        lines.append(f"    {occurrence.step}: {where} {occurrence.message}")
        if not group.fix and occurrence.fix:
            lines.append(f"      fix: {occurrence.fix}")
    if cut:
        lines.append(f"    … and {count - _SHOWN} more like these (-v lists every one)")
    return lines


def _fixes(review: Review) -> list[str]:
    """Each rule's fix, said once for the whole report (fixes that differ per place are inline)."""
    if not review.fixes:
        return []
    return ["how to fix:", *(f"  {rule} {name}: {fix}" for rule, name, fix in review.fixes)]


def _revision(review: RevisionReview, result: RevisionResult, verbose: bool) -> list[str]:
    title = f" {review.message}" if review.message else ""
    tally = f", {review.findings} findings" if review.findings else ""
    lines = [f"{review.path}: {review.revision} {review.status}{title}{tally}"]
    for problem in result.problems:
        lines.append(f"  {problem.step}: {problem.message} [{problem.kind}]")
    for group in review.groups:
        lines.extend(_group(group, verbose))
    holds = {(h.relation, h.mode, h.line): h for h in result.holds if _measured(h)}
    locks = blocking_locks(result)
    if locks:
        lines.append("  locks observed on existing tables:")
        for (statement, taken), traced in zip(locks, blocking_statements(result), strict=True):
            lines.append(f"    {statement}")
            lines.append(f"        {taken}")
            strongest = traced.strongest
            assert strongest is not None
            hold = holds.pop((strongest.relation, strongest.label, traced.line), None)
            if hold is not None:
                lines.extend(f"        {line}" for line in _hold(hold))
    if holds:
        lines.append("  other locks held:")
        for hold in holds.values():
            lines.append(f"    {one_line(hold.statement)}")
            lines.append(f"        takes {hold.mode} on {hold.relation} (blocks {hold.blocks})")
            lines.extend(f"        {line}" for line in _hold(hold))
    if result.data_loss:
        lines.append("  data-loss risk (the upgrade, measured on the seeded rows):")
        lines.extend(f"    {loss.message}" for loss in result.data_loss)
    if result.load is not None:
        lines.append(f"  {result.load.describe()}")
    lines.extend(f"  note: {note}" for note in review.notes)
    return lines


def _measured(hold: LockHold) -> bool:
    """A hold measured on rows (``--rows``, ``--data``): on empty tables it says little."""
    return hold.rows is not None or hold.projection is not None


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def _hold(hold: LockHold) -> list[str]:
    """``held 4.23 s, measured at 1,000,000 rows …`` and, projected, a second line."""
    size = f" at {hold.rows:,} rows" if hold.rows is not None else ""
    lines = [
        f"held {_ms(hold.held_ms)}, measured{size} (the statement itself {_ms(hold.statement_ms)})"
    ]
    projected = hold.projection
    if projected is not None:
        lines.append(
            f"projected {_ms(projected.held_ms)} at {projected.rows:,} rows (--table-sizes; "
            f"{', '.join(projected.models)}; from {_ms(projected.measured_ms)} measured at "
            f"{projected.measured_rows:,} rows)"
        )
    return lines


def _wrapped(title: str, items: list[str]) -> list[str]:
    """``title: a, b, c`` broken between items at 100 columns, continued with an indent."""
    lines = [f"{title}:"]
    for index, item in enumerate(items):
        piece = f" {item}" + ("," if index < len(items) - 1 else "")
        if len(lines[-1]) + len(piece) > 100 and lines[-1].strip():
            lines.append(" ")
        lines[-1] += piece
    return lines


def _tallies(review: Review) -> list[str]:
    if not review.findings:
        return []
    rules = [f"{rule} {n}" for rule, _, n in review.rule_tallies]
    revisions = [f"{r.revision} {r.findings}" for r in review.revisions if r.findings]
    return _wrapped("findings per rule", rules) + _wrapped("findings per revision", revisions)


def render(result: VerifyResult, *, verbose: bool = False) -> str:
    """The whole report: revisions that need attention (all with ``verbose``), then totals."""
    review = build_review(result)
    lines: list[str] = []
    for item, revision in zip(review.revisions, result.revisions, strict=True):
        if item.passing and not verbose:
            continue
        lines.extend(_revision(item, revision, verbose))
    lines.extend(
        f"{problem.step}: {problem.message} [{problem.kind}]" for problem in result.problems
    )
    if result.drift:
        lines.append("models differ from the database at head:")
        lines.extend(f"  {item.message} [{item.kind}]" for item in result.drift)
    lines.extend(f"note: {note}" for note in result.notes)
    lines.extend(_fixes(review))
    lines.extend(_tallies(review))
    if result.seeded_rows:
        lines.append(
            f"data: {result.seeded_rows:,} synthetic rows seeded in {result.seed_s:.1f} s "
            "(--rows); the hold times and data-loss risk above are measured on them"
        )
    lines.append(coverage_line(result))
    drift = f", {len(result.drift)} drift" if result.drift_checked else ""
    drift += f", {review.findings} lint findings" if result.linting else ""
    if result.failing_findings and result.fail_on is not None:
        drift += f" ({result.failing_findings} at or above --fail-on {result.fail_on.label})"
    lines.append(
        f"{'ok' if result.ok else 'FAILED'}: {len(result.revisions)} revisions, "
        f"{review.passed} passed, {review.failed} failed, {review.errors} not checked{drift} "
        f"in {result.elapsed_s:.1f} s ({result.ms_per_revision:.0f} ms/revision, "
        f"{result.backend} PostgreSQL {result.server_version})"
    )
    return printable("\n".join(lines)) + "\n"
