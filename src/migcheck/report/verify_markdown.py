"""``migcheck verify --format markdown``: the pull-request report, in the order a reviewer reads.

A hidden marker (``<!-- migcheck:report … -->``), a one-line verdict with counts and coverage,
one table row per revision (worst lock on an existing table, rewrites, data-loss risk, rollback
verified, findings), then the sections *Deploy plan*, *Data-loss risk*, *Performance impact*,
*Rollback verification*, *Other findings* and *Recommended testing*. Every number comes from
:class:`migcheck.verify.review.Review`; this module only renders it. Everything a project wrote
(messages, SQL, paths) goes through :mod:`migcheck.report.escape`.

The report stays under a budget (GitHub rejects comments over 65,536 characters): over it, the
details are collapsed first (no safe-version blocks, a few findings per rule), then the report
falls back to the verdict and the table with a pointer to the full report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from migcheck.report.escape import markdown_code, markdown_text, markdown_url
from migcheck.verify.load import LoadStats
from migcheck.verify.results import VerifyResult
from migcheck.verify.review import (
    Category,
    LockRow,
    Review,
    ReviewMarker,
    RevisionReview,
    RuleGroup,
    Verdict,
    build_review,
)

#: the default size budget, in characters (under GitHub's 65,536 for a comment, with room for
#: the comment command's own marker line)
DEFAULT_BUDGET = 65_000

#: findings listed per rule and revision once details are collapsed
_COLLAPSED_OCCURRENCES = 3

_ICON = {Verdict.SAFE: "✅", Verdict.REVIEW: "⚠️", Verdict.BLOCKS: "⛔"}
_ROLLBACK = {"verified": "✅ verified", "failed": "❌ failed", "not checked": "⚪ not checked"}

_POINTER = (
    "*This report was cut to fit: the full report is in the job summary and artifacts, or run "
    "`migcheck verify --format markdown` locally.*"
)


def _t(text: str) -> str:
    return markdown_text(text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _severities(counts: dict[str, int]) -> str:
    parts = [
        _plural(counts[label], label if label != "info" else "info finding")
        for label in ("error", "warning", "info")
        if counts.get(label)
    ]
    return ", ".join(parts)


def _headline(review: Review, marker: ReviewMarker | None = None) -> list[str]:
    checked, total = review.coverage
    facts = [
        f"{_plural(len(review.revisions), 'revision')} ({review.passed} passed, {review.failed} "
        f"failed, {review.errors} not checked)",
    ]
    if review.changed_since is not None:
        facts[0] = f"pull request since {_t(review.changed_since)}: " + facts[0]
    findings = _plural(review.findings, "finding")
    if review.findings:
        findings += f" ({_severities(review.severities)})"
    facts.append(findings)
    if review.drift_checked:
        facts.append(
            f"models differ in {_plural(len(review.drift), 'place')}"
            if review.drift
            else "models match the database"
        )
    facts.append(f"coverage: {checked} of {total} revisions checked")
    facts.append(_t(f"{review.backend} PostgreSQL {review.server_version}".strip()))
    reasons = "; ".join(_t(reason) for reason in review.reasons)
    return [
        (marker or review.marker).render(),
        f"### {_ICON[review.verdict]} migcheck: {review.verdict.value}",
        "",
        f"**{reasons}** · " + " · ".join(facts),
        "",
    ]


def _changes(review: Review) -> list[str]:
    if review.changes is None:
        return []
    if not review.changes:
        return ["Since the last report: nothing changed.", ""]
    return ["Since the last report: " + "; ".join(_t(line) for line in review.changes) + ".", ""]


def _lock_cell(row: LockRow | None) -> str:
    if row is None:
        return "none"
    if not row.mode:
        return "none (rewrite)"
    mode = f"**{_t(row.mode)}**" if row.strong else _t(row.mode)
    return f"{mode} on {_t(row.table)}: blocks {_t(row.blocks)}{_held(row)}"


def _held(row: LockRow) -> str:
    """`` (held 12 ms in the test run)`` when the result knows how long the lock was held."""
    if row.held_ms is None:
        return ""
    held = "under 1 ms" if row.held_ms < 1 else f"{row.held_ms:.0f} ms"
    where = f"at {row.rows:,} rows" if row.rows is not None else "in the test run"
    text = f", held {held} {where}"
    if row.projected is not None:
        text += f" (projected {_seconds(row.projected[0])} at {row.projected[1]:,} rows)"
    return text


def _seconds(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _data_loss_cell(revision: RevisionReview) -> str:
    if not revision.data_loss:
        return "none"
    steps = sorted({line.split(":", 1)[0] for line in revision.data_loss}, reverse=True)
    icon = "⚠️ " if "upgrade" in steps else ""
    return f"{icon}{_plural(len(revision.data_loss), 'finding')} ({', '.join(steps)})"


def _table(revisions: Iterable[RevisionReview]) -> list[str]:
    lines = [
        "| Revision | Worst lock on an existing table | Rewrites | Data-loss risk "
        "| Rollback (up → down → up) | Findings |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for revision in revisions:
        title = f"**{_t(revision.revision)}**"
        if revision.message:
            title += f" {_t(revision.message)}"
        if revision.status != "pass":
            title += f" ({_t(revision.status)})"
        findings = _severities(revision.severities) if revision.findings else "none"
        lines.append(
            f"| {title} | {_lock_cell(revision.worst_lock)} "
            f"| {', '.join(_t(t) for t in revision.rewrites) or 'none'} "
            f"| {_data_loss_cell(revision)} | {_ROLLBACK[revision.rollback]} | {findings} |"
        )
    return [*lines, ""]


def _deploy_plan(review: Review) -> list[str]:
    lines = ["#### Deploy plan", ""]
    for number, step in enumerate(review.deploy_plan, 1):
        revisions = ", ".join(_t(rev) for rev in step.revisions)
        lines.append(f"{number}. Run {_t(step.when)}: {revisions}")
    return [*lines, ""]


def _group(group: RuleGroup, collapsed: bool) -> list[str]:
    count = len(group.occurrences)
    lines = [
        f"**{_t(group.rule)} {_t(group.name)}** · {group.severity.label} · "
        f"{_plural(count, 'finding')}: {_t(group.title)}",
        "",
    ]
    shown = group.occurrences[:_COLLAPSED_OCCURRENCES] if collapsed else group.occurrences
    for occurrence in shown:
        where = _t(f"{occurrence.path}:{occurrence.line}")
        if occurrence.link:
            where = f"[{where}]({markdown_url(occurrence.link)})"
        source = f" {markdown_code(occurrence.source)}" if occurrence.source else ""
        line = f"- {occurrence.step}, {where}{source}: {_t(occurrence.message)}"
        if not group.fix and occurrence.fix:
            line += f" Fix: {_t(occurrence.fix)}"
        lines.append(line)
    if len(shown) < count:
        lines.append(f"- … and {count - len(shown)} more")
    lines.append("")
    if group.fix and group.first:
        lines += [f"Fix: {_t(group.fix)}", ""]
    elif group.fix:
        lines += [f"Fix: as for {_t(group.rule)} above.", ""]
    if group.safe_code and group.first and not collapsed:
        fence = "````" if "```" in group.safe_code else "```"
        lines += [
            "<details><summary>Safe version (Alembic)</summary>",
            "",
            f"{fence}python",
            group.safe_code,
            fence,
            "",
            "</details>",
            "",
        ]
    return lines


def _findings(review: Review, category: Category, collapsed: bool) -> list[str]:
    lines: list[str] = []
    for revision in review.revisions:
        groups = [g for g in revision.groups if g.category is category]
        if not groups:
            continue
        title = f" {_t(revision.message)}" if revision.message else ""
        lines += [f"##### {_t(revision.revision)}{title}", ""]
        for group in groups:
            lines += _group(group, collapsed)
    return lines


def _data_loss(review: Review, collapsed: bool) -> list[str]:
    lines = ["#### Data-loss risk", ""]
    measured = [
        f"- {_t(r.revision)} upgrade, measured on the seeded rows: {_t(message)}"
        for r in review.revisions
        for message in r.measured_loss
    ]
    found = _findings(review, Category.DATA_LOSS, collapsed)
    if not measured and not found:
        return [*lines, "No revision drops a table, a column or rows.", ""]
    return lines + ([*measured, ""] if measured else []) + found


def _performance(review: Review, collapsed: bool) -> list[str]:
    lines = ["#### Performance impact", ""]
    locked = [r for r in review.revisions if any(row.strong for row in r.locks)]
    for revision in locked:
        rows = [row for row in revision.locks if row.strong]
        for row in rows[:_COLLAPSED_OCCURRENCES] if collapsed else rows:
            tables = ", ".join(_t(t) for t in row.rewrites)
            rewrites = f"; rewrites {tables}" if row.rewrites else ""
            lock = f"takes {_t(row.mode)} on {_t(row.table)} (blocks {_t(row.blocks)}{_held(row)})"
            statement = row.statement if len(row.statement) <= 200 else row.statement[:199] + "…"
            lines.append(
                f"- {_t(revision.revision)} line {row.line}: {markdown_code(statement)} "
                f"{lock if row.mode else 'rewrites'}{rewrites}"
            )
    if locked:
        lines.append("")
    else:
        lines += ["No upgrade locked an existing table against writes or rewrote one.", ""]
    loaded = [r for r in review.revisions if r.load is not None]
    if loaded:
        lines += ["Workload latency while each upgrade ran (`--load`, measured):", ""]
        lines += [_load(r.revision, r.load) for r in loaded if r.load is not None]
        lines.append("")
    return lines + _findings(review, Category.PERFORMANCE, collapsed)


def _load(revision: str, load: LoadStats) -> str:
    return f"- {_t(revision)}: {load.figures(_t, markdown_code)}"


def _rollback(review: Review) -> list[str]:
    lines = ["#### Rollback verification", ""]
    verified = [r.revision for r in review.revisions if r.rollback == "verified"]
    if verified:
        lines.append(
            f"- ✅ {_plural(len(verified), 'revision')}: upgrade, downgrade and upgrade again "
            "left the same catalog."
        )
    for revision in review.revisions:
        if revision.rollback == "verified":
            continue
        lines.append(f"- {_ROLLBACK[revision.rollback]}: {_t(revision.revision)}")
        for problem in revision.rollback_problems:
            lines.append(f"  - {problem.step}: {_t(problem.message)} ({_t(problem.kind)})")
    return [*lines, ""]


def _problems(review: Review) -> list[str]:
    """Problems outside the round trip (the graph, an upgrade that fails), right after the table."""
    problems = [(r, p) for r in review.revisions for p in r.problems]
    if not problems and not review.problems:
        return []
    lines = ["#### Problems", ""]
    for problem in review.problems:
        lines.append(f"- ❌ {problem.step}: {_t(problem.message)} ({_t(problem.kind)})")
    for revision, problem in problems:
        message = f"{_t(problem.message)} ({_t(problem.kind)})"
        lines.append(f"- ❌ {_t(revision.revision)} {problem.step}: {message}")
    return [*lines, ""]


def _other(review: Review, collapsed: bool) -> list[str]:
    found = _findings(review, Category.OTHER, collapsed)
    lines = ["#### Other findings", "", *found] if found else []
    if review.drift:
        lines += ["#### Models differ from the database at head", ""]
        lines += [f"- {_t(item.message)} ({_t(item.kind)})" for item in review.drift]
        lines.append("")
    notes = review.notes + [f"not checked: {item}" for item in review.unchecked]
    notes += [f"{r.revision}: {note}" for r in review.revisions for note in r.notes]
    if notes:
        lines += ["#### Notes", "", *(f"- {_t(note)}" for note in notes), ""]
    return lines


def _testing(review: Review) -> list[str]:
    lines = ["#### Recommended testing", "", "What this run did:", ""]
    lines += [f"- {_t(line)}" for line in review.tested]
    lines += ["", "Still to do:", ""]
    lines += [f"- [ ] {_t(line)}" for line in review.todo]
    tallies = ", ".join(f"{_t(rule)}: {n}" for rule, _, n in review.rule_tallies)
    footer = f"Findings per rule: {tallies}. " if tallies else ""
    footer += f"Checked in {review.elapsed_s:.1f} s ({review.ms_per_revision:.0f} ms/revision)."
    return [*lines, "", f"<sub>{footer}</sub>", ""]


def _full(review: Review, collapsed: bool) -> str:
    lines = _headline(review) + _changes(review) + _table(review.revisions) + _problems(review)
    if len(review.deploy_plan) > 1:
        lines += _deploy_plan(review)
    lines += _data_loss(review, collapsed)
    lines += _performance(review, collapsed)
    lines += _rollback(review)
    lines += _other(review, collapsed)
    lines += _testing(review)
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(review: Review, budget: int) -> str:
    """The verdict, as many table rows as fit, and the pointer to the full report."""
    marker = review.marker
    if len(marker.render()) > budget // 4:
        marker = replace(marker, counts=None)  # the hash and totals still tell runs apart
    head = _headline(review, marker) + _changes(review)
    tail = ["", _POINTER, ""]
    rows = _table(review.revisions)
    text = "\n".join([*head, *rows, *tail])
    if len(text) <= budget:
        return text
    header, body = rows[:2], rows[2:-1]
    size = len("\n".join([*head, *header, *tail])) + 80
    kept: list[str] = []
    for row in body:
        if size + len(row) + 1 > budget:
            break
        kept.append(row)
        size += len(row) + 1
    more = f"| … {_plural(len(body) - len(kept), 'more revision')} | | | | | |"
    return "\n".join([*head, *header, *kept, more, *tail])


def render_review(review: Review, budget: int = DEFAULT_BUDGET) -> str:
    """The markdown report of ``review``, within ``budget`` characters.

    In full when it fits; else with details collapsed; else the verdict and the table (cut to
    the rows that fit) with a pointer to the full report.
    """
    for collapsed in (False, True):
        text = _full(review, collapsed)
        if len(text) <= budget:
            return text
    return _summary(review, budget)[:budget]


def render(
    result: VerifyResult,
    *,
    budget: int = DEFAULT_BUDGET,
    root: Path | None = None,
    link_base: str | None = None,
    prefix: str = "",
    previous: str | None = None,
) -> str:
    """The markdown report of ``result`` (see :func:`migcheck.verify.review.build_review`)."""
    review = build_review(result, root=root, link_base=link_base, prefix=prefix, previous=previous)
    return render_review(review, budget)
