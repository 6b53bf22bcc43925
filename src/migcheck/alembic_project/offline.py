"""Capture what an Alembic project really runs: offline SQL per revision, mapped to ``op.`` lines.

Each revision is rendered the way ``alembic upgrade PARENT:REV --sql`` renders it, through the
project's own env.py, so the transaction structure is Alembic's: the BEGIN/COMMIT around the
revision (or the whole run), ``transaction_per_migration`` and the COMMIT/BEGIN pair emitted by
``autocommit_block()``. While rendering, Alembic's ``static_output`` is wrapped: every chunk of SQL
is tagged with the revision file and line of the ``op.`` call on the Python stack that produced
it. ``op.alter_column(..., existing_type=...)`` is wrapped too, so the previous column type is
known even when the column was created outside the project's history.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging.config
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from migcheck.alembic_project import compat
from migcheck.errors import MigcheckError
from migcheck.sql.extract import statements as sql_statements
from migcheck.sql.extract import table_key, type_ref
from migcheck.sql.facts import ColumnDef, Statement
from migcheck.sql.parser import parse_script


@dataclass
class CapturedRevision:
    """One revision file: its id, the path shown in findings, its source and if it is reported."""

    revision: str
    path: str
    source: str
    selected: bool


@dataclass
class Captured:
    """Every statement of the rendered revisions, in run order, and the revisions themselves."""

    statements: list[Statement] = field(default_factory=list)
    revisions: list[CapturedRevision] = field(default_factory=list)
    selected: set[str] = field(default_factory=set)
    #: env.py (or the database URL) sets lock_timeout for the session when it runs online
    session_lock_timeout: bool = False


@dataclass
class _Chunk:
    text: str
    revision: str | None
    line: int
    internal: bool
    hint: Statement | None = None


class _Recorder:
    """Collects chunks of offline output with the revision file and line that produced them."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.chunks: list[_Chunk] = []
        self._known: dict[str, str | None] = {}

    def revision_frame(self, frame: FrameType | None) -> tuple[str | None, int]:
        while frame is not None:
            name = frame.f_code.co_filename
            revision = self._known.get(name, "")
            if revision == "":
                revision = self.files.get(os.path.realpath(name))
                self._known[name] = revision
            if revision is not None:
                return revision, frame.f_lineno
            frame = frame.f_back
        return None, 0

    def output(self, text: str, frame: FrameType | None) -> None:
        caller = frame.f_code.co_name if frame is not None else ""
        revision, line = self.revision_frame(frame)
        internal = revision is None or caller in ("emit_begin", "emit_commit")
        self.chunks.append(_Chunk(text, revision, line, internal))

    def hint(self, table: str, column: str, type_text: str | None, nullable: bool | None) -> None:
        revision, line = self.revision_frame(sys._getframe(2))
        parsed = type_ref_of(type_text) if type_text else None
        col = ColumnDef(column, parsed, not_null=nullable is False)
        hint = Statement("schema_hint", table=table, columns=(col,), internal=True)
        self.chunks.append(_Chunk("", revision, line, True, hint))


def type_ref_of(type_text: str) -> Any:
    """Parse a compiled SQL type (``VARCHAR(50)``) into a TypeRef; None if it does not parse."""
    raws = parse_script(f"SELECT NULL::{type_text}")
    if not raws or raws[0].tree is None:
        return None
    targets = raws[0].node.get("targetList", [])
    try:
        cast = targets[0]["ResTarget"]["val"]["TypeCast"]
    except (IndexError, KeyError):
        return None
    return type_ref(cast.get("typeName"))


@contextlib.contextmanager
def _patched(recorder: _Recorder) -> Iterator[None]:
    from alembic.ddl.impl import DefaultImpl
    from alembic.ddl.postgresql import PostgresqlImpl

    from migcheck.alembic_project.offline_bind import offline_bind

    original_output = DefaultImpl.static_output
    original_bind = compat.stdout_connection()
    original_alter = PostgresqlImpl.alter_column
    original_file_config = logging.config.fileConfig

    def static_output(self: Any, text: str) -> None:
        recorder.output(text, sys._getframe(1))

    def alter_column(self: Any, table_name: str, column_name: str, **kw: Any) -> None:
        existing = kw.get("existing_type")
        type_text = None
        if existing is not None:
            with contextlib.suppress(Exception):
                type_text = str(existing.compile(dialect=self.dialect))
        if type_text is not None or kw.get("existing_nullable") is not None:
            table = table_key(kw.get("schema"), table_name)
            recorder.hint(table, column_name, type_text, kw.get("existing_nullable"))
        original_alter(self, table_name, column_name, **kw)

    def no_logging_config(*args: Any, **kwargs: Any) -> None:
        return None

    DefaultImpl.static_output = static_output  # type: ignore[method-assign]
    PostgresqlImpl.alter_column = alter_column  # type: ignore[method-assign]
    logging.config.fileConfig = no_logging_config
    compat.set_stdout_connection(lambda self, connection: offline_bind(self))
    try:
        yield
    finally:
        compat.set_stdout_connection(original_bind)
        DefaultImpl.static_output = original_output  # type: ignore[method-assign]
        PostgresqlImpl.alter_column = original_alter  # type: ignore[method-assign]
        logging.config.fileConfig = original_file_config


def _changed_files(root: Path, ref: str) -> set[str]:
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "--name-only", ref, "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        untracked = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise MigcheckError(
            f"--changed-since {ref}: git failed: {detail.strip().splitlines()[-1:]}"
        ) from None
    changed = {os.path.realpath(os.path.join(top, name)) for name in diff.splitlines() if name}
    changed |= {os.path.realpath(root / name) for name in untracked.splitlines() if name}
    return changed


def _display(path: str, origin: str) -> str:
    relative = os.path.relpath(path, origin)
    return path if relative.startswith("..") else relative


@contextlib.contextmanager
def _offline_run(config: Any, script: Any, target: str, downgrade: bool) -> Iterator[Any]:
    """What ``alembic upgrade TARGET --sql`` (or ``downgrade``) sets up, reusing the scripts.

    ``command.upgrade`` would build a new ScriptDirectory (re-reading every revision file) on
    each call, which made rendering N revisions one by one quadratic.
    """
    from alembic.runtime.environment import EnvironmentContext

    start, _, destination = target.rpartition(":")

    def run(revision: Any, context: Any) -> Any:
        if downgrade:
            return compat.downgrade_revs(script, destination, revision)
        return compat.upgrade_revs(script, destination, revision)

    with EnvironmentContext(
        config,
        script,
        fn=run,
        as_sql=True,
        starting_rev=start or None,
        destination_rev=destination,
    ) as environment:
        yield environment


def _render_with_env_py(config: Any, script: Any, target: str, downgrade: bool = False) -> None:
    with _offline_run(config, script, target, downgrade):
        script.run_env()


def _render_builtin(config: Any, script: Any, target: str, downgrade: bool = False) -> None:
    """Render like ``upgrade --sql`` with Alembic's stock PostgreSQL environment, not env.py."""
    with _offline_run(config, script, target, downgrade) as environment:
        environment.configure(
            dialect_name="postgresql", literal_binds=True, output_buffer=io.StringIO()
        )
        with environment.begin_transaction():
            environment.run_migrations()


def capture_project(
    path: str | os.PathLike[str],
    *,
    name: str = "alembic",
    start: str | None = None,
    end: str | None = None,
    changed_since: str | None = None,
    x_args: Sequence[str] = (),
    notes: list[str] | None = None,
) -> Captured:
    """Render every revision up to ``end`` offline; select those from ``start`` or changed.

    Revisions before the selection are rendered too, so their statements build the prior schema.
    When the project's env.py cannot run offline (it always connects, or needs environment
    variables), the revisions are rendered with Alembic's stock PostgreSQL environment instead
    and a line saying so is appended to ``notes``.
    """
    from migcheck.alembic_project.project import find_ini, load_project, working_directory

    origin = os.getcwd()
    ini = find_ini(path)
    saved_path = list(sys.path)
    try:
        with working_directory(ini.parent):
            project = load_project(ini, name=name, x_args=x_args)
            return _capture(project, origin, start, end, changed_since, notes)
    finally:
        sys.path[:] = saved_path  # Alembic prepends prepend_sys_path entries for env.py


def _capture(
    project: Any,
    origin: str,
    start: str | None,
    end: str | None,
    changed_since: str | None,
    notes: list[str] | None,
) -> Captured:
    wanted = {s.revision for s in project.between(start, end)}
    last = project.get(end).revision if end else None
    if changed_since is not None:
        changed = _changed_files(Path(project.script.dir), changed_since)
        wanted = {s.revision for s in project.revisions if os.path.realpath(s.path) in changed}
        wanted &= {s.revision for s in project.between(start, end)}
    files = {os.path.realpath(s.path): s.revision for s in project.revisions}
    captured = Captured(selected=wanted)
    captured.session_lock_timeout = _sets_lock_timeout(project)
    keep = project.between(None, last) if last else project.revisions
    if not project.config.get_main_option("sqlalchemy.url"):
        project.config.set_main_option("sqlalchemy.url", "postgresql+psycopg://")
    render = _render_with_env_py
    for script in keep:
        shown = _display(os.path.abspath(script.path), origin)
        source = Path(script.path).read_text(encoding="utf-8", errors="replace")
        selected = script.revision in wanted
        captured.revisions.append(CapturedRevision(script.revision, shown, source, selected))
        parents = project.parents(script)
        target = f"{parents[0]}:{script.revision}" if parents else script.revision
        while True:
            recorder = _Recorder(files)
            project.config.output_buffer = io.StringIO()
            try:
                with _patched(recorder), contextlib.redirect_stdout(io.StringIO()):
                    render(project.config, project.script, target)
                failure = None
            except Exception as error:  # the user's revision and env.py code may raise anything
                failure = error
            if failure is None or _raised_in(failure, files) or render is _render_builtin:
                break
            message = _first_line(failure)
            if notes is not None:
                notes.append(
                    f"{project.ini_path}: env.py cannot run offline ({message}); rendering "
                    "revisions with Alembic's default PostgreSQL environment instead"
                )
            render = _render_builtin
        lines = source.splitlines()
        if failure is not None:
            if not _raised_in(failure, files):
                raise MigcheckError(
                    f"{project.ini_path}: cannot render revision {script.revision} offline "
                    f"(alembic upgrade --sql): {_first_line(failure)}"
                )
            captured.statements.append(_failure(failure, script.path, shown, script.revision))
            continue
        captured.statements.extend(_statements(recorder.chunks, script.revision, shown, lines))
        if selected and "drop_constraint" in source:
            destination = parents[0] if parents else "base"
            down = _render_failure(project, render, f"{script.revision}:{destination}", files)
            if down is not None and _unnamed_constraint(down) is not None:
                captured.statements.append(_failure(down, script.path, shown, script.revision))
    return captured


def _render_failure(project: Any, render: Any, target: str, files: dict[str, str]) -> Any:
    """The exception rendering ``downgrade TARGET --sql`` raises in a revision file, or None."""
    project.config.output_buffer = io.StringIO()
    try:
        with _patched(_Recorder(files)), contextlib.redirect_stdout(io.StringIO()):
            render(project.config, project.script, target, downgrade=True)
    except Exception as error:  # the user's revision and env.py code may raise anything
        return error if _raised_in(error, files) else None
    return None


#: ``op.drop_constraint(type_=…)`` for each SQLAlchemy constraint class
_CONSTRAINT_TYPES = {
    "ForeignKeyConstraint": "foreignkey",
    "UniqueConstraint": "unique",
    "CheckConstraint": "check",
    "PrimaryKeyConstraint": "primary",
}


def _unnamed_constraint(error: BaseException) -> tuple[str | None, str | None] | None:
    """(table, type_) when ``error`` is the failure to drop a constraint that has no name.

    SQLAlchemy's compiler raises ``CompileError("Can't emit DROP CONSTRAINT … it has no name")``
    (Alembic's batch mode a ``ValueError("Constraint must have a name")``); the constraint
    object is found among the locals of the traceback's frames.
    """
    from sqlalchemy.exc import CompileError
    from sqlalchemy.schema import Constraint

    text = str(error)
    compile_error = isinstance(error, CompileError) and (
        text.startswith("Can't emit DROP CONSTRAINT") and text.rstrip().endswith("it has no name")
    )
    batch_error = isinstance(error, ValueError) and text == "Constraint must have a name"
    if not (compile_error or batch_error):
        return None
    found: Any = None
    trace = error.__traceback__
    while trace is not None:
        for value in trace.tb_frame.f_locals.values():
            if isinstance(value, Constraint):
                found = value
        trace = trace.tb_next
    table = getattr(found, "table", None)
    if table is None:
        return None, None
    return table_key(table.schema, table.name), _CONSTRAINT_TYPES.get(type(found).__name__)


def _failure(error: BaseException, path: str, shown: str, revision: str) -> Statement:
    """The statement standing for a revision that raised while rendering, at its op line."""
    line, function = _raising_line(error, path)
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    unnamed = _unnamed_constraint(error)
    table, type_ = unnamed if unnamed is not None else (None, None)
    message = _first_line(error)
    return Statement(
        "render_error" if unnamed is None else "unnamed_constraint_drop",
        text=text.strip(),
        path=shown,
        line=max(line, 1),
        end_line=max(line, 1),
        column=len(text) - len(text.lstrip()) + 1,
        revision=revision,
        table=table,
        object_type=type_ or "",
        function=function,
        error=f"cannot render revision {revision} offline: {message}"
        if unnamed is None
        else message,
    )


def _raising_line(error: BaseException, path: str) -> tuple[int, str | None]:
    """Line and function of the innermost traceback frame in the revision file ``path``."""
    wanted = os.path.realpath(path)
    line, function = 0, None
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if os.path.realpath(code.co_filename) == wanted:
            line, function = trace.tb_lineno, code.co_name
        trace = trace.tb_next
    return line, function


def _sets_lock_timeout(project: Any) -> bool:
    """True when env.py or the URL set ``lock_timeout`` for every migration's session.

    Many projects do it only for online runs (``SET lock_timeout`` on the connection in env.py,
    or ``options=-c lock_timeout=…`` in the URL), which an offline render does not show. A string
    literal in env.py that mentions ``lock_timeout`` is taken as that.
    """
    url = project.config.get_main_option("sqlalchemy.url") or ""
    if "lock_timeout" in url:
        return True
    env = Path(project.script.dir) / "env.py"
    try:
        tree = ast.parse(env.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "lock_timeout" in node.value.lower()
        for node in ast.walk(tree)
    )


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__


def _raised_in(error: BaseException, files: dict[str, str]) -> bool:
    """True when the traceback passes through a revision file (not only env.py or Alembic)."""
    trace = error.__traceback__
    while trace is not None:
        if os.path.realpath(trace.tb_frame.f_code.co_filename) in files:
            return True
        trace = trace.tb_next
    return False


def _statements(
    chunks: list[_Chunk], revision: str, shown: str, lines: list[str]
) -> Iterator[Statement]:
    for chunk in chunks:
        if chunk.revision is not None and chunk.revision != revision:
            continue  # another branch's revision rendered on the way to a merge point
        if chunk.hint is not None:
            chunk.hint.path, chunk.hint.revision = shown, revision
            yield chunk.hint
            continue
        for s in sql_statements(chunk.text, shown):
            s.revision = revision
            s.internal = chunk.internal
            if chunk.line:
                s.line = s.end_line = chunk.line
                text = lines[chunk.line - 1] if chunk.line <= len(lines) else ""
                s.column = len(text) - len(text.lstrip()) + 1
            yield s
