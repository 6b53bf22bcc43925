"""Run the enabled rules over a stream of statements and collect findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migcheck.config import Settings
from migcheck.lint.schema import Context, Schema
from migcheck.lint.suppress import Suppressions
from migcheck.result import Finding, Location, Severity
from migcheck.rules.base import Check, Hit, Rule
from migcheck.rules.registry import all_rules
from migcheck.sql.facts import TRANSACTION_KINDS, Kind, Setting, Statement, TableChange


@dataclass(slots=True)
class Selection:
    """The rules a run uses and their effective severities."""

    rules: list[Rule]
    severity: dict[str, Severity]
    #: rules whose severity the settings set (a hit's own severity does not override it)
    configured: frozenset[str] = frozenset()
    by_kind: dict[Kind, list[Rule]] = field(default_factory=dict)
    by_action: dict[str, list[Rule]] = field(default_factory=dict)
    every: list[Rule] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> Selection:
        """Enabled rules: defaults plus ``enable``, minus ``disable``; severities overridden."""
        enable = {name.upper() for name in settings.enable}
        disable = {name.upper() for name in settings.disable}
        chosen = [
            r
            for r in all_rules()
            if (not r.opt_in or r.id in enable or r.name.upper() in enable)
            and r.id not in disable
            and r.name.upper() not in disable
        ]
        severity = {r.id: settings.severity.get(r.id, r.severity) for r in all_rules()}
        selection = cls(chosen, severity, frozenset(settings.severity))
        for rule in chosen:
            if rule.check is None:
                continue
            if rule.kinds:
                for kind in rule.kinds:
                    if kind is Kind.ALTER_TABLE and rule.actions:
                        for action in rule.actions:
                            selection.by_action.setdefault(action, []).append(rule)
                    else:
                        selection.by_kind.setdefault(kind, []).append(rule)
            else:
                selection.every.append(rule)
        return selection

    def enabled(self, rule_id: str) -> bool:
        """True when the rule with this id runs."""
        return any(r.id == rule_id for r in self.rules)


#: how far into a file a SET LOCAL still reads as the file's own preamble
_PREAMBLE = 10


def _wrapped_by_runner(statements: Sequence[Statement]) -> bool:
    """True when a SQL file expects its runner to wrap it in a transaction.

    ``SET LOCAL`` outside a transaction does nothing (PostgreSQL only warns), so a file that
    starts with one — before any BEGIN/COMMIT of its own and before any statement that cannot
    run in a transaction — is written for a tool that runs the whole file in one transaction
    (Flyway, sqitch, ``psql -1``), as if ``--assume-in-transaction``.
    """
    for s in statements[:_PREAMBLE]:
        if s.kind in TRANSACTION_KINDS or s.no_transaction:
            return False
        if isinstance(s, Setting) and s.local:
            return True
    return False


@dataclass(slots=True)
class RunState:
    """Where a stream of statements is: the context and the unit being checked."""

    ctx: Context
    reported: set[str] | None
    managed: bool
    started: bool = False
    #: the path and revision of the unit (file or revision) being checked
    path: str = ""
    revision: str | None = None
    #: the last reportable statement of the unit (end-of-unit findings go there)
    last: Statement | None = None
    #: inside the implicit transaction of a DO block
    block: bool = False


class Engine:
    """Checks statement streams (one per SQL file, one per Alembic run) against the rules."""

    def __init__(self, settings: Settings, suppressions: Suppressions | None = None) -> None:
        self.settings = settings
        self.selection = Selection.from_settings(settings)
        self.suppressions = suppressions or Suppressions()
        self.findings: list[Finding] = []
        self._cache: dict[Kind | tuple[Kind | str, ...], list[tuple[Rule, Check]]] = {}

    def run(
        self,
        statements: Sequence[Statement],
        *,
        schema: Schema | None = None,
        reported: set[str] | None = None,
        in_transaction: bool = False,
        managed: bool = False,
        lock_timeout: bool = False,
    ) -> Schema:
        """Check one stream; return the schema it leaves behind (for the next stream).

        ``reported`` limits findings to statements whose ``revision`` (or path, for SQL) is in it.
        ``managed`` says a migration runner decides the transactions (Alembic), so statements
        outside a transaction are there on purpose and must be safe to rerun. ``lock_timeout``
        says the session starts with lock_timeout set (by the runner, e.g. Alembic's env.py).
        """
        state = self.start(
            schema=schema,
            reported=reported,
            in_transaction=in_transaction,
            managed=managed,
            lock_timeout=lock_timeout,
        )
        self.feed(state, statements)
        return self.finish(state)

    def start(
        self,
        *,
        schema: Schema | None = None,
        reported: set[str] | None = None,
        in_transaction: bool = False,
        managed: bool = False,
        lock_timeout: bool = False,
    ) -> RunState:
        """Begin a stream that is fed in pieces (:meth:`feed`), as :meth:`run` describes."""
        ctx = Context(pg_version=self.settings.pg_version, schema=schema or Schema())
        ctx.transactional_stream = managed
        ctx.lock_timeout = lock_timeout
        if in_transaction:
            ctx.begin(None)
            ctx.runner_commits = True
        return RunState(ctx, reported, managed)

    def feed(self, state: RunState, statements: Sequence[Statement]) -> None:
        """Check the next statements of a stream begun with :meth:`start`."""
        ctx = state.ctx
        wrapped = not state.started and not state.managed and not ctx.in_transaction
        if wrapped and _wrapped_by_runner(statements):
            ctx.begin(None)
            ctx.runner_commits = True
        reported = state.reported
        by_kind = self.selection.by_kind
        every = self.selection.every
        cache = self._cache
        for s in statements:
            if state.block and not s.nested:
                ctx.end()
                state.block = False
            elif s.nested and not ctx.in_transaction:
                ctx.begin(None)
                state.block = True
            if not state.started or s.path != state.path or s.revision != state.revision:
                if state.started and state.last is not None:
                    self._finish(ctx, state.last, reported)
                state.started = True
                state.path, state.revision = s.path, s.revision
                ctx.created = set()
                ctx.memory = {}
                ctx.path = s.path
            if not s.internal:
                state.last = s
                if reported is None or (s.revision or s.path) in reported:
                    actions = s.actions if isinstance(s, TableChange) else ()
                    key: Kind | tuple[Kind | str, ...] = (
                        (s.kind, *[a.kind for a in actions]) if actions else s.kind
                    )
                    checks = cache.get(key)
                    if checks is None:
                        checks = cache[key] = self._checks_for(s, by_kind, every)
                    for rule, check in checks:
                        for hit in check(s, ctx):
                            self._add(rule, s, hit)
            ctx.apply(s)

    def finish(self, state: RunState) -> Schema:
        """End a stream: run the rules' end-of-unit checks; return the schema it leaves."""
        if state.last is not None:
            self._finish(state.ctx, state.last, state.reported)
        return state.ctx.schema

    def _checks_for(
        self, s: Statement, by_kind: dict[Kind, list[Rule]], every: list[Rule]
    ) -> list[tuple[Rule, Check]]:
        """The rules to run on ``s`` (by statement kind and ALTER TABLE action kinds)."""
        rules = list(by_kind.get(s.kind, ()))
        by_action = self.selection.by_action if s.kind is Kind.ALTER_TABLE else {}
        for action in s.actions if isinstance(s, TableChange) else ():
            for rule in by_action.get(action.kind, ()):
                if rule not in rules:
                    rules.append(rule)
        rules.extend(every)
        return [(rule, rule.check) for rule in rules if rule.check is not None]

    def _finish(self, ctx: Context, last: Statement, reported: set[str] | None) -> None:
        if reported is not None and (last.revision or last.path) not in reported:
            return
        for rule in self.selection.rules:
            if rule.finish is not None:
                self._emit(rule, last, rule.finish(ctx))

    def _emit(self, rule: Rule, s: Statement, hits: Iterable[Hit]) -> None:
        for hit in hits:
            self._add(rule, s, hit)

    def _add(self, rule: Rule, s: Statement, hit: Hit) -> None:
        """Record one hit as a finding unless a suppression comment covers it."""
        where = hit.statement or s
        line = hit.line or where.line
        if self.suppressions.silenced(rule.id, where.path, line, max(line, where.end_line)):
            return
        severity = self.selection.severity[rule.id]
        if hit.severity is not None and rule.id not in self.selection.configured:
            severity = hit.severity
        self.findings.append(
            Finding(
                rule=rule.id,
                name=rule.name,
                severity=severity,
                location=Location(where.path, line, hit.column or where.column, where.revision),
                message=hit.message,
                fix=hit.fix,
                statement=where.text,
            )
        )
