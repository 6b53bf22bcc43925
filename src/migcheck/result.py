"""Plain data shared by every part of migcheck: findings, severities and results."""

from __future__ import annotations

import enum

from migcheck.record import Record


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


class Location(Record):
    """Where something is: a file, a 1-based line and column, and optionally a revision id."""

    __slots__ = ("path", "line", "column", "revision")

    def __init__(
        self, path: str, line: int = 1, column: int = 1, revision: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.revision = revision


class Finding(Record):
    """One problem found by a rule, with the fix a reviewer should apply."""

    __slots__ = ("rule", "name", "severity", "location", "message", "fix", "statement")

    def __init__(
        self,
        rule: str,
        name: str,
        severity: Severity,
        location: Location,
        message: str,
        fix: str = "",
        statement: str = "",
    ) -> None:
        self.rule = rule
        self.name = name
        self.severity = severity
        self.location = location
        self.message = message
        self.fix = fix
        self.statement = statement


class Report(Record):
    """Everything one ``migcheck lint`` run found."""

    __slots__ = ("findings", "files", "statements")

    def __init__(
        self, findings: list[Finding] | None = None, files: int = 0, statements: int = 0
    ) -> None:
        self.findings: list[Finding] = [] if findings is None else findings
        self.files = files
        self.statements = statements
