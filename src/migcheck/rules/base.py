"""The shape of a rule: id, name, default severity, documentation and its check functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.sql.facts import Kind, Statement


@dataclass(slots=True)
class Hit:
    """What a rule reports: the message, the fix, optionally a more precise place and severity."""

    message: str
    fix: str
    line: int | None = None
    column: int | None = None
    statement: Statement | None = None
    #: this case's severity when it differs from the rule's default (a "may" case is milder);
    #: a severity configured for the rule still wins
    severity: Severity | None = None


Check = Callable[[Statement, Context], Iterable[Hit]]
Finish = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: identity, documentation and the functions that check statements.

    ``kinds`` lists the statement kinds ``check`` wants (empty tuple: every kind); for
    :attr:`Kind.ALTER_TABLE`, ``actions`` narrows it to statements with one of those action kinds.
    ``check`` is called with every statement as a :class:`Statement`; it narrows it to the family
    of the kinds it wants (``assert isinstance(s, IndexBuild)``, see
    :data:`migcheck.sql.facts.FAMILIES`) before reading that family's facts.

    ``doc`` is the user-facing documentation in four sections (*What it does*, *Why is this bad*,
    *Example*, *Use instead*); ``docs/rules/<ID>.md`` is generated from it.
    """

    id: str
    name: str
    severity: Severity
    doc: str
    kinds: tuple[Kind, ...] = ()
    check: Check | None = None
    finish: Finish | None = None
    opt_in: bool = False
    #: for ALTER TABLE: the action kinds the rule looks at (empty: every ALTER TABLE)
    actions: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The first line of the documentation."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name
