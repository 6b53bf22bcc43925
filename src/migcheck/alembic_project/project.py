"""Loading an Alembic project: its Config, ScriptDirectory, revision graph and order.

Everything that needs to know "which revisions exist and in what order" asks this module.
Errors in the user's project (no alembic.ini, a broken revision file, a cycle) become a
:class:`~migcheck.errors.MigcheckError` that names the file or revision.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import importlib
import os
import re
import sys
import traceback
import warnings
from argparse import Namespace
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from migcheck.alembic_project import compat
from migcheck.errors import MigcheckError


@dataclass
class Project:
    """An Alembic project loaded from its ini file.

    The revision files are imported the first time :attr:`revisions` (or :meth:`get`) is used,
    not when the project is loaded: ``alembic upgrade`` imports them only once env.py runs its
    migrations, after env.py has set up ``sys.path`` and the environment.
    """

    ini_path: Path
    config: Config
    script: ScriptDirectory
    #: revision ids defined by two files that a caller reports itself (pull-request mode makes
    #: each a finding); any other duplicate id stops the load
    reported_duplicates: frozenset[str] = frozenset()
    _revisions: list[Script] | None = field(default=None, repr=False)

    @property
    def revisions(self) -> list[Script]:
        """Every revision in a valid topological order, base first (see :meth:`load`)."""
        return self.load()

    def load(self) -> list[Script]:
        """Import the revision files (once) and return them in a valid topological order.

        Each revision comes after all of its ``down_revision`` parents and its ``depends_on``
        dependencies. A revision file that fails to import is a MigcheckError naming its line.
        """
        if self._revisions is None:
            try:
                with _sound_revision_map(
                    self.script, self.ini_path.parent, self.reported_duplicates
                ):
                    self._revisions = _topological(self.script)
            except CommandError as error:
                raise MigcheckError(f"{self.ini_path}: {error}".splitlines()[0]) from None
            except MigcheckError:
                raise
            except Exception as error:  # whatever a revision file raises on import
                raise _load_error(error, self.ini_path.parent) from None
        return self._revisions

    @property
    def loaded(self) -> bool:
        """True once the revision files have been imported."""
        return self._revisions is not None

    @property
    def heads(self) -> tuple[str, ...]:
        """Revision ids of the current heads."""
        return tuple(self.script.get_heads())

    @property
    def root(self) -> Path:
        """The directory that holds the ini file."""
        return self.ini_path.parent

    def get(self, revision: str) -> Script:
        """Return one revision by id (or unique prefix); MigcheckError when there is none."""
        self.load()
        try:
            script = self.script.get_revision(revision)
        except CommandError as error:
            raise MigcheckError(f"revision {revision!r}: {error}") from None
        if script is None:
            raise MigcheckError(f"revision {revision!r} not found in {self.script.dir}")
        return script

    def parents(self, script: Script) -> tuple[str, ...]:
        """The revision ids a downgrade of ``script`` lands on (empty for a base revision)."""
        return _as_tuple(script.down_revision)

    def between(self, start: str | None = None, end: str | None = None) -> list[Script]:
        """Revisions in order, from ``start`` (inclusive) to ``end`` (inclusive).

        ``start`` keeps that revision and everything after it in the order that descends from it;
        ``end`` keeps that revision and its ancestors.
        """
        selected = self.revisions
        if start is not None:
            first = self.get(start).revision
            descendants = {first} | _descendants(self.revisions, first)
            selected = [s for s in selected if s.revision in descendants]
        if end is not None:
            last = self.get(end).revision
            ancestors = {last} | _ancestors(self.revisions, last)
            selected = [s for s in selected if s.revision in ancestors]
        return selected


@contextlib.contextmanager
def working_directory(directory: Path) -> Iterator[None]:
    """Run in the project directory, as ``alembic`` run there would.

    A relative ``script_location``, ``prepend_sys_path = .`` and env.py's own relative paths then
    resolve as under ``alembic``. Import finders cached for relative ``sys.path`` entries (``""``,
    ``"."``) remember the directory they were made in, or are None when it was deleted (Python
    3.10 keeps both across ``invalidate_caches()``): they are dropped on the way in and out.
    """
    previous = os.getcwd()
    os.chdir(directory)
    _forget_relative_finders()
    try:
        yield
    finally:
        os.chdir(previous)
        _forget_relative_finders()


def _forget_relative_finders() -> None:
    for entry in [key for key in sys.path_importer_cache if not os.path.isabs(key)]:
        del sys.path_importer_cache[entry]
    importlib.invalidate_caches()


def find_ini(path: str | os.PathLike[str]) -> Path:
    """Resolve a path to an alembic.ini: the file itself, or ``alembic.ini`` in a directory."""
    candidate = Path(path)
    if candidate.is_dir():
        candidate = candidate / "alembic.ini"
    if not candidate.is_file():
        raise MigcheckError(f"{path}: no alembic.ini found (pass the file or its directory)")
    return candidate.resolve()


def load_project(
    path: str | os.PathLike[str],
    *,
    name: str = "alembic",
    x_args: Sequence[str] = (),
) -> Project:
    """Load the Alembic project whose ini file is ``path`` (or lives in directory ``path``).

    ``name`` selects the ini section (alembic's ``--name``); ``x_args`` are ``key=value`` strings
    passed through as alembic's ``-x``. The revision files are not imported yet (see
    :meth:`Project.load`).
    """
    ini_path = find_ini(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini_path, encoding="locale")  # as Alembic reads it
    except UnicodeDecodeError as error:
        raise MigcheckError(
            f"{ini_path}: cannot read: not {error.encoding} (byte {error.object[error.start]:#04x} "
            f"at offset {error.start}); Alembic reads it in the locale's encoding"
        ) from None
    except configparser.Error as error:
        if ini_path.read_bytes().startswith(b"\xef\xbb\xbf"):
            raise MigcheckError(
                f"{ini_path}: starts with a UTF-8 byte order mark, which Alembic cannot read: "
                "save it without one"
            ) from None
        raise MigcheckError(f"{ini_path}: cannot parse: {error}".splitlines()[0]) from None
    if not parser.has_section(name):
        raise MigcheckError(f"{ini_path}: no [{name}] section (choose one with --name)")
    config = Config(str(ini_path), ini_section=name)
    config.cmd_opts = _cmd_opts(list(x_args))
    if not config.get_main_option("script_location"):
        raise MigcheckError(f"{ini_path}: [{name}] has no script_location")
    try:
        script = ScriptDirectory.from_config(config)
    except CommandError as error:
        raise MigcheckError(f"{ini_path}: {error}".splitlines()[0]) from None
    return Project(ini_path=ini_path, config=config, script=script)


#: Alembic's warning for a revision id that two files define (the later file silently wins)
_DUPLICATE = re.compile(r"Revision (\S+) is present more than once")
#: Alembic's warning for a down_revision no file defines (then it raises KeyError)
_MISSING = re.compile(r"Revision (\S+) referenced from .* is not present")


@contextlib.contextmanager
def _sound_revision_map(
    script: ScriptDirectory, root: Path, reported: frozenset[str] = frozenset()
) -> Iterator[None]:
    """Within the block (where Alembic reads the revisions), refuse a broken revision map.

    A revision id defined by two files (Alembic only warns and keeps one; ids in ``reported``
    are let through) and a ``down_revision`` that no file defines (Alembic warns, then raises
    ``KeyError``) become a MigcheckError naming the files. Other warnings are passed on.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                text = str(warning.message)
                duplicate, missing = _DUPLICATE.match(text), _MISSING.match(text)
                if duplicate and duplicate.group(1) not in reported:
                    raise _map_error(script, root, "revision", duplicate.group(1))
                if missing:
                    raise _map_error(script, root, "down_revision", missing.group(1))
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def _map_error(script: ScriptDirectory, root: Path, name: str, revision: str) -> MigcheckError:
    """The error naming each revision file whose ``name`` (or ``depends_on``) holds ``revision``."""
    places = [Path(p) for p in script.version_locations] or [Path(script.versions)]
    pattern = "**/*.py" if script.recursive_version_locations else "*.py"
    names = (name,) if name == "revision" else (name, "depends_on")
    files = sorted(
        os.path.relpath(path, root)
        for place in places
        for path in place.glob(pattern)
        if any(revision in _assigned(path, n) for n in names)
    )
    if name == "revision":
        return MigcheckError(
            f"revision {revision!r} is defined by more than one file ({', '.join(files)}): "
            "give each revision its own id"
        )
    return MigcheckError(
        f"{', '.join(files) or 'a revision'}: revises {revision!r}, which no revision file "
        "defines (a typo, or a file missing from the versions directory?)"
    )


def _assigned(path: Path, name: str) -> tuple[str, ...]:
    """The literal strings of a revision file's module-level ``name = …``, read without running."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return ()
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == name:
            items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
            return tuple(
                item.value
                for item in items
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )
    return ()


def _load_error(error: BaseException, root: Path) -> MigcheckError:
    """One line naming the project file (and line) where loading a revision failed."""
    lines = str(error).strip().splitlines()
    what = type(error).__name__ + (f": {lines[0]}" if lines else "")
    return MigcheckError(f"{_raised_in(error, root)}: cannot load revision: {what}")


def _raised_in(error: BaseException, root: Path) -> str:
    """The outermost line of a project file (not an installed package) that ``error`` passed."""
    top = os.path.realpath(root)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        frames.append((error.filename, error.lineno))
    for filename, lineno in frames:
        if not os.path.isfile(filename):
            continue  # "<frozen importlib._bootstrap>" and the like
        path = os.path.realpath(filename)
        if path.startswith(top + os.sep) and "site-packages" not in path:
            return f"{os.path.relpath(path, top)}:{lineno}"
    return str(root / "alembic.ini")


def _cmd_opts(x_args: list[str]) -> Namespace:
    return Namespace(x=x_args or None)


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _requirements(script: Script) -> tuple[str, ...]:
    return _as_tuple(script.down_revision) + compat.resolved_dependencies(script)


def _topological(script_dir: ScriptDirectory) -> list[Script]:
    """Order revisions so that parents and dependencies come first; ties keep file order."""
    scripts = list(reversed(list(script_dir.walk_revisions())))
    by_id = {s.revision: s for s in scripts}
    placed: set[str] = set()
    ordered: list[Script] = []
    pending = scripts
    while pending:
        remaining: list[Script] = []
        for s in pending:
            if all(r in placed or r not in by_id for r in _requirements(s)):
                ordered.append(s)
                placed.add(s.revision)
            else:
                remaining.append(s)
        if len(remaining) == len(pending):
            stuck = ", ".join(s.revision for s in remaining[:5])
            raise MigcheckError(f"revision graph has a cycle through: {stuck}")
        pending = remaining
    return ordered


def _descendants(scripts: list[Script], revision: str) -> set[str]:
    found: set[str] = set()
    for s in scripts:
        if any(r == revision or r in found for r in _requirements(s)):
            found.add(s.revision)
    return found


def _ancestors(scripts: list[Script], revision: str) -> set[str]:
    by_id = {s.revision: s for s in scripts}
    found: set[str] = set()
    stack = list(_requirements(by_id[revision])) if revision in by_id else []
    while stack:
        rev = stack.pop()
        if rev in found or rev not in by_id:
            continue
        found.add(rev)
        stack.extend(_requirements(by_id[rev]))
    return found
