"""Plain data shared by every part of migcheck: findings, severities and results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that ``a >= b`` means *a is at least as bad*."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Lower-case name used in every output format (``"warning"``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity from its name; raises ``ValueError`` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


@dataclass(slots=True)
class Location:
    """Where something is: a file, a 1-based line and column, and optionally a revision id."""

    path: str
    line: int = 1
    column: int = 1
    revision: str | None = None


@dataclass(slots=True)
class Finding:
    """One problem found by a rule, with the fix a reviewer should apply."""

    rule: str
    name: str
    severity: Severity
    location: Location
    message: str
    fix: str = ""
    statement: str = ""


@dataclass(slots=True)
class Coverage:
    """How much of an Alembic history a lint run checked."""

    #: the revisions the run was asked to lint
    revisions: int
    #: those that could not be rendered offline, in order, as ``"id (path)"``: what they
    #: rendered before the failure was checked, the rest was not
    unchecked: list[str] = field(default_factory=list)

    @property
    def checked(self) -> int:
        """Revisions rendered in full and checked."""
        return self.revisions - len(self.unchecked)


@dataclass(slots=True)
class Report:
    """Everything one ``migcheck lint`` run found."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    statements: int = 0
    #: for an Alembic project: the revisions checked (None for SQL files)
    coverage: Coverage | None = None
