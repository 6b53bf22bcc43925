"""Plain data shared by every part of migcheck: findings, severities and results.

Lint's :class:`Report` and verify's ``VerifyResult`` (:mod:`migcheck.verify.results`) share the
pieces defined here (:class:`Finding`, :class:`Tool`, :class:`Coverage`) and one versioned JSON
shape (:data:`SCHEMA_VERSION`, :mod:`migcheck.results_io`, docs/result.schema.json).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from migcheck import __version__

#: the version of the JSON shape of results; it changes only when a key changes meaning or goes
SCHEMA_VERSION = 1


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
class Unchecked:
    """A revision a run did not check in full, and why."""

    revision: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.revision} ({self.path}): {self.reason}"


@dataclass(slots=True)
class Coverage:
    """How much of an Alembic history a run checked."""

    #: the revisions the run was asked to check
    revisions: int
    #: those it did not check in full, in order, each with the reason
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def checked(self) -> int:
        """Revisions checked in full."""
        return self.revisions - len(self.unchecked)

    @property
    def line(self) -> str:
        """``3 of 4 revisions checked; not checked: a9 (path): why``, the one coverage line."""
        text = f"{self.checked} of {self.revisions} revisions checked"
        if self.unchecked:
            text += "; not checked: " + "; ".join(str(u) for u in self.unchecked)
        return text


@dataclass(slots=True)
class Tool:
    """What produced a result: migcheck's version, and the PostgreSQL server where one ran."""

    version: str = __version__
    #: the server backend (``embedded``, ``docker``, ``url``), empty when no server ran
    backend: str = ""
    #: the server's version (``16.4``), empty when no server ran
    server_version: str = ""


@dataclass(slots=True)
class Report:
    """Everything one ``migcheck lint`` run found."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    statements: int = 0
    #: for an Alembic project: the revisions checked (None for SQL files)
    coverage: Coverage | None = None
    #: what the reader must know that the findings do not say (env.py could not run offline …)
    notes: list[str] = field(default_factory=list)
    #: findings at or above this severity fail the run (None: findings never fail it)
    fail_on: Severity | None = Severity.WARNING
    tool: Tool = field(default_factory=Tool)

    @property
    def failing_findings(self) -> int:
        """How many findings reach ``fail_on``."""
        if self.fail_on is None:
            return 0
        threshold = self.fail_on
        return sum(1 for f in self.findings if f.severity >= threshold)

    @property
    def ok(self) -> bool:
        """True when no finding reaches ``fail_on``."""
        return self.failing_findings == 0
