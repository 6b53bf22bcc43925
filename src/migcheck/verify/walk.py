"""The walk: every revision up → down → up on a throwaway database, compared by snapshot.

For each revision R, in topological order: upgrade to R and snapshot (A); downgrade R and
compare with the snapshot taken before R; upgrade R again and compare with A. Each comparison
that fails becomes one problem per difference. When a step raises, or leaves the database in a
state the next revision should not inherit, the database is rebuilt at the right revision —
cloned from the latest checkpoint (a template database taken every few revisions once a first
rebuild was needed; an empty database before that) and brought forward with plain upgrades — so
one run reports every broken revision. At the end the models
are compared with the database (drift) and everything is downgraded to base.

A downgrade that raises on purpose (see :func:`migcheck.verify.revisions.is_declared_floor`) is
a declared floor: reported, never a crash; the final downgrade stops there.

Which revisions are walked: those from ``--from``, only the ones added or changed since a git
ref in pull-request mode (:mod:`migcheck.verify.history`), only one slice with ``--shard``
(:mod:`migcheck.verify.shard`). Every other revision is applied with a plain upgrade (no
snapshot, not reported), except after the slice of a shard before the last, where the run stops;
``--skip`` revisions are applied and reported as skipped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from alembic.script import Script

from migcheck.alembic_project import compat
from migcheck.alembic_project.project import Project
from migcheck.catalog.diff import describe_all
from migcheck.catalog.snapshot import Snapshot
from migcheck.config import Settings
from migcheck.errors import MigcheckError
from migcheck.pg import Database, Server
from migcheck.result import Severity
from migcheck.verify import revisions as facts
from migcheck.verify import shard
from migcheck.verify.baseline import Baseline
from migcheck.verify.data_pass import DataOptions, DataPass
from migcheck.verify.drift import check_drift
from migcheck.verify.durations import lock_holds
from migcheck.verify.history import History, analyse
from migcheck.verify.online import OnlineLint, Outcome, one_line
from migcheck.verify.results import (
    ERROR,
    FAIL,
    PASS,
    Drift,
    LintFinding,
    Problem,
    RevisionResult,
    VerifyResult,
)
from migcheck.verify.session import (
    LOCK_TIMEOUT_MS,
    AlembicSession,
    EnvRunner,
    StepCapture,
    StepFailed,
)

#: Revisions between two checkpoint databases (the most a rebuild ever replays).
CHECKPOINT_EVERY = 25


@dataclass
class VerifyOptions:
    """How to walk: where to start, what to tolerate, how env.py finds the database."""

    start: str | None = None
    allow_multiple_heads: bool = False
    allow_floor: bool = False
    url_env: Sequence[str] = ("DATABASE_URL",)
    checkpoint_every: int = CHECKPOINT_EVERY
    full_snapshots: bool = False  # render everything in every snapshot (no event triggers)
    trace_locks: bool = True  # record the locks each statement of the first upgrade takes
    lint: bool = True  # lint the statements each upgrade and downgrade really sent
    settings: Settings = field(default_factory=Settings)  # the lint rules and severities
    fail_on: Severity | None = None  # lint findings at this severity or above fail the run
    lock_timeout_ms: int = LOCK_TIMEOUT_MS  # given to the migrations' session unless it has one
    changed_since: str | None = None  # pull-request mode: walk only what changed since this ref
    shard: tuple[int, int] | None = None  # walk the I-th of N slices of the order
    skip: Sequence[str] = ()  # revisions applied but not round-tripped (--skip)
    baseline: Baseline | None = None  # the schema to start from, stamped at its revision
    data: DataOptions = field(default_factory=DataOptions)  # --rows, --data, --seed-data


@dataclass
class _Checkpoint:
    database: Database | None  # None: the empty database (rebuild from template0)
    applied: int  # how many revisions of the walk's applied list it holds


@dataclass
class _Walk:
    project: Project
    server: Server
    options: VerifyOptions
    progress: Callable[[RevisionResult], None] | None
    runner: EnvRunner = field(default_factory=EnvRunner)  # runs env.py on the main thread
    result: VerifyResult = field(default_factory=VerifyResult)
    work: Database | None = None
    session: AlembicSession | None = None
    applied: list[str] = field(default_factory=list)
    checkpoint: _Checkpoint = field(default_factory=lambda: _Checkpoint(None, 0))
    # the schema the walk expects the database to have now; None after plain upgrades, until a
    # walked revision needs it (targeted snapshots render all that changed since the last one)
    state: Snapshot | None = None
    base: Snapshot | None = None
    blocked: dict[str, str] = field(default_factory=dict)  # revision -> why it cannot apply
    floors: set[str] = field(default_factory=set)
    broken_downgrades: set[str] = field(default_factory=set)
    results: dict[str, RevisionResult] = field(default_factory=dict)
    rebuilt: bool = False  # checkpoints are only worth their cost once a rebuild happened
    linter: OnlineLint | None = None
    never_committed: bool = False  # env.py left a step's work in a transaction it never commits
    history: History | None = None  # pull-request mode: what changed since the ref
    skipped: set[str] = field(default_factory=set)
    stop: int | None = None  # a shard before the last: how many revisions of the order to run
    chosen: list[str] = field(default_factory=list)  # the revisions to walk, before --shard
    elsewhere: set[str] = field(default_factory=set)  # --shard: the other slices' revisions
    covered: set[str] = field(default_factory=set)  # revisions the baseline schema already holds
    data: DataPass | None = None  # the data hooks, when rows go into the tables

    # -- databases and sessions ------------------------------------------------------------
    def open(self) -> AlembicSession:
        if self.session is not None and self.session.alive:
            return self.session
        self.close_session()
        assert self.work is not None
        session = AlembicSession(
            self.project,
            self.work.url,
            self.work.name,
            url_env=self.options.url_env,
            runner=self.runner,
            incremental=not self.options.full_snapshots,
            lock_timeout_ms=self.options.lock_timeout_ms,
        )
        session.start()
        self.session = session
        return session

    def close_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            with contextlib.suppress(StepFailed):
                session.close()
            # known once env.py has ended: did its connection commit?
            self.never_committed = self.never_committed or session.never_committed

    def new_work(self, template: Database | None) -> None:
        self.close_session()
        if self.data is not None:
            self.data.rebuilt()
        if self.work is not None:
            self.server.drop_database(self.work)
        self.work = self.server.create_database(template=template)

    def take_checkpoint(self) -> None:
        self.close_session()
        if self.data is not None:
            self.data.release()  # a template database must have no connection
        assert self.work is not None
        previous = self.checkpoint.database
        self.checkpoint = _Checkpoint(
            self.server.create_database(template=self.work), len(self.applied)
        )
        if previous is not None:
            self.server.drop_database(previous)

    def rebuild(self) -> None:
        """Recreate the work database holding exactly the revisions in ``applied``."""
        self.rebuilt = True
        self.new_work(self.checkpoint.database)
        session = self.open()
        for revision in self.applied[self.checkpoint.applied :]:
            try:
                session.run(self.project.get(revision), upgrade=True)
            except StepFailed as failure:
                raise MigcheckError(
                    f"revision {revision}: upgrade failed while rebuilding the database "
                    f"({facts.error_text(failure.original)}); is the migration deterministic?"
                ) from None
        self.state = session.snapshot()

    def recover(self, expected: Snapshot) -> None:
        """After a failed step: keep the database when it is as expected, else rebuild it."""
        session = self.open()
        current = session.snapshot()
        if current.same_schema(expected):
            self.state = current
            return
        self.rebuild()

    # -- the walk ----------------------------------------------------------------------------
    def select(self) -> set[str]:
        """The revisions to walk: from --from, changed since the ref, in this shard's slice."""
        order = [s.revision for s in self.project.between(self.options.start)]
        if self.history is not None:
            order = [rev for rev in order if rev in self.history.changed]
        self.skipped = {self.project.get(rev).revision for rev in self.options.skip}
        self.chosen = order
        if self.options.shard is None:
            return set(order)
        index, count = self.options.shard
        parents = {s.revision: self.project.parents(s) for s in self.project.revisions}
        part = shard.slices(order, parents, count)[index - 1]
        self.elsewhere = set(order) - set(part)
        self.result.shard_history = shard.digest(self.project, order, self.skipped)
        if index < count:  # the revisions after the slice are not run; an empty slice runs none
            every = [s.revision for s in self.project.revisions]
            self.stop = every.index(part[-1]) + 1 if part else 0
        return set(part)

    def check_revision_options(self) -> None:
        """--from and --skip name revisions: checked once env.py has imported them."""
        if self.options.start is not None:
            self.project.get(self.options.start)
        for rev in self.options.skip:
            try:
                self.project.get(rev)
            except MigcheckError as error:
                raise MigcheckError(f"--skip {rev}: {error}") from None

    def run(self) -> VerifyResult:
        # the first session runs env.py, which is when Alembic imports the revision files
        self.new_work(None)
        baseline = self.options.baseline
        if baseline is not None:
            assert self.work is not None
            baseline.load(self.project, self.work.conninfo, self.work.url, self.options.url_env)
        session = self.open()
        revisions = self.project.revisions
        self.check_revision_options()
        if baseline is not None:
            session = self.stamp(baseline)
        selected = self.select() - self.covered
        for script in revisions:
            if script.revision in selected:
                self.results[script.revision] = RevisionResult(
                    revision=script.revision,
                    path=_relative(script.path, self.project),
                    message=(script.doc or "").strip().splitlines()[0] if script.doc else "",
                )
        self.check_heads()
        if self.options.data.active:
            self.data = DataPass(self.options.data)
        if self.options.lint:
            self.linter = self.make_linter(session)
        self.state = self.base = session.snapshot()
        for script in revisions[: self.stop]:
            if script.revision in self.skipped and script.revision in selected:
                self.skip(script)
                self.report(self.results[script.revision])
            elif script.revision in selected:
                self.check(script)
                self.report(self.results[script.revision])
            elif script.revision not in self.covered:
                self.apply(script)
                self.result.applied_only.append(script.revision)
            since = len(self.applied) - self.checkpoint.applied
            if self.rebuilt and since >= self.options.checkpoint_every:
                self.take_checkpoint()
        if self.stop is None:
            self.check_drift()
        if not revisions:
            self.result.notes.append(
                "the project has no revisions yet: the models were compared with an empty database"
                if self.result.drift_checked
                else "the project has neither revisions nor models: nothing to verify"
            )
        self.downgrade_to_base(selected - self.skipped)
        self.close_session()
        if self.data is not None:
            self.data.finish()
            self.result.notes.extend(self.data.notes)
            self.result.seeded_rows, self.result.seed_s = self.data.rows, self.data.seconds
        first = next(iter(self.results.values()), None)
        if next((r for r in self.chosen if r not in self.covered), None) in self.elsewhere:
            first = None  # --shard: the first revision of the walk is another shard's
        if self.never_committed and first is not None:
            first.add(
                "upgrade",
                "never-committed",
                "upgrade() ran but env.py never committed: the transaction it ran the "
                "migrations in was rolled back (or left open) when env.py ended, so alembic "
                "upgrade keeps nothing",
            )
        self.record_history()
        self.result.shard = self.options.shard
        self.result.revisions = [
            self.results[s.revision] for s in revisions if s.revision in self.results
        ]
        return self.result

    def stamp(self, baseline: Baseline) -> AlembicSession:
        """Stamp the baseline schema at its revision and keep it as the database to rebuild from."""
        self.covered = baseline.covered(self.project)
        if baseline.revision != "base":
            revision = self.project.get(baseline.revision).revision
            assert self.session is not None
            self.session.call(lambda context: context.stamp(self.project.script, revision))
        self.take_checkpoint()  # a rebuild starts from the baseline, not from an empty database
        return self.open()

    def make_linter(self, session: AlembicSession) -> OnlineLint:
        paths = {rev: result.path for rev, result in self.results.items()}
        if self.options.shard is not None:  # the revisions before the slice are linted too
            for script in self.project.revisions:
                paths.setdefault(script.revision, _relative(script.path, self.project))
        sources = {}
        for rev in paths:
            path = self.project.get(rev).path
            with open(path, encoding="utf-8", errors="replace") as handle:
                sources[rev] = handle.read()
        return OnlineLint(self.options.settings, paths, sources, session.version_name)

    def lint(
        self,
        result: RevisionResult,
        step: str,
        capture: StepCapture | None,
        *,
        failed: bool = False,
    ) -> None:
        """Lint what a step sent and attach the findings, problems and notes to ``result``."""
        if self.linter is None or capture is None:
            return
        rev = result.revision
        outcome: Outcome
        if step == "upgrade":
            outcome = self.linter.upgrade(rev, capture, failed=failed)
        else:
            outcome = self.linter.downgrade(rev, capture, failed=failed)
        result.linted.append(step)
        result.findings.extend(LintFinding(step, finding) for finding in outcome.findings)
        for kind, message in outcome.problems:
            result.add(step, kind, message)
        result.notes.extend(outcome.notes)

    def report(self, result: RevisionResult) -> None:
        if self.progress is not None:
            self.progress(result)

    def check_heads(self) -> None:
        heads = self.project.heads
        if len(heads) <= 1 or self.options.allow_multiple_heads:
            return
        listed = ", ".join(heads)
        for head in heads:
            result = self.results.get(head)
            if result is not None:
                result.add(
                    "graph",
                    "multiple-heads",
                    f"the history has {len(heads)} heads ({listed}); merge them "
                    "(alembic merge heads) or pass --allow-multiple-heads",
                )

    def why_blocked(self, script: Script) -> str | None:
        for parent in _requirements(script):
            if parent in self.blocked:
                return self.blocked[parent]
        return None

    def apply(self, script: Script) -> None:
        """Upgrade a revision outside the checked range (before --from)."""
        reason = self.why_blocked(script)
        if reason is not None:
            self.blocked[script.revision] = reason
            return
        # A shard lints its first revisions as the unsharded walk does: in the upgrade stream
        # of the other slices' revisions before it (the locks they hold, traced, and the transaction
        # they leave open), without reading the catalog before each of them (their findings
        # are not reported). Before --from or in pull-request mode, a new `alembic upgrade`
        # starts there.
        replay = (
            self.linter is not None
            and script.revision in self.elsewhere
            and script.revision not in self.skipped
        )
        if self.linter is not None and not replay:
            self.linter.interrupt()
        session = self.open()
        if self.data is not None:
            assert self.work is not None
            self.data.before_upgrade(self.work, script.revision, None)
        try:
            capture = session.run(
                script,
                upgrade=True,
                trace=replay and self.options.trace_locks,
                capture=replay,
                catalog=False,  # its findings are not reported: the stream needs no live schema
            )
        except StepFailed as failure:
            if self.linter is not None:
                self.linter.interrupt()
            text = facts.error_text(failure.original)
            if script.revision in self.elsewhere:  # the shard that walks it reports it
                self.blocked[script.revision] = (
                    f"revision {script.revision} does not upgrade ({text})"
                )
            else:
                self.blocked[script.revision] = (
                    f"revision {script.revision} does not upgrade: {text}"
                )
                self.result.notes.append(self.blocked[script.revision])
            if self.state is None:
                self.rebuild()
            else:
                self.recover(self.state)
            return
        if self.linter is not None and capture is not None:
            self.linter.upgrade(script.revision, capture)
        self.applied.append(script.revision)
        self.state = None

    def skip(self, script: Script) -> None:
        """Upgrade a revision given to --skip: applied like any other, never round-tripped."""
        result = self.results[script.revision]
        self.apply(script)
        why = self.blocked.get(script.revision)
        if why is not None:
            result.add("upgrade", "not-checked", f"not checked: {why}", status=ERROR)
        else:
            result.add(
                "graph",
                "skipped",
                "skipped (--skip): upgraded only; its downgrade, the round trip up → down → up, "
                "its locks and its lint were not checked, so a downgrade that fails or loses "
                "schema, or an upgrade that cannot run twice, goes unnoticed here and the "
                "downgrade to base stops at it",
                status=PASS,
            )
        result.unlinted = "skipped with --skip"

    def record_history(self) -> None:
        """Pull-request mode: what changed since the ref, on the revisions or on the run."""
        if self.history is None:
            return
        self.result.changed_since = self.history.ref
        self.result.changed_since_commit = self.history.commit
        for problem in self.history.problems:
            result = self.results.get(problem.revision)
            if result is not None and problem.kind != "deleted-revision":
                result.add("history", problem.kind, problem.message)
            elif problem.kind == "deleted-revision" or problem.revision not in self.elsewhere:
                self.result.problems.append(Problem("history", problem.kind, problem.message))
        # a shard says what the whole run walks, as one unsharded run would
        names = [rev for rev in self.chosen if rev not in self.covered]
        checked = len(names)
        applied = len(self.project.revisions) - len(self.covered) - checked
        listed = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        self.result.notes.append(
            f"pull-request mode: {checked} revision{'s' if checked != 1 else ''} added or "
            f"changed since {self.history.ref} ({self.history.commit[:12]}) walked"
            f"{f' ({listed})' if names else ''}; "
            f"{applied} unchanged revisions applied with plain upgrades "
            "only (not walked, not reported)"
        )

    def check(self, script: Script) -> None:
        result = self.results[script.revision]
        started = time.perf_counter()
        try:
            self.check_revision(script, result)
        finally:
            result.elapsed_ms = 1000.0 * (time.perf_counter() - started)

    def check_revision(self, script: Script, result: RevisionResult) -> None:
        rev = script.revision
        reason = self.why_blocked(script)
        if reason is not None:
            self.blocked[rev] = reason
            result.add("upgrade", "not-checked", f"not checked: {reason}", status=ERROR)
            result.unlinted = reason
            if self.linter is not None:
                self.linter.interrupt()
            return
        if self.state is None:
            self.state = self.open().snapshot()
        before = self.state
        parents = ", ".join(self.project.parents(script)) or "base"

        # 1. upgrade
        session = self.open()
        if self.data is not None:
            assert self.work is not None
            self.data.before_upgrade(self.work, rev, result)
        lint = self.linter is not None
        if self.data is not None:
            assert self.work is not None
            self.data.start_load(self.work)
        try:
            capture = session.run(
                script, upgrade=True, trace=self.options.trace_locks, capture=lint
            )
        except StepFailed as failure:
            if self.data is not None:
                statements = failure.capture.statements if failure.capture is not None else []
                result.load = self.data.stop_load(statements)
            self.stop_if_extension_missing(script, failure)
            self.keep_trace(result, failure.capture)
            self.lint(result, "upgrade", failure.capture, failed=True)
            text = facts.error_text(failure.original)
            result.add(
                "upgrade",
                "upgrade-failed",
                f"upgrade() raised {text}{_at(script, failure)}",
            )
            if self.data is not None:
                assert self.work is not None
                captured = failure.capture.statements if failure.capture is not None else []
                self.data.upgrade_failed(self.work, result, failure.original, captured)
            self.blocked[rev] = f"revision {rev} does not upgrade ({text})"
            self.recover(before)
            return
        self.keep_trace(result, capture)
        self.lint(result, "upgrade", capture)
        after = session.snapshot()  # commits: the workload's waits end with the locks
        self.check_version(result, "upgrade", after, rev, present=True)
        if self.data is not None:
            assert self.work is not None
            statements = capture.statements if capture is not None else []
            result.load = self.data.stop_load(statements)
            self.data.after_upgrade(self.work, result, statements)

        # 2. downgrade
        if not facts.has_downgrade(script):
            result.add("downgrade", "downgrade-missing", "the revision has no downgrade() function")
            self.broken_downgrades.add(rev)
            self.applied.append(rev)
            self.state = after
            return
        try:
            down = session.run(script, upgrade=False, capture=lint, catalog=False)
        except StepFailed as failure:
            self.lint(result, "downgrade", failure.capture, failed=True)
            self.downgrade_raised(script, result, failure)
            self.applied.append(rev)
            self.recover(after)
            return
        self.lint(result, "downgrade", down)
        downgraded = session.snapshot()
        self.check_version(result, "downgrade", downgraded, rev, present=False)
        if self.data is not None:
            assert self.work is not None
            self.data.after_downgrade(self.work, rev, result)
        # describe_all is empty for differences that do not count (function whitespace)
        lost = (
            []
            if downgraded.same_schema(before)
            else describe_all(before, downgraded, "before", f"after downgrade to {parents}")
        )
        if lost:
            if facts.downgrade_is_empty(script):
                result.add(
                    "downgrade",
                    "empty-downgrade",
                    "downgrade() is empty but upgrade() changed the schema",
                )
            for line in lost:
                result.add("downgrade", "not-restored", line)
            self.broken_downgrades.add(rev)

        # 3. upgrade again
        try:
            again_capture = session.run(
                script, upgrade=True, capture=self.data is not None, catalog=False
            )
        except StepFailed as failure:
            text = facts.error_text(failure.original)
            result.add(
                "re-upgrade",
                "reupgrade-failed",
                f"upgrade() after downgrade() raised {text}{_at(script, failure)}",
            )
            self.applied.append(rev)
            self.rebuild()
            return
        again = session.snapshot()
        self.check_version(result, "re-upgrade", again, rev, present=True)
        if self.data is not None and again_capture is not None:
            self.data.reupgraded(result, again_capture.statements)
        self.applied.append(rev)
        changed = (
            []
            if again.same_schema(after)
            else describe_all(
                after, again, "after the first upgrade", f"after upgrading to {rev} again"
            )
        )
        if changed:
            for line in changed:
                result.add("re-upgrade", "reupgrade-differs", line)
            self.rebuild()
            return
        self.state = again

    def keep_trace(self, result: RevisionResult, capture: StepCapture | None) -> None:
        """The upgrade's statements with their locks (only when locks were traced)."""
        if capture is not None and self.options.trace_locks:
            result.locks = [s for s in capture.statements if not s.internal or s.locks]
            result.holds = (
                self.data.holds(capture.statements)
                if self.data is not None
                else lock_holds(capture.statements)
            )

    def stop_if_extension_missing(self, script: Script, failure: StepFailed) -> None:
        """A server without an extension the history needs cannot check it: bad input, exit 2.

        Reporting the revision as broken would blame it for the throwaway server (the embedded
        PostgreSQL has no pgcrypto or uuid-ossp) and leave every later revision unchecked.
        """
        name = facts.missing_extension(failure.original)
        if name is None:
            return
        server = f"{self.server.backend} PostgreSQL {self.server.version_num // 10000}"
        if self.server.backend == "embedded":
            hints = facts.installs_with_extension(name)
            remedy = (
                f"use {' or '.join(hints)}, or --database-url"
                if hints
                else "use --database-url with a server that has it, or --pg-backend docker"
            )
        else:
            remedy = "install it on that server or use another one"
        line = facts.raised_in(script, failure.original)
        where = _relative(script.path, self.project) + (f":{line}" if line else "")
        raise MigcheckError(
            f'revision {script.revision} ({where}) needs extension "{name}", '
            f"which the {server} server does not have: {remedy}"
        )

    def downgrade_raised(self, script: Script, result: RevisionResult, failure: StepFailed) -> None:
        error = failure.original
        text = facts.error_text(error)
        if facts.is_declared_floor(script, error):
            self.floors.add(script.revision)
            result.add(
                "downgrade",
                "declared-floor",
                f"downgrade() raises {text}{_at(script, failure)}: a declared floor, "
                "nothing below it can be reached by downgrading",
                status=PASS if self.options.allow_floor else FAIL,
            )
            return
        self.broken_downgrades.add(script.revision)
        result.add(
            "downgrade",
            "downgrade-failed",
            f"downgrade() raised {text}{_at(script, failure)}",
        )

    def check_version(
        self, result: RevisionResult, step: str, snapshot: Snapshot, rev: str, *, present: bool
    ) -> None:
        if (rev in snapshot.versions) == present:
            return
        rows = ", ".join(snapshot.versions) or "no rows"
        expected = "include" if present else "no longer include"
        result.add(
            step,
            "version-not-updated",
            f"alembic_version should {expected} {rev} after this step but holds {rows}",
        )

    # -- the end ----------------------------------------------------------------------------
    def check_drift(self) -> None:
        if self.blocked:
            self.result.notes.append("models not compared: the history does not upgrade to head")
            return
        session = self.open()
        drift: list[Drift] | None = session.call(check_drift)
        if drift is None:
            self.result.notes.append("models not compared: env.py sets no target_metadata")
            return
        self.result.drift_checked = True
        self.result.drift = drift

    def stopped(self, note: str) -> None:
        """The downgrade to base stops here: a note, kept also as where it stopped."""
        self.result.notes.append(note)
        self.result.downgrade_stop = note

    def downgrade_to_base(self, selected: set[str]) -> None:
        session = self.open()
        session.full_snapshot_next()
        for rev in reversed(self.applied):
            if rev not in selected:
                return
            if rev in self.floors:
                self.stopped(f"downgrade to base stopped at declared floor {rev}")
                return
            if rev in self.broken_downgrades:
                self.stopped(
                    f"downgrade to base stopped at {rev}: its downgrade is broken (see above)"
                )
                return
            script = self.project.get(rev)
            try:
                session.run(script, upgrade=False)
            except StepFailed as failure:
                if facts.is_declared_floor(script, failure.original):
                    self.stopped(f"downgrade to base stopped at declared floor {rev}")
                    return
                message = (
                    f"downgrade() raised {facts.error_text(failure.original)}"
                    f"{_at(script, failure)} while downgrading from head to base"
                )
                self.results[rev].add("downgrade-to-base", "downgrade-failed", message)
                self.result.downgrade_stop = message
                return
        if self.blocked or self.base is None:
            return
        final = session.snapshot()
        first = next(iter(self.results.values()), None)
        if first is None:
            return
        baseline = self.options.baseline
        stamped = (
            []
            if baseline is None or baseline.revision == "base"
            else [self.project.get(baseline.revision).revision]
        )
        if list(final.versions) != stamped:
            expected = f"hold {stamped[0]}" if stamped else "be empty"
            first.add(
                "downgrade-to-base",
                "version-not-updated",
                f"alembic_version should {expected} at base but holds "
                f"{', '.join(final.versions) or 'no rows'}",
            )
        if final.same_schema(self.base):
            return
        for line in describe_all(
            self.base, final, "before any revision", "after downgrading to base"
        ):
            first.add("downgrade-to-base", "not-restored", line)


def _requirements(script: Script) -> tuple[str, ...]:
    deps = compat.resolved_dependencies(script)
    parents = script.down_revision
    if parents is None:
        down: tuple[str, ...] = ()
    elif isinstance(parents, str):
        down = (parents,)
    else:
        down = tuple(parents)
    return down + tuple(deps or ())


def _at(script: Script, failure: StepFailed) -> str:
    line = facts.raised_in(script, failure.original)
    where = "" if line is None else f" (at {os.path.basename(script.path)}:{line})"
    return where + _waited(failure)


def _waited(failure: StepFailed) -> str:
    """`` while `STATEMENT` waited for a lock held by backend N (state): QUERY``, if it did."""
    if failure.blocker is None:
        return ""
    statements = failure.capture.statements if failure.capture is not None else []
    failed = next((s for s in reversed(statements) if s.failed), None)
    what = f"`{one_line(failed.sql)}`" if failed is not None else "a statement"
    return f" while {what} waited for a lock held by {failure.blocker}"


def _relative(path: str, project: Project) -> str:
    try:
        return os.path.relpath(path, project.root)
    except ValueError:
        return path


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """Silence INFO logging (Alembic's "Running upgrade ..." lines) for the walk."""
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def verify_project(
    project: Project,
    server: Server,
    options: VerifyOptions | None = None,
    progress: Callable[[RevisionResult], None] | None = None,
) -> VerifyResult:
    """Walk every revision of ``project`` on ``server`` and return what was found.

    With no revisions, only the models are compared with an empty database. env.py runs on the
    calling thread, the walk in a worker thread (see :class:`~migcheck.verify.session.EnvRunner`).
    """
    options = options or VerifyOptions()
    walk = _Walk(project, server, options, progress)
    if options.changed_since is not None:
        walk.history = analyse(project, options.changed_since)
        project.reported_duplicates = frozenset(
            p.revision for p in walk.history.problems if p.kind == "duplicate-revision"
        )
    started = time.perf_counter()

    def run() -> VerifyResult:
        try:
            outcome = walk.run()
        except BaseException:
            if walk.session is not None:
                walk.session.abandon()
            if walk.data is not None:
                walk.data.close()
            raise
        walk.close_session()
        return outcome

    with _quiet_logging():
        result = walk.runner.serve(run)
    result.elapsed_s = time.perf_counter() - started
    result.fail_on = options.fail_on
    result.linting = options.lint
    result.backend = server.backend
    result.server_version = server.version
    if not options.lint:
        result.notes.append("statements not linted (--no-lint): no revision has lint findings")
    if not options.trace_locks:
        result.notes.append("locks not traced (--no-trace-locks): no revision lists its locks")
    return result
