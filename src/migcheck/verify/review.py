"""The reviewer's view of a verify run: everything the markdown and text reports print, computed.

:func:`build_review` turns a :class:`~migcheck.verify.results.VerifyResult` into a
:class:`Review`: a verdict (safe to deploy / needs review / blocks deploy), per revision the
worst lock its upgrade took on an existing table with what that blocks, the tables it rewrote,
its data-loss risk, whether its rollback (up → down → up) was verified, its findings grouped by
rule with the fix said once, and a deploy plan of expand/contract phases. The formats in
:mod:`migcheck.report` only render it.

The review also carries a :class:`ReviewMarker`: counts and a hash, hidden in the markdown
report as ``<!-- migcheck:report … -->`` (the shape of :mod:`migcheck.comment.body`'s marker), so
that a later run given the previous report says what changed since it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from migcheck.errors import MigcheckError
from migcheck.result import Severity
from migcheck.rules.registry import all_rules
from migcheck.verify.durations import transaction_tail
from migcheck.verify.load import LoadStats
from migcheck.verify.results import (
    ERROR,
    FAIL,
    Drift,
    LintFinding,
    Problem,
    RevisionResult,
    VerifyResult,
)
from migcheck.verify.trace import TracedStatement


class Verdict(enum.Enum):
    """The one-line answer to "can this be merged and deployed while serving traffic?"."""

    SAFE = "safe to deploy"
    REVIEW = "needs review"
    BLOCKS = "blocks deploy"

    @property
    def key(self) -> str:
        """A stable one-word name (``safe``, ``review``, ``blocks``) for markers."""
        return self.name.lower()


class Category(enum.Enum):
    """Which reviewer section a rule's findings belong to."""

    DATA_LOSS = "data-loss risk"
    PERFORMANCE = "performance impact"
    OTHER = "other findings"


#: the rule families (first digit of MCnxx): 1 locks and rewrites, 3 data loss
_CATEGORY = {"1": Category.PERFORMANCE, "3": Category.DATA_LOSS}

#: the phase names autogenerate gives chained revisions, ``add priority (expand)``
_PHASE = re.compile(r"\((expand|backfill|contract)\)\s*$")

#: problems after which the revision's downgrade and re-upgrade did not run
_NO_ROUND_TRIP = frozenset({"upgrade-failed", "not-checked"})

#: the steps whose problems mean the rollback (up → down → up) did not hold
_ROLLBACK_STEPS = frozenset({"downgrade", "re-upgrade", "downgrade-to-base"})


@dataclass(frozen=True, slots=True)
class LockRow:
    """A statement of an upgrade that locked an existing table (or rewrote one)."""

    mode: str
    table: str
    blocks: str
    #: SHARE or stronger: ordinary writes wait
    strong: bool
    statement: str
    line: int
    #: how long the lock was held as run: from the statement to the end of its transaction or
    #: the revision's last statement, whichever came first (None outside a transaction)
    held_ms: float | None
    rewrites: tuple[str, ...] = ()
    #: the lock's strength (0 when the statement only rewrote), to find the worst
    level: int = 0
    #: the table's rows when the hold was measured (``--rows``), None when not known
    rows: int | None = None
    #: the hold projected to production size (``--table-sizes``): (milliseconds, rows)
    projected: tuple[float, int] | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One finding of a rule in a revision: where, what, and the fix when it differs per place."""

    step: str
    path: str
    line: int
    column: int
    message: str
    fix: str
    #: the revision file's line there (the ``op.`` call), stripped; empty when unknown
    source: str
    #: a URL of that line (a GitHub blob at the head commit), when a link base is known
    link: str | None


@dataclass(slots=True)
class RuleGroup:
    """A rule's findings in one revision, the fix said once (``fix``) when it is the same."""

    rule: str
    name: str
    title: str
    severity: Severity
    category: Category
    occurrences: list[Occurrence]
    #: the rule's fix when it is the same everywhere in the run (empty when it differs between
    #: places: each occurrence says its own)
    fix: str
    #: the rule's safe version as Alembic code (from its documentation), empty when it has none
    safe_code: str
    #: the first group of this rule in the run (in revision order): where its fix is said
    first: bool = True


@dataclass(slots=True)
class RevisionReview:
    """What a reviewer needs about one revision."""

    revision: str
    message: str
    path: str
    status: str
    #: ``expand``, ``backfill`` or ``contract`` for a phase revision, else empty
    phase: str
    worst_lock: LockRow | None
    locks: list[LockRow]
    rewrites: list[str]
    #: the data-loss findings' messages, prefixed by the step (``downgrade: DROP TABLE …``), and
    #: the seeded data its upgrade lost (``upgrade: …``)
    data_loss: list[str]
    #: seeded data its upgrade dropped or converted lossily, as measured (``--rows``)
    measured_loss: list[str]
    #: ``verified``, ``failed`` or ``not checked``
    rollback: str
    #: problems of the rollback steps (with the schema-diff lines of not-restored objects)
    rollback_problems: list[Problem]
    #: problems of other steps (graph, upgrade)
    problems: list[Problem]
    groups: list[RuleGroup]
    findings: int
    severities: dict[str, int]
    notes: list[str]
    #: what a workload on the tables saw while its first upgrade ran (``--load``)
    load: LoadStats | None = None

    @property
    def passing(self) -> bool:
        """True when nothing about it needs a reader's attention."""
        return (
            self.status == "pass"
            and not self.problems
            and not self.rollback_problems
            and not self.findings
            and not self.notes
        )


@dataclass(frozen=True, slots=True)
class DeployStep:
    """One step of the deploy plan: when to run which revisions."""

    when: str
    revisions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewMarker:
    """The hidden summary of a report: verdict, counts, per revision and rule counts, a hash.

    Rendered as ``<!-- migcheck:report verdict=… revisions=… findings=… sha256=… counts=… -->``
    (``counts``: ``revision.RULE:n`` pairs, percent-encoded, or ``-`` when too many to carry).
    """

    verdict: str
    revisions: int
    failed: int
    findings: int
    digest: str
    counts: tuple[tuple[str, str, int], ...] | None

    def render(self) -> str:
        """The marker as an HTML comment (never contains ``--`` from user text or ``>``)."""
        if self.counts is None:
            counts = "-"
        else:
            counts = ",".join(f"{_quote(rev)}.{_quote(rule)}:{n}" for rev, rule, n in self.counts)
        return (
            f"<!-- migcheck:report verdict={self.verdict} revisions={self.revisions} "
            f"failed={self.failed} findings={self.findings} sha256={self.digest} "
            f"counts={counts} -->"
        )

    @classmethod
    def find(cls, text: str) -> ReviewMarker | None:
        """The marker in a previous report or comment body, or None."""
        match = _MARKER.search(text)
        if match is None:
            return None
        verdict, revisions, failed, findings, digest, counts = match.groups()
        parsed: tuple[tuple[str, str, int], ...] | None = None
        if counts != "-":
            items = []
            for item in filter(None, counts.split(",")):
                key, _, number = item.rpartition(":")
                rev, _, rule = key.partition(".")
                items.append((_unquote(rev), _unquote(rule), int(number)))
            parsed = tuple(items)
        return cls(verdict, int(revisions), int(failed), int(findings), digest, parsed)


_MARKER = re.compile(
    r"<!-- migcheck:report verdict=(\w+) revisions=(\d+) failed=(\d+) findings=(\d+) "
    r"sha256=([0-9a-f]+) counts=(-|[A-Za-z0-9%._:,~-]*) -->"
)
#: the longest ``counts`` a marker carries (a history of thousands of findings keeps its hash)
_MAX_COUNTS = 4000


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="").replace("-", "%2D").replace(".", "%2E")


def _unquote(text: str) -> str:
    return urllib.parse.unquote(text)


@dataclass(slots=True)
class Review:
    """The reviewer's view of one verify run (see the module docstring)."""

    verdict: Verdict
    #: why the verdict is what it is, one short phrase each
    reasons: list[str]
    revisions: list[RevisionReview]
    passed: int
    failed: int
    errors: int
    findings: int
    severities: dict[str, int]
    drift: list[Drift]
    drift_checked: bool
    linting: bool
    #: (revisions checked, revisions walked)
    coverage: tuple[int, int]
    #: each unchecked revision with why (``a9 (path): not linted: …``)
    unchecked: list[str]
    notes: list[str]
    backend: str
    server_version: str
    elapsed_s: float
    ms_per_revision: float
    #: (rule, name, findings) over the whole run, most first
    rule_tallies: list[tuple[str, str, int]]
    deploy_plan: list[DeployStep]
    #: what the run did, one sentence each
    tested: list[str]
    #: what the team should still do before deploying
    todo: list[str]
    marker: ReviewMarker
    #: (rule, name, fix) of each rule whose fix is the same at every place, said once
    fixes: list[tuple[str, str, str]]
    #: problems of the run that belong to no checked revision (a revision deleted since the ref)
    problems: list[Problem]
    #: revisions upgraded with plain upgrades only, neither walked nor reported
    applied_only: list[str]
    #: pull-request mode: the git ref given to --changed-since (None otherwise)
    changed_since: str | None
    #: what changed since the previous report (None: no previous report was given)
    changes: list[str] | None = None


def _safe_code(doc: str) -> str:
    """The first Python block of a rule's *Use instead* section (its Alembic version)."""
    _, _, use_instead = doc.partition("## Use instead")
    match = re.search(r"```python\n(.*?)```", use_instead, re.DOTALL)
    return match.group(1).rstrip() if match else ""


def _rules() -> dict[str, tuple[str, str]]:
    """Rule id -> (title, safe Alembic code)."""
    return {rule.id: (rule.title, _safe_code(rule.doc)) for rule in all_rules()}


class _Sources:
    """The lines of revision files, read once each, and the URL of a line."""

    def __init__(self, root: Path | None, link_base: str | None, prefix: str) -> None:
        self.root = root
        self.link_base = link_base.rstrip("/") if link_base else None
        self.prefix = prefix
        self._lines: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if self.root is None or number < 1:
            return ""
        if path not in self._lines:
            try:
                text = (self.root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._lines[path] = text.splitlines()
        lines = self._lines[path]
        return lines[number - 1].strip() if number <= len(lines) else ""

    def link(self, path: str, line: int) -> str | None:
        if self.link_base is None:
            return None
        relative = f"{self.prefix}/{path}" if self.prefix else path
        anchor = f"#L{line}" if line > 1 else ""
        return f"{self.link_base}/{urllib.parse.quote(relative)}{anchor}"


def link_base_from(option: str | None, environ: dict[str, str]) -> str | None:
    """The blob URL prefix of the head commit: ``--link-base`` or GitHub Actions' variables.

    ``--link-base`` must be an http(s) URL (a :class:`MigcheckError` names it otherwise);
    without it, ``GITHUB_SERVER_URL/GITHUB_REPOSITORY/blob/GITHUB_SHA`` when all three are set.
    """
    if option is not None:
        parsed = urllib.parse.urlsplit(option)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in option:
            raise MigcheckError(f"--link-base {option!r}: not an http(s) URL")
        return option.rstrip("/")
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    sha = environ.get("GITHUB_SHA", "")
    if server and repository and re.fullmatch(r"[0-9a-f]{7,64}", sha):
        return f"{server}/{repository}/blob/{sha}"
    return None


def repository_prefix(project: Path) -> str:
    """The project directory relative to the root of the git work tree holding it ("" at it)."""
    here = project.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            relative = here.relative_to(candidate).as_posix()
            return "" if relative == "." else relative
    return ""


def _held_ms(statements: list[TracedStatement], index: int) -> float | None:
    """Milliseconds from statement ``index`` to the end of its transaction within the revision."""
    if not statements[index].in_transaction:
        return None
    return sum(s.duration_ms for s in transaction_tail(statements, index))


def _locks(revision: RevisionResult) -> list[LockRow]:
    holds = {(h.relation, h.mode, h.line): h for h in revision.holds}
    rows = []
    for index, statement in enumerate(revision.locks):
        strongest = statement.strongest
        if strongest is None and not statement.rewritten:
            continue
        key = (strongest.relation, strongest.label, statement.line) if strongest else None
        hold = holds.get(key) if key else None
        held = hold.held_ms if hold is not None else _held_ms(revision.locks, index)
        projection = hold.projection if hold is not None else None
        rows.append(
            LockRow(
                mode=strongest.label if strongest else "",
                table=strongest.relation if strongest else statement.rewritten[0],
                blocks=strongest.blocks if strongest else "",
                strong=statement.blocks_traffic,
                statement=" ".join(statement.sql.split()),
                line=statement.line,
                held_ms=held,
                rewrites=tuple(statement.rewritten),
                level=int(strongest.mode) if strongest else 0,
                rows=hold.rows if hold is not None else None,
                projected=(projection.held_ms, projection.rows) if projection else None,
            )
        )
    return rows


def _worst(rows: list[LockRow]) -> LockRow | None:
    """The first of the strongest locks (a rewrite counts above its lock's level)."""
    return max(rows, key=lambda row: (row.level, bool(row.rewrites)), default=None)


def _groups(
    findings: list[LintFinding], rules: dict[str, tuple[str, str]], sources: _Sources
) -> list[RuleGroup]:
    by_rule: dict[str, RuleGroup] = {}
    for item in findings:
        finding = item.finding
        path, line = finding.location.path, finding.location.line
        title, safe = rules.get(finding.rule, (finding.name, ""))
        group = by_rule.get(finding.rule)
        if group is None:
            group = by_rule[finding.rule] = RuleGroup(
                rule=finding.rule,
                name=finding.name,
                title=title,
                severity=finding.severity,
                category=_CATEGORY.get(finding.rule[2:3], Category.OTHER),
                occurrences=[],
                fix="",
                safe_code=safe,
            )
        group.severity = max(group.severity, finding.severity)
        group.occurrences.append(
            Occurrence(
                step=item.step,
                path=path,
                line=line,
                column=finding.location.column,
                message=finding.message,
                fix=finding.fix,
                source=sources.line(path, line) if line > 1 else "",
                link=sources.link(path, line),
            )
        )
    return sorted(by_rule.values(), key=lambda g: (-g.severity, g.rule))


def _shared_fixes(revisions: list[RevisionReview]) -> list[tuple[str, str, str]]:
    """Set each group's ``fix`` where its rule's fix is the same in the whole run, and ``first``.

    Returns (rule, name, fix) of those shared fixes.
    """
    seen: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for review in revisions:
        for group in review.groups:
            names[group.rule] = group.name
            seen.setdefault(group.rule, set()).update(o.fix for o in group.occurrences)
    shared = {rule: next(iter(fixes)) for rule, fixes in seen.items() if len(fixes) == 1}
    said: set[str] = set()
    for review in revisions:
        for group in review.groups:
            group.fix = shared.get(group.rule, "")
            group.first = group.rule not in said
            said.add(group.rule)
    return [(rule, names[rule], fix) for rule, fix in sorted(shared.items()) if fix]


def _rollback(revision: RevisionResult, problems: list[Problem]) -> str:
    if problems:
        return "failed"
    if revision.status == ERROR or any(p.kind in _NO_ROUND_TRIP for p in revision.problems):
        return "not checked"
    return "verified"


def _revision(
    revision: RevisionResult, rules: dict[str, tuple[str, str]], sources: _Sources
) -> RevisionReview:
    locks = _locks(revision)
    rollback_problems = [p for p in revision.problems if p.step in _ROLLBACK_STEPS]
    groups = _groups(revision.findings, rules, sources)
    measured_loss = [loss.message for loss in revision.data_loss]
    data_loss = [f"upgrade: {message}" for message in measured_loss]
    data_loss += [
        f"{o.step}: {o.message}"
        for g in groups
        if g.category is Category.DATA_LOSS
        for o in g.occurrences
    ]
    phase = _PHASE.search(revision.message)
    severities = Counter(item.finding.severity.label for item in revision.findings)
    rewrites = list(dict.fromkeys(table for row in locks for table in row.rewrites))
    return RevisionReview(
        revision=revision.revision,
        message=revision.message,
        path=revision.path,
        status=revision.status,
        phase=phase.group(1) if phase else "",
        worst_lock=_worst(locks),
        locks=locks,
        rewrites=rewrites,
        data_loss=data_loss,
        measured_loss=measured_loss,
        rollback=_rollback(revision, rollback_problems),
        rollback_problems=rollback_problems,
        problems=[p for p in revision.problems if p.step not in _ROLLBACK_STEPS],
        groups=groups,
        findings=len(revision.findings),
        severities=dict(severities),
        notes=list(revision.notes),
        load=revision.load,
    )


def _upgrade_drops(review: RevisionReview) -> bool:
    if any(line.startswith("upgrade: ") for line in review.data_loss):
        return True
    return any(
        o.step == "upgrade"
        for g in review.groups
        if g.category is Category.DATA_LOSS
        for o in g.occurrences
    )


def _deploy_plan(revisions: list[RevisionReview]) -> list[DeployStep]:
    """Which revisions run before the application deploy and which after it."""
    before, between, after = [], [], []
    for review in revisions:
        if review.phase == "backfill":
            between.append(review.revision)
        elif review.phase == "contract" or _upgrade_drops(review):
            after.append(review.revision)
        else:
            before.append(review.revision)
    steps = [
        ("before the application deploy (expand: additive changes old code tolerates)", before),
        ("after the new application code is live (backfill)", between),
        ("once no running code uses what they remove (contract)", after),
    ]
    return [DeployStep(when, tuple(revs)) for when, revs in steps if revs]


def _verdict(result: VerifyResult, revisions: list[RevisionReview]) -> tuple[Verdict, list[str]]:
    blocks: list[str] = []
    if result.problems:
        count = len(result.problems)
        blocks.append(f"{count} problem{'s' * (count != 1)} with the history")
    failed = sum(1 for r in revisions if r.status == FAIL)
    errors = sum(1 for r in revisions if r.status == ERROR)
    if failed:
        blocks.append(f"{failed} revision{'s' * (failed != 1)} failed")
    if errors:
        blocks.append(f"{errors} revision{'s' * (errors != 1)} could not be checked")
    if result.drift:
        blocks.append("the models differ from the database at head")
    upgrade_errors = sum(
        1
        for r in revisions
        for g in r.groups
        for o in g.occurrences
        if o.step == "upgrade" and g.severity >= Severity.ERROR
    )
    if upgrade_errors:
        blocks.append(f"{upgrade_errors} error finding{'s' * (upgrade_errors != 1)} on upgrades")
    if result.failing_findings and result.fail_on is not None:
        count = result.failing_findings
        blocks.append(
            f"{count} finding{'s' * (count != 1)} at or above --fail-on {result.fail_on.label}"
        )
    if blocks:
        return Verdict.BLOCKS, blocks
    review: list[str] = []
    findings = sum(r.findings for r in revisions)
    if findings:
        review.append(f"{findings} finding{'s' * (findings != 1)}")
    locked = sum(1 for r in revisions if any(row.strong for row in r.locks))
    if locked:
        verb = "locks" if locked == 1 else "lock"
        review.append(f"{_count(locked, 'revision')} {verb} existing tables against writes")
    unchecked = len(result.coverage_detail.unchecked)
    if unchecked:
        review.append(f"{unchecked} revision{'s' * (unchecked != 1)} not checked or not linted")
    if review:
        return Verdict.REVIEW, review
    return Verdict.SAFE, ["every check held"]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _testing(result: VerifyResult, revisions: list[RevisionReview]) -> tuple[list[str], list[str]]:
    server = f"{result.backend} PostgreSQL {result.server_version}".strip()
    tested = [
        f"{_count(len(revisions), 'revision')}: each upgraded, downgraded and upgraded again on "
        f"a throwaway {server}, comparing the catalog after each step.",
    ]
    if result.applied_only:
        since = f" (unchanged since {result.changed_since})" if result.changed_since else ""
        tested.append(
            f"{_count(len(result.applied_only), 'earlier revision')}{since} only applied with "
            "plain upgrades, not walked."
        )
    if any(r.locks for r in revisions):
        tested.append("The locks every upgrade statement took were read from pg_locks as it ran.")
    if result.linting:
        checked, total = result.coverage
        tested.append(f"The statements really sent were linted ({checked}/{total} revisions).")
    if result.drift_checked:
        tested.append("The models were compared with the database at head.")
    if result.seeded_rows:
        tested.append(
            f"{result.seeded_rows:,} synthetic rows went into the tables before the revisions "
            "that found them empty (--rows): lock hold times, data-loss risk and the round "
            "trip's checksums were measured on them."
        )
    if any(r.load is not None for r in revisions):
        tested.append(
            "A workload of reads and updates by key ran during each first upgrade (--load); its "
            "latencies are under Performance impact."
        )
    todo = []
    if any(row.projected is not None for r in revisions for row in r.locks):
        todo.append(
            "Lock hold times above were projected to production sizes (--table-sizes) from "
            "the seeded rows: time the longest locking statements on a copy of production."
        )
    elif any(row.rows is not None for r in revisions for row in r.locks):
        todo.append(
            "Lock hold times above were measured at the seeded sizes: pass --table-sizes to "
            "project them to production, or time the locking statements on a copy of it."
        )
    elif any(r.locks for r in revisions):
        todo.append(
            "Lock hold times above were measured on the test database's rows: time the "
            "locking statements on a copy of production-sized tables."
        )
    if any(_upgrade_drops(r) for r in revisions):
        todo.append("Back up or archive what the upgrades marked as data-loss risk drop.")
    if any(r.data_loss and not _upgrade_drops(r) for r in revisions):
        todo.append(
            "Before rolling back in production, back up what the downgrades marked as data-loss "
            "risk drop: a downgrade deletes the data written since the upgrade."
        )
    if any(r.phase for r in revisions) or any(_upgrade_drops(r) for r in revisions):
        todo.append("Deploy in the order of the deploy plan; check each phase in staging first.")
    todo.append(
        "Run the application's test suite against the database at head, and set "
        "lock_timeout for the deploy."
    )
    return tested, todo


def _marker(verdict: Verdict, revisions: list[RevisionReview], failed: int) -> ReviewMarker:
    counts = tuple((r.revision, g.rule, len(g.occurrences)) for r in revisions for g in r.groups)
    problems = tuple((r.revision, p.kind) for r in revisions for p in r.problems)
    digest_source = repr((verdict.key, counts, problems, [r.status for r in revisions]))
    digest = hashlib.sha256(digest_source.encode("utf-8")).hexdigest()[:32]
    rendered = ",".join(f"{_quote(a)}.{_quote(b)}:{n}" for a, b, n in counts)
    return ReviewMarker(
        verdict=verdict.key,
        revisions=len(revisions),
        failed=failed,
        findings=sum(r.findings for r in revisions),
        digest=digest,
        counts=counts if len(rendered) <= _MAX_COUNTS else None,
    )


def _changes(previous: ReviewMarker, current: ReviewMarker) -> list[str]:
    """What changed between two reports, one phrase each (empty: the same)."""
    if previous.digest == current.digest:
        return []
    lines = []
    if previous.verdict != current.verdict:
        lines.append(f"verdict was {previous.verdict}, now {current.verdict}")
    if previous.counts is None or current.counts is None:
        delta = current.findings - previous.findings
        lines.append(f"findings {previous.findings} → {current.findings} ({delta:+d})")
        return lines
    before = {(rev, rule): n for rev, rule, n in previous.counts}
    after = {(rev, rule): n for rev, rule, n in current.counts}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, 0), after.get(key, 0)
        if new > old:
            lines.append(f"new: {key[1]} in {key[0]} (+{new - old})")
        elif old > new:
            lines.append(f"fixed: {key[1]} in {key[0]} (-{old - new})")
    if previous.failed != current.failed:
        lines.append(f"failed revisions {previous.failed} → {current.failed}")
    return lines or ["the checks changed, not the findings"]


def build_review(
    result: VerifyResult,
    *,
    root: Path | None = None,
    link_base: str | None = None,
    prefix: str = "",
    previous: str | None = None,
) -> Review:
    """The reviewer's view of ``result``.

    ``root`` is the project directory (revision paths are relative to it; its files give the
    ``op.`` line of each finding); ``link_base`` and ``prefix`` (the project directory in the
    repository) make each finding's link; ``previous`` is an earlier report's text whose marker
    the changes are counted against.
    """
    rules = _rules()
    sources = _Sources(root, link_base, prefix)
    revisions = [_revision(revision, rules, sources) for revision in result.revisions]
    fixes = _shared_fixes(revisions)
    verdict, reasons = _verdict(result, revisions)
    severities: Counter[str] = Counter()
    tallies: Counter[tuple[str, str]] = Counter()
    for review in revisions:
        severities.update(review.severities)
        for group in review.groups:
            tallies[(group.rule, group.name)] += len(group.occurrences)
    failed = sum(1 for r in revisions if r.status == FAIL)
    tested, todo = _testing(result, revisions)
    marker = _marker(verdict, revisions, failed)
    coverage = result.coverage_detail
    changes = None
    if previous is not None:
        old = ReviewMarker.find(previous)
        changes = ["the previous report has no migcheck marker"] if old is None else []
        if old is not None:
            changes = _changes(old, marker)
    return Review(
        verdict=verdict,
        reasons=reasons,
        revisions=revisions,
        passed=sum(1 for r in revisions if r.status == "pass"),
        failed=failed,
        errors=sum(1 for r in revisions if r.status == ERROR),
        findings=sum(r.findings for r in revisions),
        severities=dict(severities),
        drift=list(result.drift),
        drift_checked=result.drift_checked,
        linting=result.linting,
        coverage=(coverage.checked, coverage.revisions),
        unchecked=[str(item) for item in coverage.unchecked],
        notes=list(result.notes),
        backend=result.backend,
        server_version=result.server_version,
        elapsed_s=result.elapsed_s,
        ms_per_revision=result.ms_per_revision,
        rule_tallies=[
            (rule, name, n)
            for (rule, name), n in sorted(tallies.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        deploy_plan=_deploy_plan(revisions),
        tested=tested,
        todo=todo,
        fixes=fixes,
        problems=list(result.problems),
        applied_only=list(result.applied_only),
        changed_since=result.changed_since,
        marker=marker,
        changes=changes,
    )
