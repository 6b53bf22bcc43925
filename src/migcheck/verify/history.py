"""What a pull request did to the revision history, compared with a git ref.

The revision files of the work tree are compared with those at ``REF`` (read with ``git
cat-file``, never imported). A revision is identified by its ``revision = "…"`` assignment, not
by its file name, and its code is compared as parsed Python: ``ast.dump`` of the module with
every docstring removed, so comments, formatting and the generated header docstring do not
count, while any change to what the module does counts.

Found here, each a problem of the run:

- ``edited-revision``: a revision that exists at REF and whose code changed. Databases that
  ran it will never run it again.
- ``deleted-revision``: a revision that exists at REF and no longer exists.
- ``second-head``: a new revision whose ``down_revision`` is not a head at REF (nor another new
  revision): after the merge the history would have two heads.
- ``duplicate-revision``: two files that declare the same revision id (Alembic keeps one).

The revisions to walk in pull-request mode are the new ones and the edited ones.
"""

from __future__ import annotations

import ast
import copy
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from migcheck.alembic_project import compat
from migcheck.alembic_project.git import Git
from migcheck.alembic_project.project import Project


@dataclass(frozen=True)
class RevisionSource:
    """A revision file as parsed text: its id, parents, its text and its syntax tree."""

    revision: str
    parents: tuple[str, ...]
    labelled: bool  # declares branch_labels (a deliberate new branch)
    path: str
    text: bytes = field(repr=False)
    tree: ast.Module = field(repr=False, compare=False)

    def code(self) -> str:
        """``ast.dump`` of the module with the docstrings of the module, classes, functions cut."""
        tree = copy.deepcopy(self.tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)
                ):
                    node.body = body[1:] or [ast.Pass()]
        return ast.dump(tree, include_attributes=False)


@dataclass(frozen=True)
class HistoryProblem:
    """One thing a pull request did to the history (``revision`` may be gone from the tree)."""

    revision: str
    kind: str
    message: str


@dataclass
class History:
    """The comparison of the work tree's revisions with those at ``ref``."""

    ref: str
    commit: str
    #: revisions added or whose code changed since ``ref``: the ones pull-request mode walks
    changed: set[str] = field(default_factory=set)
    problems: list[HistoryProblem] = field(default_factory=list)


def parse_revision(path: str, text: bytes) -> RevisionSource | None:
    """The revision a file declares, or None when it is not a revision file (or not Python)."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for statement in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    revision = values.get("revision")
    if not isinstance(revision, str) or not revision:
        return None
    down = values.get("down_revision")
    if isinstance(down, str):
        parents: tuple[str, ...] = (down,)
    elif isinstance(down, (tuple, list)):
        parents = tuple(str(item) for item in down)
    else:
        parents = ()
    labelled = bool(values.get("branch_labels"))
    return RevisionSource(revision, parents, labelled, path, bytes(text), tree)


def _same_code(before: RevisionSource, after: RevisionSource) -> bool:
    """The same text, or text that differs only in comments, formatting and docstrings."""
    return before.text == after.text or before.code() == after.code()


def _sources(
    files: dict[str, bytes], parsed: dict[bytes, RevisionSource | None]
) -> list[RevisionSource]:
    """The revision files among ``files``; a text already in ``parsed`` is not parsed again."""
    found = []
    for path in sorted(files):
        if not path.endswith(".py"):
            continue
        text = files[path]
        if text not in parsed:
            parsed[text] = parse_revision(path, text)
        source = parsed[text]
        if source is not None:
            found.append(source if source.path == path else replace(source, path=path))
    return found


def _work_tree_files(directories: list[Path], recursive: bool) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for directory in directories:
        if not directory.is_dir():
            continue
        paths = directory.rglob("*.py") if recursive else directory.glob("*.py")
        for path in paths:
            if "__pycache__" not in path.parts:
                files[os.path.realpath(path)] = path.read_bytes()
    return files


def _heads(sources: dict[str, RevisionSource]) -> set[str]:
    parents = {parent for source in sources.values() for parent in source.parents}
    return set(sources) - parents


def analyse(project: Project, ref: str) -> History:
    """Compare ``project``'s revision files with those at git ``ref``."""
    git = Git(Path(project.script.dir))
    commit = git.resolve(ref)
    directories, recursive = compat.version_locations(project.script)
    parsed: dict[bytes, RevisionSource | None] = {}
    old = _sources(git.files_at(ref, commit, directories), parsed)
    new = _sources(_work_tree_files(directories, recursive), parsed)
    history = History(ref=ref, commit=commit)
    root = project.root

    def shown(path: str) -> str:
        relative = os.path.relpath(path, root)
        return path if relative.startswith("..") else relative

    by_id: dict[str, list[RevisionSource]] = {}
    for source in new:
        by_id.setdefault(source.revision, []).append(source)
    for revision, copies in by_id.items():
        if len(copies) > 1:
            files = ", ".join(shown(c.path) for c in copies)
            history.problems.append(
                HistoryProblem(
                    revision,
                    "duplicate-revision",
                    f"revision id {revision} is declared by {len(copies)} files ({files}); "
                    "Alembic keeps only one of them: give the others new ids",
                )
            )
    at_ref = {source.revision: source for source in old}
    now = {revision: copies[-1] for revision, copies in by_id.items()}
    short = commit[:12]
    for revision, before in at_ref.items():
        after = by_id.get(revision)
        if after is None:
            history.problems.append(
                HistoryProblem(
                    revision,
                    "deleted-revision",
                    f"revision {revision} ({shown(before.path)}) exists at {ref} ({short}) and "
                    "was deleted: databases that ran it still record it in alembic_version and "
                    "can no longer upgrade",
                )
            )
        elif not all(_same_code(before, version) for version in after):
            history.changed.add(revision)
            history.problems.append(
                HistoryProblem(
                    revision,
                    "edited-revision",
                    f"revision {revision} exists at {ref} ({short}) and its code changed: "
                    "databases that already ran it will never run the new code; "
                    "put the change in a new revision",
                )
            )
    heads = _heads(at_ref)
    added = set(now) - set(at_ref)
    history.changed |= added
    for revision in sorted(added, key=lambda r: now[r].path):
        source = now[revision]
        stale = [p for p in source.parents if p in at_ref and p not in heads]
        if stale or (not source.parents and at_ref and not source.labelled):
            where = ", ".join(stale) if stale else "base"
            tips = ", ".join(sorted(heads)) or "none"
            history.problems.append(
                HistoryProblem(
                    revision,
                    "second-head",
                    f"new revision {revision} has down_revision {where}, which is not the head "
                    f"at {ref} ({tips}): after the merge the history would have two heads; "
                    f"set down_revision to the head at {ref}",
                )
            )
    return history
