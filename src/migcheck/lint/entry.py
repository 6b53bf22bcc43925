"""``migcheck lint``: gather statements from SQL files or an Alembic project and run the rules.

Importing this module is cheap: Alembic and SQLAlchemy are imported only by
:func:`lint_alembic`, so linting ``.sql`` files never pays for them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from migcheck import speed
from migcheck.config import Settings
from migcheck.errors import MigcheckError
from migcheck.lint.engine import Engine
from migcheck.lint.runner import Script, lint_scripts
from migcheck.lint.suppress import Suppressions, scan
from migcheck.result import Coverage, Finding, Location, Report, Severity, Unchecked
from migcheck.sql.facts import Kind


def display_path(path: str | os.PathLike[str]) -> str:
    """A path relative to the working directory when it is below it, else as given."""
    text = os.fspath(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # pragma: no cover - other drive on Windows
        return text
    return text if relative.startswith("..") else relative


def sql_files(paths: Iterable[str]) -> list[str]:
    """Expand the command-line paths: files as given, directories to their ``*.sql`` (sorted).

    Anything else that exists is read as a file: a pipe (``<(git show HEAD:a.sql)``), a device.
    """
    found: list[str] = []
    for raw in paths:
        if os.path.isdir(raw):
            found.extend(_sql_files_under(raw))
        elif raw == "-" or os.path.exists(raw):
            found.append(raw)
        else:
            raise MigcheckError(f"{raw}: no such file or directory")
    return found


def _sql_files_under(directory: str) -> list[str]:
    """Every ``*.sql`` file below ``directory``, sorted by path components.

    Symlinked directories are not followed.
    """
    found = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            full = os.path.join(root, name)
            if os.path.normcase(name).endswith(".sql") and os.path.isfile(full):
                found.append(full)
    return sorted(found, key=lambda path: path.split(os.sep))


def _read(path: str) -> str:
    """The text of a SQL file (``-``: stdin), without the UTF-8 byte order mark some editors add."""
    if path == "-":
        return sys.stdin.read().removeprefix("\ufeff")
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            return handle.read()
    except OSError as error:
        raise MigcheckError(f"{path}: cannot read: {error.strerror}") from None


def lint_paths(paths: Sequence[str], settings: Settings, *, in_transaction: bool = False) -> Report:
    """Lint SQL files and directories; schema learned from one file carries to the next."""
    files = sql_files(paths)
    suppressions = Suppressions()
    engine = Engine(settings, suppressions)
    scripts = []
    for path in files:
        text = _read(path)
        shown = "<stdin>" if path == "-" else display_path(path)
        suppressions.add(scan(shown, text, "--"))
        scripts.append(Script(shown, text))
    count = lint_scripts(engine, scripts, in_transaction=in_transaction)
    report = Report(files=len(files), statements=count)
    report.findings = engine.findings + unused_ignores(engine, suppressions)
    return report


def unused_ignores(
    engine: Engine, suppressions: Suppressions, paths: set[str] | None = None
) -> list[Finding]:
    """MC001 findings for ignore comments that silenced nothing."""
    if not engine.selection.enabled("MC001"):
        return []
    severity = engine.selection.severity["MC001"]
    out = []
    for ignore in suppressions.unused(paths):
        listed = ", ".join(sorted(ignore.rules)) or "all rules"
        out.append(
            Finding(
                rule="MC001",
                name="unused-ignore",
                severity=severity,
                location=Location(ignore.path, ignore.line, ignore.column),
                message=f"migcheck ignore comment ({listed}) does not silence any finding",
                fix="Remove the comment, or name the rule that fires on this line.",
            )
        )
    return out


def lint_alembic(
    path: str,
    settings: Settings,
    *,
    name: str = "alembic",
    start: str | None = None,
    end: str | None = None,
    changed_since: str | None = None,
    x_args: Sequence[str] = (),
    notes: list[str] | None = None,
) -> Report:
    """Lint the revisions of an Alembic project as Alembic renders them offline.

    Remarks for the user (e.g. env.py could not run offline) are appended to ``notes``.
    """
    with speed.gc_paused():
        return _lint_alembic(path, settings, name, start, end, changed_since, x_args, notes)


#: why a revision that raised while rendering offline was not checked in full
_UNRENDERED = (
    "raised while rendering offline (MC002): only its statements before that line were "
    "checked, not the rest nor its downgrade"
)


def _lint_alembic(
    path: str,
    settings: Settings,
    name: str,
    start: str | None,
    end: str | None,
    changed_since: str | None,
    x_args: Sequence[str],
    notes: list[str] | None,
) -> Report:
    from migcheck.alembic_project.offline import capture_project

    captured = capture_project(
        path,
        name=name,
        start=start,
        end=end,
        changed_since=changed_since,
        x_args=x_args,
        notes=notes,
    )
    suppressions = Suppressions()
    shown: set[str] = set()
    for revision in captured.revisions:
        if revision.selected:
            suppressions.add(scan(revision.path, revision.source, "#"))
            shown.add(revision.path)
    engine = Engine(settings, suppressions)
    engine.run(
        captured.statements,
        reported=captured.selected,
        managed=True,
        lock_timeout=captured.session_lock_timeout,
    )
    if captured.session_lock_timeout and notes is not None:
        notes.append("env.py sets lock_timeout for its session: every revision runs with it")
    paths = {r.revision: r.path for r in captured.revisions}
    unchecked = [
        Unchecked(r, paths[r], _UNRENDERED) for r in captured.unrendered if r in captured.selected
    ]
    report = Report(files=len(shown), coverage=Coverage(len(captured.selected), unchecked))
    report.statements = sum(  # a revision's failure to render is not a statement checked
        1
        for s in captured.statements
        if not s.internal and s.revision in captured.selected and s.kind is not Kind.RENDER_ERROR
    )
    report.findings = engine.findings + unused_ignores(engine, suppressions, shown)
    return report


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in file order (path, line, column, rule)."""
    return sorted(
        findings,
        key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule),
    )


def exit_code(report: Report, fail_on: Severity | None) -> int:
    """0 when no finding reaches ``fail_on`` (None: never fail), else 1."""
    if fail_on is None:
        return 0
    return 1 if any(f.severity >= fail_on for f in report.findings) else 0
