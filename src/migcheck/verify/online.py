"""Linting what a walk really ran: the captured statements, with the live catalog as prior schema.

Every revision's first upgrade and its downgrade are captured on the migrations' connection
(:class:`~migcheck.verify.session.StepCapture`) and fed to the lint
:class:`~migcheck.lint.engine.Engine`, with the transaction boundaries that really happened:
a statement that opened a transaction is preceded by ``BEGIN``, one that ran after a commit or
in autocommit mode by ``COMMIT``. The first upgrades form one stream, in walk order, as
``alembic upgrade head`` would run them: when a step ends inside env.py's one outer transaction
(``transaction_per_migration`` off), the stream's transaction goes on into the next revision, so
a lock taken by one revision and held while the next one works is seen. Each downgrade is its
own stream, as ``alembic downgrade -1`` runs it. Before each revision the stream's schema is
replaced by the one read from the database (:mod:`migcheck.verify.prior`).

Evidence settles guesses: for a traced upgrade statement, a rewrite rule's finding (MC109,
MC117) says what the trace saw, and is dropped when the trace shows no rewrite; a statement no
rule flagged that took a lock blocking writes on an existing table, or rewrote one, becomes an
``unflagged-lock`` problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migcheck.config import Settings
from migcheck.lint.engine import Engine, RunState
from migcheck.lint.schema import Schema
from migcheck.lint.suppress import Suppressions, scan
from migcheck.postgres.locks import Lock
from migcheck.result import Finding
from migcheck.sql.extract import statements as sql_statements
from migcheck.sql.facts import Kind, Rename, Statement, TransactionControl
from migcheck.verify.session import StepCapture
from migcheck.verify.trace import TracedStatement

#: the relation kinds whose locks stop the application's traffic
_TABLES = frozenset({"table", "partitioned table", "materialized view"})

#: rules that guess a table rewrite; a lock trace says whether it happened
REWRITE_RULES = frozenset({"MC109", "MC117"})


@dataclass(slots=True)
class Outcome:
    """What linting one step found: findings, problems (kind, message) and notes."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Holder:
    """A lock blocking writes taken in the upgrade stream's open transaction."""

    mode: Lock
    revision: str
    line: int


def one_line(sql: str, width: int = 72) -> str:
    """A statement on one line, cut to ``width`` characters."""
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class OnlineLint:
    """Lints the steps of one walk; ``paths`` maps revision → file shown, ``sources`` its text."""

    def __init__(
        self, settings: Settings, paths: dict[str, str], sources: dict[str, str], version: str
    ) -> None:
        self.paths = paths
        self.lines = {revision: text.splitlines() for revision, text in sources.items()}
        self.version = version
        suppressions = Suppressions()
        for revision, text in sources.items():
            suppressions.add(scan(paths[revision], text, "#"))
        self.engine = Engine(settings, suppressions)
        self._stream: RunState | None = None
        self._continues = False  # the stream's transaction goes on into the next revision
        self._holders: dict[str, _Holder] = {}
        self._created: set[str] = set()  # tables this revision created
        self._left: Schema | None = None  # the schema the last upgrade left (for its downgrade)

    # -- the two kinds of step -----------------------------------------------------------------
    def upgrade(self, revision: str, capture: StepCapture, *, failed: bool = False) -> Outcome:
        """Lint a revision's first upgrade, continuing the upgrade stream."""
        if self._stream is None:
            self._stream = self.engine.start(managed=True)
            self._continues = False
        outcome = Outcome()
        pairs = self._feed(self._stream, revision, capture, self._continues, outcome, True)
        self._left = self._stream.ctx.schema
        self._settle(pairs, revision, outcome)
        self._close_step(self._stream, revision, capture, failed, outcome)
        if failed:
            self.interrupt()
        self._continues = capture.left_open and not failed
        return outcome

    def downgrade(self, revision: str, capture: StepCapture, *, failed: bool = False) -> Outcome:
        """Lint a revision's downgrade as its own stream."""
        state = self.engine.start(managed=True)
        outcome = Outcome()
        pairs = self._feed(state, revision, capture, False, outcome, False)
        outcome.findings.extend(
            f for _, found in pairs for f in found if f.location.revision == revision
        )
        self._close_step(state, revision, capture, failed, outcome)
        return outcome

    def interrupt(self) -> None:
        """Steps ran that were not captured (a rebuild, a new session): start a new stream."""
        self._stream = None
        self._continues = False
        self._holders.clear()
        self._created.clear()

    # -- feeding ---------------------------------------------------------------------------------
    def _feed(
        self,
        state: RunState,
        revision: str,
        capture: StepCapture,
        continues: bool,
        outcome: Outcome,
        upgrade: bool,
    ) -> list[tuple[TracedStatement, list[Finding]]]:
        ctx = state.ctx
        boundary = self._boundary if upgrade else self._plain_boundary
        if capture.catalog is not None:
            ctx.schema = capture.catalog.schema(ignore=self.version)
        elif self._left is None:
            ctx.schema = Schema()
        else:  # a downgrade: the live schema before the upgrade, with the upgrade applied
            ctx.schema, self._left = self._left, None
        ctx.lock_timeout = capture.lock_timeout or (ctx.in_transaction and ctx.local_lock_timeout)
        if not continues and ctx.in_transaction:
            boundary(state, revision, Kind.COMMIT)
        pairs = []
        noted = False
        self._created.clear()  # a table an earlier revision created is in use once deployed
        for traced in capture.statements:
            # a statement read before the step (the catalog) may have opened the transaction
            opens = traced.began or (traced.in_transaction and not ctx.in_transaction)
            if opens and not traced.failed:
                if ctx.in_transaction and not continues:
                    boundary(state, revision, Kind.COMMIT)
                if not ctx.in_transaction:
                    boundary(state, revision, Kind.BEGIN)
            elif not traced.in_transaction and not traced.failed and ctx.in_transaction:
                boundary(state, revision, Kind.COMMIT)
            continues = False
            if upgrade and not traced.internal and ctx.in_transaction and not noted:
                noted = self._held_across(revision, traced, outcome)
            before = len(self.engine.findings)
            self.engine.feed(state, self._facts(revision, traced))
            pairs.append((traced, self.engine.findings[before:]))
            if upgrade and ctx.in_transaction and traced.probed:
                self._remember(revision, traced)
        return pairs

    def _facts(self, revision: str, traced: TracedStatement) -> list[Statement]:
        path = self.paths.get(revision, "")
        lines = self.lines.get(revision, [])
        found = sql_statements(traced.sql, path)
        for s in found:
            s.revision = revision
            s.internal = traced.internal or _catalog_read(s)
            if traced.line:
                s.line = s.end_line = traced.line
                text = lines[traced.line - 1] if traced.line <= len(lines) else ""
                s.column = len(text) - len(text.lstrip()) + 1
        return found

    def _plain_boundary(self, state: RunState, revision: str, kind: Kind) -> None:
        path = self.paths.get(revision, "")
        text = kind.value.upper()
        boundary = TransactionControl(kind, text, path, revision=revision, internal=True)
        self.engine.feed(state, [boundary])

    def _boundary(self, state: RunState, revision: str, kind: Kind) -> None:
        """A boundary of the upgrade stream: a commit releases the locks it was holding."""
        self._plain_boundary(state, revision, kind)
        if kind in (Kind.COMMIT, Kind.ROLLBACK):
            self._holders.clear()

    def _close_step(
        self,
        state: RunState,
        revision: str,
        capture: StepCapture,
        failed: bool,
        outcome: Outcome,
    ) -> None:
        """End the step's unit: a failed step rolled back, a finished one may go on."""
        before = len(self.engine.findings)
        boundary = self._boundary if state is self._stream else self._plain_boundary
        if failed and state.ctx.in_transaction:
            boundary(state, revision, Kind.ROLLBACK)
        elif not capture.left_open and state.ctx.in_transaction:
            boundary(state, revision, Kind.COMMIT)
        self.engine.finish(state)
        state.last = None  # its end-of-unit checks ran: the next unit must not run them again
        outcome.findings.extend(
            f for f in self.engine.findings[before:] if f.location.revision == revision
        )

    # -- evidence --------------------------------------------------------------------------------
    def _remember(self, revision: str, traced: TracedStatement) -> None:
        for lock in traced.locks:
            if lock.new_relation:
                self._created.add(lock.relation)
            elif lock.mode.strong and lock.relation not in self._created:
                known = self._holders.get(lock.relation)
                if known is None or known.mode < lock.mode:
                    self._holders[lock.relation] = _Holder(lock.mode, revision, traced.line)

    def _held_across(self, revision: str, traced: TracedStatement, outcome: Outcome) -> bool:
        """Note that this revision's work ran under a lock an earlier revision took."""
        others = [(t, h) for t, h in self._holders.items() if h.revision != revision]
        if not others:
            return False
        table, holder = max(others, key=lambda item: item[1].mode)
        where = f"{self.paths.get(holder.revision, '')}:{holder.line}"
        outcome.notes.append(
            f"ran under {holder.mode.label} on {table} taken by revision {holder.revision} "
            f"({where}) in the same transaction: env.py runs the revisions in one transaction "
            "(transaction_per_migration off), so the lock blocks "
            f"{holder.mode.blocks} until it commits"
        )
        return True

    def _settle(
        self,
        pairs: list[tuple[TracedStatement, list[Finding]]],
        revision: str,
        outcome: Outcome,
    ) -> None:
        """Keep the step's findings, corrected by what the trace saw; report what rules missed."""
        for traced, found in pairs:
            where = f"{self.paths.get(revision, '')}:{traced.line}"
            for finding in found:
                if finding.location.revision != revision:
                    continue
                if finding.rule == "MC112":
                    finding.message = self._lock_origin(finding.message, revision)
                if finding.rule in REWRITE_RULES and traced.probed and not traced.failed:
                    if not traced.rewritten:
                        outcome.notes.append(
                            f"{finding.rule} at {where} dropped: the trace shows "
                            f"{one_line(traced.sql, 48)} rewrote no table"
                        )
                        continue
                    finding.message = _observed_rewrite(finding.message, traced.rewritten)
                outcome.findings.append(finding)
            if found or traced.internal or traced.failed or not traced.probed:
                continue
            self._unflagged(traced, where, outcome)

    def _lock_origin(self, message: str, revision: str) -> str:
        holder = max(self._holders.values(), key=lambda h: h.mode, default=None)
        if holder is None or holder.revision == revision:
            return message
        where = f"{self.paths.get(holder.revision, '')}:{holder.line}"
        return message.replace(
            f"(taken at line {holder.line})", f"(taken by revision {holder.revision} at {where})"
        )

    def _unflagged(self, traced: TracedStatement, where: str, outcome: Outcome) -> None:
        expected: dict[str, Lock] = {}
        for s in sql_statements(traced.sql):
            for table, mode in s.locks:
                # the trace names a relation as it is called after the statement: a renamed
                # table's lock is read under its new name
                for name in (table, _renamed(s, table)):
                    expected[name] = max(mode, expected.get(name, Lock.NONE))
        text = one_line(traced.sql)
        for lock in traced.locks:
            if lock.new_relation or not lock.mode.strong or lock.relation in self._created:
                continue
            if lock.kind not in _TABLES:
                continue
            if expected.get(lock.relation, Lock.NONE) >= lock.mode:
                continue
            outcome.problems.append(
                (
                    "unflagged-lock",
                    f"{text} (at {where}) took {lock.label} on {lock.relation} (blocks "
                    f"{lock.blocks}), which no lint rule expected",
                )
            )
        for table in traced.rewritten:
            outcome.problems.append(
                (
                    "unflagged-lock",
                    f"{text} (at {where}) rewrote {table} (new file node), which no lint rule "
                    "flagged",
                )
            )


def _observed_rewrite(message: str, tables: list[str]) -> str:
    rewrote = f"rewrote {', '.join(tables)} (new file node)"
    if "may rewrite the table" in message:
        head, _, tail = message.partition("may rewrite the table")
        tail = tail.split(")", 1)[1] if ")" in tail else tail
        return f"{head}{rewrote}{tail} (observed)"
    return f"{message}; observed: {rewrote}"


def _renamed(s: Statement, table: str) -> str:
    """The name ``table`` has after ``s``: a table or view renamed keeps its schema."""
    if not isinstance(s, Rename) or s.table != table or not s.new_name:
        return table
    if s.object_type not in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        return table
    schema, dot, _ = table.rpartition(".")
    return f"{schema}{dot}{s.new_name}"


def _catalog_read(s: Statement) -> bool:
    """A query of the system catalogs (``sa.inspect(bind)``): not the migration's own work."""
    lowered = s.text.lower()
    return s.kind is Kind.SELECT and ("pg_catalog." in lowered or "information_schema." in lowered)
