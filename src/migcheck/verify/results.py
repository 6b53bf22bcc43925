"""What ``migcheck verify`` found: per revision a status and its problems, plus model drift.

Plain data, rendered by :mod:`migcheck.report.verify_text`, ``verify_json`` and
``verify_junit``. A revision's status is ``pass`` (every check held), ``fail`` (a check found a
problem in the revision) or ``error`` (the revision could not be checked, e.g. because an
ancestor does not upgrade).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migcheck import __version__
from migcheck.result import Coverage, Finding, Severity, Tool, Unchecked
from migcheck.verify.durations import LockHold
from migcheck.verify.load import LoadStats
from migcheck.verify.trace import TracedStatement

PASS = "pass"
FAIL = "fail"
ERROR = "error"

#: A found defect (fail) says more than "could not check" (error).
_RANK = {PASS: 0, ERROR: 1, FAIL: 2}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a revision.

    ``step`` is where it showed (``graph``, ``upgrade``, ``downgrade``, ``re-upgrade``,
    ``downgrade-to-base``); ``kind`` is a stable kebab-case identifier (see docs/verify.md);
    ``message`` is one readable line.
    """

    step: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class LintFinding:
    """A lint finding on what a step really ran (``step``: ``upgrade`` or ``downgrade``)."""

    step: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class DataLoss:
    """Seeded data an upgrade dropped or converted lossily (``--rows``): a data-loss risk.

    ``kind`` is the checksum's (``table dropped``, ``rows lost``, ``column dropped``, ``values
    lost``, ``values changed``); ``rows`` the rows (or non-null values) affected: for ``values
    changed``, the non-null values of the column, of which at least one changed.
    """

    table: str
    column: str | None
    kind: str
    rows: int
    message: str


@dataclass
class RevisionResult:
    """The outcome for one revision."""

    revision: str
    path: str
    message: str = ""
    problems: list[Problem] = field(default_factory=list)
    status: str = PASS
    elapsed_ms: float = 0.0
    #: the statements of the first upgrade with the locks they really took (``--trace-locks``)
    locks: list[TracedStatement] = field(default_factory=list)
    #: lint findings on the statements its upgrade and downgrade sent
    findings: list[LintFinding] = field(default_factory=list)
    #: the steps whose statements were linted (``upgrade``, ``downgrade``)
    linted: list[str] = field(default_factory=list)
    #: why it was not linted, when its upgrade was not
    unlinted: str = ""
    #: what the trace settled or showed beyond problems (dropped guesses, locks held across)
    notes: list[str] = field(default_factory=list)
    #: seeded data its upgrade dropped or converted lossily (``--rows``, ``--data``)
    data_loss: list[DataLoss] = field(default_factory=list)
    #: each lock its first upgrade took on an existing table, with the measured hold time
    #: (and the projected one with ``--table-sizes``)
    holds: list[LockHold] = field(default_factory=list)
    #: what a workload on the tables saw while its first upgrade ran (``--load``)
    load: LoadStats | None = None

    def add(self, step: str, kind: str, message: str, *, status: str = FAIL) -> None:
        """Record a problem; the revision's status becomes the worst of its problems' statuses."""
        self.problems.append(Problem(step, kind, message))
        if _RANK[status] > _RANK[self.status]:
            self.status = status


@dataclass(frozen=True)
class Drift:
    """One difference between the models (``target_metadata``) and the database at head."""

    kind: str
    message: str


@dataclass
class VerifyResult:
    """Everything one ``migcheck verify`` run found."""

    revisions: list[RevisionResult] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    drift_checked: bool = False
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    backend: str = ""
    server_version: str = ""
    #: lint findings at or above this severity fail the run (None: findings never fail it)
    fail_on: Severity | None = None
    #: the walk linted the statements it ran (``--lint``)
    linting: bool = False
    #: synthetic rows inserted by ``--rows`` over the whole walk, and the seconds it took
    seeded_rows: int = 0
    seed_s: float = 0.0
    #: this run walked slice ``index`` (1-based) of ``count`` slices of the history (``--shard``)
    shard: tuple[int, int] | None = None
    #: --shard: a digest of the history and of the revisions chosen to walk, the same in every
    #: shard of one run ("" without --shard); ``migcheck report`` merges only equal ones
    shard_history: str = ""
    #: where the downgrade to base stopped short of base or of the revisions before the walked
    #: ones: the note saying so, or the problem of the downgrade that raised ("" otherwise)
    downgrade_stop: str = ""
    #: migcheck's version that produced the result (a loaded result keeps its producer's)
    version: str = __version__
    #: problems of the run that belong to no checked revision (a revision deleted since the ref)
    problems: list[Problem] = field(default_factory=list)
    #: revisions upgraded with plain upgrades only: neither walked nor reported (before --from,
    #: unchanged in pull-request mode, before a shard's slice)
    applied_only: list[str] = field(default_factory=list)
    #: pull-request mode: the git ref given to --changed-since and the commit it named
    changed_since: str | None = None
    changed_since_commit: str = ""
    #: the project's directory relative to the root of its git work tree ("" at the root or
    #: outside git); revision paths are relative to the project, so the formats whose paths
    #: must be the repository's (SARIF, GitLab, GitHub annotations) put this in front
    repository_dir: str = ""

    @property
    def tool(self) -> Tool:
        """What produced the result: migcheck's version and the server it ran on."""
        return Tool(self.version, self.backend, self.server_version)

    @property
    def ok(self) -> bool:
        """True when every revision passed, the models match and no finding reaches fail_on."""
        return (
            not self.drift
            and not self.problems
            and all(r.status == PASS for r in self.revisions)
            and not self.failing_findings
        )

    @property
    def failing_findings(self) -> int:
        """How many lint findings reach ``fail_on``."""
        if self.fail_on is None:
            return 0
        threshold = self.fail_on
        return sum(1 for r in self.revisions for f in r.findings if f.finding.severity >= threshold)

    @property
    def unchecked(self) -> list[RevisionResult]:
        """Revisions whose upgrade was not linted (empty when linting was off)."""
        if not self.linting:
            return []
        return [r for r in self.revisions if "upgrade" not in r.linted]

    @property
    def coverage(self) -> tuple[int, int]:
        """(revisions whose upgrade was linted, revisions) of this run."""
        return len(self.revisions) - len(self.unchecked), len(self.revisions)

    @property
    def coverage_detail(self) -> Coverage:
        """Revisions checked / walked, and each unchecked one with why.

        A revision is unchecked when its walk ended in ``error`` (it could not be checked) or,
        when the walk linted, when its upgrade was not linted.
        """
        unchecked: list[Unchecked] = []
        for revision in self.revisions:
            if revision.status == ERROR:
                first = revision.problems[0].message if revision.problems else "not checked"
                why = revision.unlinted or first
                unchecked.append(Unchecked(revision.revision, revision.path, why))
            elif self.linting and "upgrade" not in revision.linted:
                why = revision.unlinted or "its upgrade was not captured"
                unchecked.append(Unchecked(revision.revision, revision.path, f"not linted: {why}"))
        return Coverage(len(self.revisions), unchecked)

    @property
    def ms_per_revision(self) -> float:
        """Wall-clock milliseconds per checked revision for the whole run."""
        return 1000.0 * self.elapsed_s / max(1, len(self.revisions))
