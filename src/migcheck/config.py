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

Unknown keys are an error naming the key, so a typo never silently disables a setting; so are
unknown rule ids (with the closest known id suggested), a ``pg-version`` outside 9 to 99, a
duration PostgreSQL would refuse and a ``backfill-batch-size`` below 1. The file must be UTF-8
(a byte order mark is allowed).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migcheck.errors import MigcheckError
from migcheck.postgres.durations import UNITS, is_duration
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
        text = path.read_bytes().decode("utf-8-sig")
        document = tomllib.loads(text)
    except OSError as error:
        raise MigcheckError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise MigcheckError(
            f"{path}: cannot read: not UTF-8 (byte {error.object[error.start]:#04x} at offset "
            f"{error.start}); TOML files must be UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise MigcheckError(f"{path}: cannot read: {error}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise MigcheckError(f"{path}: tool must be a table ([tool.migcheck]), not {tool!r}")
    table = tool.get("migcheck")
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


def _rule_id(raw: str, key: str, where: str) -> str:
    """``raw`` as a known rule id; MigcheckError naming ``key`` and the closest id otherwise."""
    from migcheck.rules.registry import all_rules

    known = [rule.id for rule in all_rules()]
    wanted = raw.strip().upper()
    if wanted in known:
        return wanted
    close = difflib.get_close_matches(wanted.replace("O", "0"), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "see `migcheck rules`"
    raise MigcheckError(f"{where}: {key}: unknown rule {raw!r} ({hint})")


#: the lowest value each whole-number setting accepts (and the highest, for pg-version)
_INT_RANGES = {"pg_version": (9, 99), "retries": (0, None), "backfill_batch_size": (1, None)}


def _convert(name: str, raw: Any, where: str) -> Any:
    key = name.replace("_", "-")
    if name in ("enable", "disable"):
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            raise MigcheckError(f"{where}: {name} must be a list of rule ids")
        return frozenset(_rule_id(r, name, where) for r in raw)
    if name == "severity":
        if not isinstance(raw, dict):
            raise MigcheckError(f'{where}: severity must be a table of RULE = "level"')
        try:
            levels = {str(k): Severity.parse(str(v)) for k, v in raw.items()}
        except ValueError as error:
            raise MigcheckError(f"{where}.severity: {error}") from None
        return {_rule_id(k, "severity", where): level for k, level in levels.items()}
    if name == "fail_on":
        try:
            return Severity.parse(str(raw))
        except ValueError as error:
            raise MigcheckError(f"{where}: fail-on: {error}") from None
    if name in _INT_RANGES:
        low, high = _INT_RANGES[name]
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise MigcheckError(f"{where}: {key} must be a whole number, not {raw!r}")
        if raw < low or (high is not None and raw > high):
            wanted = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise MigcheckError(f"{where}: {key} must be {wanted}, not {raw}")
        return raw
    if name == "retry_backoff":
        if not isinstance(raw, (int, float)) or isinstance(raw, bool) or raw < 0:
            raise MigcheckError(f"{where}: retry-backoff must be a number of seconds")
        return float(raw)
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or not is_duration(str(raw)):
        raise MigcheckError(
            f'{where}: {key} must be a duration like "2s" (units: {", ".join(UNITS)}), not {raw!r}'
        )
    return str(raw).strip()
