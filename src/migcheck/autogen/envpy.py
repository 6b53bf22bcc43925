"""Adding migcheck's one line to an Alembic env.py, found and edited through Python's ast.

Every ``context.configure(...)`` call gets ``**migcheck.alembic.configure_kwargs()``; a
``process_revision_directives=`` or ``transaction_per_migration=`` the call already passes moves
inside it (so the user's hook still runs, before migcheck's). ``import migcheck.alembic`` is added
after the module's leading imports. Only the edited spans of the file change; everything else,
comments and formatting included, stays byte for byte. Running it again changes nothing.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from migcheck.alembic_project.project import find_ini
from migcheck.errors import MigcheckError

IMPORT_LINE = "import migcheck.alembic"
SPLAT = "**migcheck.alembic.configure_kwargs"
#: keywords that configure_kwargs() also sets, so they move inside it
MOVED_KEYWORDS = ("process_revision_directives", "transaction_per_migration")


@dataclass(frozen=True)
class Edit:
    """The result of setting up one env.py: its path, old and new text."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        """Whether the file needs to change."""
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        name = str(self.path)
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=name,
                tofile=name,
            )
        )


def find_env_py(path: str | Path) -> Path:
    """The env.py for ``path``: an env.py itself, or the one an alembic.ini (or its dir) names."""
    candidate = Path(path)
    if candidate.is_file() and candidate.suffix == ".py":
        return candidate.resolve()
    ini = find_ini(candidate)
    try:
        script = ScriptDirectory.from_config(Config(str(ini)))
    except CommandError as error:
        raise MigcheckError(f"{ini}: {error}".splitlines()[0]) from None
    env = Path(script.dir) / "env.py"
    if not env.is_file():
        raise MigcheckError(f"{ini}: script_location {script.dir} has no env.py")
    return env


def plan(env_py: Path) -> Edit:
    """Work out the edit for ``env_py`` without writing it."""
    try:
        before = env_py.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MigcheckError(f"{env_py}: cannot read: {error}") from None
    return Edit(env_py, before, rewrite(before, str(env_py)))


def rewrite(source: str, name: str = "env.py") -> str:
    """``source`` with migcheck set up; MigcheckError when it cannot be understood."""
    tree = _parse(source, name)
    calls = _configure_calls(tree)
    if not calls:
        raise MigcheckError(
            f"{name}: no context.configure(...) call found; add "
            f"'{SPLAT}()' to your configure call by hand (see docs/autogenerate.md)"
        )
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for call in calls:
        edits.extend(_call_edits(call, source, lines, name))
    if not _imports_migcheck(tree):
        edits.append(_import_edit(tree, lines))
    result = source
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        result = result[:start] + text + result[end:]
    if result != source:
        check = _parse(result, name)
        if any(not _has_splat(c) for c in _configure_calls(check)):
            raise MigcheckError(f"{name}: could not add migcheck's line safely; add it by hand")
    return result


def _parse(source: str, name: str) -> ast.Module:
    try:
        return ast.parse(source, filename=name)
    except SyntaxError as error:
        raise MigcheckError(f"{name}: cannot parse: {error.msg} (line {error.lineno})") from None


def _configure_calls(tree: ast.Module) -> list[ast.Call]:
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "context"
    ]
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _has_splat(call: ast.Call) -> bool:
    return any(
        kw.arg is None
        and isinstance(kw.value, ast.Call)
        and isinstance(kw.value.func, ast.Attribute)
        and kw.value.func.attr == "configure_kwargs"
        for kw in call.keywords
    )


def _imports_migcheck(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Import) and any(
            alias.name == "migcheck.alembic" and alias.asname is None for alias in node.names
        ):
            return True
    return False


def _offset(lines: list[str], lineno: int, col: int) -> int:
    """Character offset of an ast (1-based line, UTF-8 byte column) position."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col].decode("utf-8"))


def _position(node: ast.AST) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of a node that has a source position."""
    values = (
        getattr(node, "lineno", None),
        getattr(node, "col_offset", None),
        getattr(node, "end_lineno", None),
        getattr(node, "end_col_offset", None),
    )
    if not all(isinstance(v, int) for v in values):
        raise MigcheckError("internal: ast node without a source position")
    return values  # type: ignore[return-value]


def _span(node: ast.AST, lines: list[str]) -> tuple[int, int]:
    line, col, end_line, end_col = _position(node)
    return _offset(lines, line, col), _offset(lines, end_line, end_col)


def _call_edits(
    call: ast.Call, source: str, lines: list[str], name: str
) -> list[tuple[int, int, str]]:
    if _has_splat(call):
        return []
    moved = [kw for kw in call.keywords if kw.arg in MOVED_KEYWORDS]
    inner = ", ".join(f"{kw.arg}={ast.get_source_segment(source, kw.value)}" for kw in moved)
    splat = f"{SPLAT}({inner})"
    arguments: list[ast.AST] = sorted(
        [*call.args, *call.keywords],
        key=lambda n: (n.lineno, n.col_offset),  # type: ignore[attr-defined]
    )
    if moved:
        first = _span(moved[0], lines)
        edits = [(first[0], first[1], splat)]
        for kw in moved[1:]:
            edits.append(_deletion(kw, arguments, lines))
        return edits
    call_end = _span(call, lines)[1]
    if not arguments:
        return [(call_end - 1, call_end - 1, splat)]
    last_end = _span(arguments[-1], lines)[1]
    last_line, _, last_end_line, _ = _position(arguments[-1])
    call_line, _, call_end_line, _ = _position(call)
    if last_line == call_line or last_end_line == call_end_line:
        return [(last_end, last_end, f", {splat}")]
    line = lines[last_line - 1]
    indent = line[: len(line) - len(line.lstrip())]
    return [(last_end, last_end, f",\n{indent}{splat}")]


def _deletion(node: ast.AST, arguments: list[ast.AST], lines: list[str]) -> tuple[int, int, str]:
    index = arguments.index(node)
    start, end = _span(node, lines)
    if index + 1 < len(arguments):
        return (start, _span(arguments[index + 1], lines)[0], "")
    return (_span(arguments[index - 1], lines)[1], end, "")


def _import_edit(tree: ast.Module, lines: list[str]) -> tuple[int, int, str]:
    last_import: ast.stmt | None = None
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last_import = node
        elif last_import is not None:
            break
    if last_import is None:
        return (0, 0, IMPORT_LINE + "\n")
    end_line = _position(last_import)[2]
    offset = sum(len(line) for line in lines[:end_line])
    prefix = "" if lines[end_line - 1].endswith("\n") else "\n"
    return (offset, offset, f"{prefix}{IMPORT_LINE}\n")
