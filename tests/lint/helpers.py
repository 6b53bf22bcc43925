"""Shared helpers for the lint tests."""

from __future__ import annotations

from pathlib import Path

from tests.lint.headers import read_headers

from migcheck.config import Settings
from migcheck.lint.entry import lint_paths
from migcheck.result import Finding

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def settings_for(path: Path, enable: str | None = None) -> Settings:
    """Settings for a fixture: its headers (:mod:`tests.lint.headers`), plus rule ``enable``."""
    settings = read_headers(path).settings()
    if enable:
        settings = settings.replace(enable=settings.enable | {enable})
    return settings


def lint_sql(text: str, tmp_path: Path, **changes: object) -> list[Finding]:
    """Lint ``text`` written to a temporary file with default settings (plus ``changes``)."""
    target = tmp_path / "migration.sql"
    target.write_text(text, encoding="utf-8")
    settings = Settings().replace(**changes)
    return lint_paths([str(target)], settings).findings


def rules_of(findings: list[Finding]) -> list[str]:
    """Sorted rule ids of the findings."""
    return sorted(f.rule for f in findings)
