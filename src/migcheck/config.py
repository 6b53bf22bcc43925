"""``[tool.migcheck]`` in pyproject.toml: the settings, their defaults and validation.

Recognised keys (all optional)::

    [tool.migcheck]
    pg-version = 13              # oldest server version the migrations must be safe on
    enable = ["MC501"]           # opt-in rules (conventions are off by default)
    disable = ["MC106"]          # rules never reported
    fail-on = "warning"          # lowest severity that makes lint exit 1
    lock-timeout = "100ms"       # lock_timeout used by generated migrations (docs/autogenerate.md)
    statement-timeout = "0"      # statement_timeout for generated lock-taking steps ("0" = none)
    retries = 5                  # attempts for a lock-taking step that hits lock_timeout
    retry-backoff = 0.5          # seconds before the first retry; doubles on each retry
    backfill-batch-size = 1000   # rows per batch in generated backfills

    [tool.migcheck.severity]
    MC101 = "error"

Unknown keys are an error naming the key, so a typo never silently disables a setting.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migcheck.errors import MigcheckError
from migcheck.result import Severity


@dataclass(slots=True, frozen=True)
class Settings:
    """Validated ``[tool.migcheck]`` settings; the defaults are what an empty table means."""

    pg_version: int = 13
    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    fail_on: Severity = Severity.WARNING
    severity: dict[str, Severity] = field(default_factory=dict)
    lock_timeout: str = "100ms"
    statement_timeout: str = "0"
    retries: int = 5
    retry_backoff: float = 0.5
    backfill_batch_size: int = 1000
    source: Path | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with the given fields changed."""
        return dataclasses.replace(self, **changes)


_KEYS = {f.name.replace("_", "-") for f in dataclasses.fields(Settings)} - {"source"}


def find_pyproject(start: str | os.PathLike[str]) -> Path | None:
    """Return the nearest pyproject.toml at or above ``start`` (a file or directory), if any."""
    here = os.path.realpath(start)
    if os.path.isfile(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            return Path(candidate)
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def load_settings(
    start: str | os.PathLike[str] | None = None, *, path: str | os.PathLike[str] | None = None
) -> Settings:
    """Load settings from ``path``, or from the nearest pyproject.toml above ``start``.

    Returns the defaults when there is no pyproject.toml or it has no ``[tool.migcheck]``.
    """
    if path is None:
        path = find_pyproject(start or os.getcwd())
        if path is None:
            return Settings()
    path = Path(path)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MigcheckError(f"{path}: cannot read: {error}") from None
    table = document.get("tool", {}).get("migcheck")
    if table is None:
        return Settings(source=path)
    if not isinstance(table, dict):
        raise MigcheckError(f"{path}: [tool.migcheck] must be a table")
    return parse_settings(table, path)


def parse_settings(table: dict[str, Any], path: Path) -> Settings:
    """Validate a ``[tool.migcheck]`` table read from ``path``."""
    where = f"{path}: [tool.migcheck]"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise MigcheckError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    values: dict[str, Any] = {"source": path}
    for key, raw in table.items():
        name = key.replace("-", "_")
        values[name] = _convert(name, raw, where)
    return Settings(**values)


def _convert(name: str, raw: Any, where: str) -> Any:
    if name in ("enable", "disable"):
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            raise MigcheckError(f"{where}: {name} must be a list of rule ids")
        return frozenset(r.upper() for r in raw)
    if name == "severity":
        if not isinstance(raw, dict):
            raise MigcheckError(f'{where}: severity must be a table of RULE = "level"')
        try:
            return {str(k).upper(): Severity.parse(str(v)) for k, v in raw.items()}
        except ValueError as error:
            raise MigcheckError(f"{where}.severity: {error}") from None
    if name == "fail_on":
        try:
            return Severity.parse(str(raw))
        except ValueError as error:
            raise MigcheckError(f"{where}: fail-on: {error}") from None
    if name in ("pg_version", "retries", "backfill_batch_size"):
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise MigcheckError(f"{where}: {name.replace('_', '-')} must be a whole number")
        return raw
    if name == "retry_backoff":
        if not isinstance(raw, (int, float)) or isinstance(raw, bool) or raw < 0:
            raise MigcheckError(f"{where}: retry-backoff must be a number of seconds")
        return float(raw)
    if not isinstance(raw, (str, int)):
        raise MigcheckError(f'{where}: {name.replace("_", "-")} must be a duration like "2s"')
    return str(raw)
