"""The comment headers of a test SQL file, read the same way for both SQL corpora.

tests/lint/corpus/{hazard,safe}/*.sql and fixtures/rules/<ID>/{bad,good}*.sql may start with
``--`` comment lines; the ones of the form ``-- key: value`` set:

* ``-- expect: MC101 MC110`` — rule ids the file must raise (corpus hazard files);
* ``-- pg-version: 14`` — the server version the file is written for;
* ``-- enable: MC501`` — opt-in rules the case is about;
* ``-- squawk: rule-name`` — the squawk rule that addresses the hazard (``none`` when none does).

Other leading comments (``-- migcheck: ignore MC101``, prose) are left alone; the first line
that is not a comment ends the headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from migcheck.config import Settings


@dataclass(frozen=True, slots=True)
class Headers:
    """What the headers of one SQL file say."""

    expect: frozenset[str] = frozenset()
    pg_version: int | None = None
    enable: frozenset[str] = frozenset()
    squawk: str | None = None

    def settings(self) -> Settings:
        """Default settings, plus the file's pg-version and enabled opt-in rules."""
        settings = Settings()
        if self.pg_version is not None:
            settings = settings.replace(pg_version=self.pg_version)
        if self.enable:
            settings = settings.replace(enable=self.enable)
        return settings


def read_headers(path: Path) -> Headers:
    """Parse the comment headers at the top of ``path``."""
    expect: set[str] = set()
    enable: set[str] = set()
    pg_version: int | None = None
    squawk: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        key, _, value = line[2:].strip().partition(":")
        if key == "expect":
            expect.update(value.split())
        elif key == "enable":
            enable.update(value.split())
        elif key == "pg-version":
            pg_version = int(value)
        elif key == "squawk":
            squawk = value.strip()
    return Headers(frozenset(expect), pg_version, frozenset(enable), squawk)
