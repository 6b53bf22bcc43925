"""Capture what an Alembic project really runs: offline SQL per revision, mapped to ``op.`` lines.

The history is rendered in one pass, the way ``alembic upgrade base:head --sql`` renders it,
through the project's own env.py, so the SQL is Alembic's, including the COMMIT/BEGIN pair
emitted by ``autocommit_block()``. Each revision is rendered as its own transaction
(``transaction_per_migration``), as if each were run by its own ``alembic upgrade``. While
rendering, Alembic's ``static_output`` is wrapped: every chunk of SQL is tagged with the
revision file and line of the ``op.`` call on the Python stack that produced it (Alembic's own
chunks, BEGIN/COMMIT and the version table, with the revision being run).
``op.alter_column(..., existing_type=...)`` is wrapped too, so the previous column type is known
even when the column was created outside the project's history.

Only upgrades are rendered: no ``downgrade()`` runs (an unnamed constraint dropped there is found
in the source). A revision that raises while rendered keeps the statements it rendered before the
raising line,
and the pass resumes after it; the revisions that could not be rendered are named in
:attr:`Captured.unrendered`.
"""

from __future__ import annotations

import ast
import contextlib
import io
import logging.config
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeGuard

from migcheck.alembic_project import compat
from migcheck.alembic_project.git import Git
from migcheck.errors import MigcheckError
from migcheck.sql.extract import statements as sql_statements
from migcheck.sql.extract import table_key, type_ref
from migcheck.sql.facts import (
    ColumnDef,
    Kind,
    RenderError,
    SchemaHint,
    Statement,
    UnnamedConstraintDrop,
)
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
    #: revisions, in order, whose rendering raised (their statements before that line are kept)
    #: or that env.py never rendered
    unrendered: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Chunk:
    text: str
    revision: str | None
    line: int
    internal: bool
    hint: Statement | None = None
    #: ``"begin"`` or ``"commit"`` for the transaction statements Alembic emits around a revision
    transaction: str = ""


#: Alembic's functions that emit a revision's BEGIN and COMMIT
_TRANSACTION_CALLERS = {"emit_begin": "begin", "emit_commit": "commit"}


class Recorder:
    """Collects chunks of offline output with the revision file and line that produced them."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.chunks: list[_Chunk] = []
        self._known: dict[str, str | None] = {}

    def revision_frame(self, frame: FrameType | None) -> tuple[str | None, int]:
        """The revision file and line on the stack; else (the revision being run, 0)."""
        step = None
        while frame is not None:
            code = frame.f_code
            name = code.co_filename
            revision = self._known.get(name, "")
            if revision == "":
                revision = self.files.get(os.path.realpath(name))
                self._known[name] = revision
            if revision is not None:
                return revision, frame.f_lineno
            if step is None and code.co_name == "run_migrations" and "step" in code.co_varnames:
                step = frame.f_locals.get("step")
            frame = frame.f_back
        script = getattr(step, "revision", None)
        return getattr(script, "revision", None), 0

    def output(self, text: str, frame: FrameType | None) -> None:
        """Record one chunk of rendered SQL with the revision line on ``frame``'s stack."""
        caller = frame.f_code.co_name if frame is not None else ""
        revision, line = self.revision_frame(frame)
        transaction = _TRANSACTION_CALLERS.get(caller, "")
        internal = line == 0 or bool(transaction)
        self.chunks.append(_Chunk(text, revision, line, internal, transaction=transaction))

    def hint(self, table: str, column: str, type_text: str | None, nullable: bool | None) -> None:
        """Record what a revision's Python knows of a column (type, nullability) as a hint."""
        revision, line = self.revision_frame(sys._getframe(2))
        parsed = type_ref_of(type_text) if type_text else None
        col = ColumnDef(column, parsed, not_null=nullable is False)
        hint = SchemaHint(Kind.SCHEMA_HINT, table=table, columns=(col,), internal=True)
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


class _LinedBatch(list[Any]):
    """A ``batch_alter_table`` block's operations, each with the revision line that called it.

    Alembic runs a block's operations when the ``with`` ends, so the revision frame on the stack
    is the ``with`` line; while one operation runs, ``lines`` holds the line of its
    ``batch_op.…`` call, which the chunks it renders are given instead.
    """

    def __init__(self, recorder: Recorder, lines: list[int]) -> None:
        super().__init__()
        self.recorder = recorder
        self.lines = lines
        self.called: list[int] = []

    def append(self, item: Any) -> None:
        """Record an operation and the revision line of the ``batch_op.…`` call."""
        super().append(item)
        self.called.append(self.recorder.revision_frame(sys._getframe(1))[1])

    def __iter__(self) -> Iterator[Any]:
        for item, line in zip(list.__iter__(self), self.called, strict=False):
            self.lines.append(line)
            try:
                yield item
            finally:
                self.lines.pop()


@contextlib.contextmanager
def _patched(recorder: Recorder) -> Iterator[None]:
    from alembic.ddl.impl import DefaultImpl
    from alembic.ddl.postgresql import PostgresqlImpl
    from alembic.runtime.environment import EnvironmentContext

    from migcheck.alembic_project.offline_bind import offline_bind

    original_output = DefaultImpl.static_output
    original_bind = compat.stdout_connection()
    original_alter = PostgresqlImpl.alter_column
    original_file_config = logging.config.fileConfig
    original_configure = EnvironmentContext.configure

    def configure(self: Any, *args: Any, **kw: Any) -> None:
        kw["transaction_per_migration"] = True  # each revision linted as its own transaction
        original_configure(self, *args, **kw)

    batch_lines: list[int] = []  # the batch_op.… line whose operation runs, innermost last

    def on_batch_line() -> None:
        if batch_lines and batch_lines[-1] and recorder.chunks and recorder.chunks[-1].line:
            recorder.chunks[-1].line = batch_lines[-1]

    def static_output(self: Any, text: str) -> None:
        recorder.output(text, sys._getframe(1))
        on_batch_line()

    def alter_column(self: Any, table_name: str, column_name: str, **kw: Any) -> None:
        existing = kw.get("existing_type")
        type_text = None
        if existing is not None:
            with contextlib.suppress(Exception):
                type_text = str(existing.compile(dialect=self.dialect))
        if type_text is not None or kw.get("existing_nullable") is not None:
            table = table_key(kw.get("schema"), table_name)
            recorder.hint(table, column_name, type_text, kw.get("existing_nullable"))
            on_batch_line()
        original_alter(self, table_name, column_name, **kw)

    def no_logging_config(*args: Any, **kwargs: Any) -> None:
        return None

    DefaultImpl.static_output = static_output  # type: ignore[method-assign]
    PostgresqlImpl.alter_column = alter_column  # type: ignore[method-assign]
    logging.config.fileConfig = no_logging_config
    EnvironmentContext.configure = configure  # type: ignore[method-assign]
    compat.set_stdout_connection(lambda self, connection: offline_bind(self))
    try:
        with compat.batch_operations_in(lambda: _LinedBatch(recorder, batch_lines)):
            yield
    finally:
        compat.set_stdout_connection(original_bind)
        DefaultImpl.static_output = original_output  # type: ignore[method-assign]
        PostgresqlImpl.alter_column = original_alter  # type: ignore[method-assign]
        logging.config.fileConfig = original_file_config
        EnvironmentContext.configure = original_configure  # type: ignore[method-assign]


def _display(path: str, origin: str) -> str:
    relative = os.path.relpath(path, origin)
    return path if relative.startswith("..") else relative


@contextlib.contextmanager
def _offline_run(
    config: Any, script: Any, start: Sequence[str], destination: str, downgrade: bool
) -> Iterator[Any]:
    """What ``alembic upgrade START:DESTINATION --sql`` (or ``downgrade``) sets up.

    ``start`` are the revisions the run starts from (none: base). The project's ScriptDirectory
    is reused, not read again as ``command.upgrade`` would.
    """
    from alembic.runtime.environment import EnvironmentContext

    def run(revision: Any, context: Any) -> Any:
        if downgrade:
            return compat.downgrade_revs(script, destination, revision)
        return compat.upgrade_revs(script, destination, revision)

    with EnvironmentContext(
        config,
        script,
        fn=run,
        as_sql=True,
        starting_rev=list(start) or None,
        destination_rev=destination,
    ) as environment:
        yield environment


def _render_with_env_py(
    config: Any, script: Any, start: Sequence[str], destination: str, downgrade: bool = False
) -> None:
    with _offline_run(config, script, start, destination, downgrade):
        script.run_env()


def _render_builtin(
    config: Any, script: Any, start: Sequence[str], destination: str, downgrade: bool = False
) -> None:
    """Render like ``upgrade --sql`` with Alembic's stock PostgreSQL environment, not env.py."""
    with _offline_run(config, script, start, destination, downgrade) as environment:
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
        changed = Git(Path(project.script.dir)).changed_files(changed_since)
        wanted = {s.revision for s in project.revisions if os.path.realpath(s.path) in changed}
        wanted &= {s.revision for s in project.between(start, end)}
    files = {os.path.realpath(s.path): s.revision for s in project.revisions}
    captured = Captured(selected=wanted)
    captured.session_lock_timeout = _sets_lock_timeout(project)
    keep = project.between(None, last) if last else project.revisions
    if not project.config.get_main_option("sqlalchemy.url"):
        project.config.set_main_option("sqlalchemy.url", "postgresql+psycopg://")
    shown: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for script in keep:
        shown[script.revision] = _display(os.path.abspath(script.path), origin)
        source = Path(script.path).read_text(encoding="utf-8", errors="replace")
        sources[script.revision] = source.splitlines()
        selected = script.revision in wanted
        captured.revisions.append(
            CapturedRevision(script.revision, shown[script.revision], source, selected)
        )
    if not keep:
        return captured
    chunks, failed = _render_history(project, keep, last or "heads", files, notes)
    rendered = {chunk.revision for chunk in chunks} - set(failed)
    captured.unrendered = [s.revision for s in keep if s.revision not in rendered]
    if wanted and not any(c.revision in wanted for c in chunks):
        raise MigcheckError(
            f"{project.ini_path}: env.py rendered none of the {len(wanted)} revisions to lint "
            "offline (alembic upgrade --sql printed no migration; does env.py do nothing in "
            "offline mode?): nothing was checked"
        )
    after: dict[str, Statement] = {}
    for script in keep:
        if script.revision in wanted and script.revision in rendered:
            source = "\n".join(sources[script.revision])
            down = _unnamed_drop_in_downgrade(source, shown[script.revision], script.revision)
            if down is not None:
                after[script.revision] = down
    captured.statements = list(_statements(chunks, shown, sources, after))
    return captured


def _render_history(
    project: Any,
    keep: list[Any],
    destination: str,
    files: dict[str, str],
    notes: list[str] | None,
) -> tuple[list[_Chunk], dict[str, BaseException]]:
    """Render ``keep`` (every revision up to ``destination``) in one ``upgrade --sql`` pass.

    Returns the chunks in order and the revisions that raised. A revision
    that raises keeps its chunks so far, is closed with an internal COMMIT and a chunk standing
    for the failure at its raising line; the pass resumes after it. When env.py itself cannot
    run offline, the history is rendered again with Alembic's stock PostgreSQL environment and
    a note says so.
    """
    render: Any = _render_with_env_py
    scripts = {s.revision: s for s in keep}
    while True:
        recorder = Recorder(files)
        failed: dict[str, BaseException] = {}
        error = _render_from(project, render, recorder, [], destination)
        while error is not None:
            revision = _failed_revision(error, files)
            if revision is None or revision in failed or revision not in scripts:
                break
            failed[revision] = error
            _close_failed(recorder, revision, error, scripts[revision])
            done = {c.revision for c in recorder.chunks if c.revision is not None}
            parents = {p for r in done for p in project.parents(scripts[r]) if r in scripts}
            error = _render_from(project, render, recorder, sorted(done - parents), destination)
        if error is None:
            return recorder.chunks, failed
        if render is _render_builtin:
            raise MigcheckError(
                f"{project.ini_path}: cannot render revisions offline "
                f"(alembic upgrade --sql): {_first_line(error)}"
            )
        if notes is not None:
            notes.append(
                f"{project.ini_path}: env.py cannot run offline ({_first_line(error)}); rendering "
                "revisions with Alembic's default PostgreSQL environment instead"
            )
        render = _render_builtin


def _render_from(
    project: Any, render: Any, recorder: Recorder, start: list[str], destination: str
) -> BaseException | None:
    """Render ``start:destination`` into ``recorder``; the exception it raised, if any."""
    project.config.output_buffer = io.StringIO()
    try:
        with _patched(recorder), contextlib.redirect_stdout(io.StringIO()):
            render(project.config, project.script, start, destination)
    except Exception as error:  # the user's revision and env.py code may raise anything
        return error
    return None


def _failed_revision(error: BaseException, files: dict[str, str]) -> str | None:
    """The revision being rendered when ``error`` was raised in a revision file, else None."""
    if not _raised_in(error, files):
        return None
    found = None
    trace = error.__traceback__
    while trace is not None:
        frame = trace.tb_frame
        if frame.f_code.co_name == "run_migrations" and "step" in frame.f_locals:
            script = getattr(frame.f_locals["step"], "revision", None)
            found = getattr(script, "revision", found)
        trace = trace.tb_next
    return found


def _close_failed(recorder: Recorder, revision: str, error: BaseException, script: Any) -> None:
    """End the chunks of a revision that raised: its failure, and COMMIT if it began one."""
    failure = _failure(error, script.path, "", revision)
    recorder.chunks.append(_Chunk("", revision, 0, True, failure))
    marks = [c.transaction for c in recorder.chunks if c.revision == revision and c.transaction]
    if marks and marks[-1] == "begin":
        recorder.chunks.append(_Chunk("COMMIT;", revision, 0, True, transaction="commit"))


def _unnamed_drop_in_downgrade(source: str, shown: str, revision: str) -> Statement | None:
    """The first ``drop_constraint(None, …)`` in the ``downgrade()`` of a revision's source.

    Read from the source, never run: lint renders upgrades only, so no ``downgrade()`` of the
    project runs. Rendering it would raise SQLAlchemy's "it has no name" (Alembic's batch mode:
    "Constraint must have a name") at that line; MC405 reports it.
    """
    if "drop_constraint" not in source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"), None
    )
    if function is None:
        return None
    batches: dict[str, str | None] = {}  # ``with op.batch_alter_table("t") as name``: name -> t
    for node in ast.walk(function):
        if isinstance(node, ast.With):
            for item in node.items:
                call, alias = item.context_expr, item.optional_vars
                if _is_op_call(call, "batch_alter_table") and isinstance(alias, ast.Name):
                    batches[alias.id] = _literal(_argument(call, 0, "table_name"))
    drops = [node for node in ast.walk(function) if _is_op_call(node, "drop_constraint")]
    for call in sorted(drops, key=lambda node: (node.lineno, node.col_offset)):
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        batch = isinstance(receiver, ast.Name) and receiver.id in batches
        name = _argument(call, 0, "constraint_name")
        if not (isinstance(name, ast.Constant) and name.value is None):
            continue
        if batch:
            assert isinstance(receiver, ast.Name)
            table, error = batches[receiver.id], "Constraint must have a name"
        else:
            table = _literal(_argument(call, 1, "table_name"))
            error = "Can't emit DROP CONSTRAINT for constraint (unnamed); it has no name"
        schema = _literal(_argument(call, -1, "schema"))
        found = UnnamedConstraintDrop(
            Kind.UNNAMED_CONSTRAINT_DROP,
            table=table_key(schema, table) if table else None,
            constraint_type=_literal(_argument(call, 2 if not batch else 1, "type_")),
            function="downgrade",
            error=error,
        )
        lines = source.splitlines()
        text = lines[call.lineno - 1] if call.lineno <= len(lines) else ""
        found.text, found.path, found.revision = text.strip(), shown, revision
        found.line = found.end_line = call.lineno
        found.column = len(text) - len(text.lstrip()) + 1
        return found
    return None


def _is_op_call(node: ast.AST, name: str) -> TypeGuard[ast.Call]:
    """``<something>.name(...)``: an Alembic op (``op.…``, ``batch_op.…``)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """The argument of ``call`` at ``position`` (-1: keyword only) or passed as ``keyword``."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if 0 <= position < len(call.args) and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def _literal(node: ast.expr | None) -> str | None:
    """The value of a string constant, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
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
    found: Statement
    if unnamed is None:
        error_text = f"cannot render revision {revision} offline: {message}"
        found = RenderError(Kind.RENDER_ERROR, function=function, error=error_text)
    else:
        found = UnnamedConstraintDrop(
            Kind.UNNAMED_CONSTRAINT_DROP,
            table=table,
            constraint_type=type_,
            function=function,
            error=message,
        )
    found.text, found.path, found.revision = text.strip(), shown, revision
    found.line = found.end_line = max(line, 1)
    found.column = len(text) - len(text.lstrip()) + 1
    return found


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
    chunks: list[_Chunk],
    shown: dict[str, str],
    sources: dict[str, list[str]],
    after: dict[str, Statement],
) -> Iterator[Statement]:
    """The statements of the chunks, each placed on its revision's ``op.`` line.

    Chunks of no revision (env.py's own SQL before the first migration) go with the next
    revision's; ``after[revision]`` follows the last chunk of that revision.
    """
    owners = [chunk.revision for chunk in chunks]
    following: str | None = None
    for index in range(len(owners) - 1, -1, -1):  # a chunk of no revision: the next one's
        following = owners[index] = owners[index] or following
    current: str | None = None
    for chunk, revision in zip(chunks, owners, strict=True):
        if revision is None or revision not in shown:
            continue
        if revision != current:
            if current in after:
                yield after.pop(current)
            current = revision
        path = shown[revision]
        if chunk.hint is not None:
            chunk.hint.path, chunk.hint.revision = path, revision
            yield chunk.hint
            continue
        lines = sources[revision]
        for s in sql_statements(chunk.text, path):
            s.revision = revision
            s.internal = chunk.internal
            if chunk.line:
                s.line = s.end_line = chunk.line
                text = lines[chunk.line - 1] if chunk.line <= len(lines) else ""
                s.column = len(text) - len(text.lstrip()) + 1
            yield s
    if current in after:
        yield after.pop(current)
