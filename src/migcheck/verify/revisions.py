"""Facts about revision files that the walk needs: empty downgrades, deliberate raises, errors.

Everything here inspects Python objects, exceptions (psycopg's and asyncpg's) or local
PostgreSQL installs; nothing touches a database.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap
import traceback
from pathlib import Path
from types import FunctionType

import psycopg
from alembic.script import Script

from migcheck.pg.binaries import find_installs

#: Exceptions a downgrade raises on purpose to declare that it cannot be undone.
FLOOR_EXCEPTIONS: tuple[type[BaseException], ...] = (NotImplementedError, RuntimeError)


def has_downgrade(script: Script) -> bool:
    """True when the revision module defines a ``downgrade`` callable."""
    return callable(getattr(script.module, "downgrade", None))


def downgrade_is_empty(script: Script) -> bool:
    """True when ``downgrade()`` has no statements but ``pass``, ``...`` and a docstring."""
    function = getattr(script.module, "downgrade", None)
    if not isinstance(function, FunctionType):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(function))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, ast.FunctionDef):
        return False
    for statement in definition.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or a bare ``...``
        return False
    return True


def raised_in(script: Script, error: BaseException) -> int | None:
    """The line of ``script``'s file where ``error`` was raised or passed through, if any."""
    path = os.path.realpath(script.path)
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.realpath(frame.filename) == path:
            line = frame.lineno
    return line


def is_declared_floor(script: Script, error: BaseException) -> bool:
    """True when ``downgrade()`` raised ``error`` on purpose: a declared floor.

    On purpose means either NotImplementedError/RuntimeError raised in the revision's own file,
    or any other exception raised by a ``raise`` statement written in the revision's own
    ``downgrade()`` (``raise ValueError("cannot go below 0042")``). A database error is never
    on purpose, whoever re-raises it.
    """
    if _is_database_error(error):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or os.path.realpath(frames[-1].filename) != os.path.realpath(script.path):
        return False
    if isinstance(error, FLOOR_EXCEPTIONS):
        return True
    last = frames[-1]
    return last.name == "downgrade" and last.lineno is not None and _raises_at(script, last.lineno)


def _is_database_error(error: BaseException) -> bool:
    """A DBAPI or SQLAlchemy error, or one raised from (caused by) a database error."""
    seen: BaseException | None = error
    while seen is not None:
        module = type(seen).__module__.split(".")[0]
        if module in {"sqlalchemy", "psycopg", "psycopg2", "asyncpg", "pg8000"}:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _raises_at(script: Script, line: int) -> bool:
    """True when ``line`` of the revision file is inside a ``raise`` of its ``downgrade()``."""
    try:
        tree = ast.parse(Path(script.path).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "downgrade":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Raise) and inner.lineno <= line <= (
                    inner.end_lineno or inner.lineno
                ):
                    return True
    return False


#: ``<sqlalchemy.sql.base.ReadOnlyColumnCollection object at 0x7f25e4649260>`` in a message.
_OBJECT_REPR = re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>")


def error_text(error: BaseException) -> str:
    """One line for an exception: the database's own error for a DBAPI error.

    PostgreSQL's DETAIL (which often names the dependent object) and HINT follow the message
    on the same line.

    Memory addresses in default object reprs (SQLAlchemy's CompileError for a constraint
    without a name prints one) are dropped, so the same failure reads the same in every run.
    """
    original = getattr(error, "orig", None)
    if isinstance(original, BaseException):
        error = original
    server = _asyncpg_error(error)
    if server is not None:
        return server
    lines = str(error).strip().splitlines()
    name = type(error).__name__
    if not lines:
        return name
    first = _OBJECT_REPR.sub(r"<\1>", lines[0])
    diag = getattr(error, "diag", None)
    return f"{name}: {first}" + _detail_hint(
        getattr(diag, "message_detail", None), getattr(diag, "message_hint", None)
    )


def _detail_hint(detail: object, hint: object) -> str:
    """`` DETAIL: … HINT: …`` for the parts PostgreSQL sent, each on one line."""
    text = ""
    for label, value in (("DETAIL", detail), ("HINT", hint)):
        if value:
            text += f" {label}: {' '.join(str(value).split())}"
    return text


def _asyncpg_error(error: BaseException) -> str | None:
    """An asyncpg server error (under SQLAlchemy's adapter) read as psycopg's would read.

    SQLAlchemy raises its own DBAPI-style error from asyncpg's, which carries the SQLSTATE,
    DETAIL and HINT; the name is psycopg's for that SQLSTATE, so that an async project's report
    reads as its sync twin's.
    """
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if not isinstance(sqlstate, str) or not hasattr(cause, "detail"):
        return None
    try:
        name = psycopg.errors.lookup(sqlstate).__name__
    except KeyError:
        name = type(cause).__name__
    lines = str(cause).strip().splitlines() or [""]
    return f"{name}: {lines[0]}" + _detail_hint(
        getattr(cause, "detail", None), getattr(cause, "hint", None)
    )


_MISSING_EXTENSION = (
    re.compile(r'extension "([^"]+)" is not available'),  # PostgreSQL 15 and later
    re.compile(r'could not open extension control file "[^"]*/([^/"]+)\.control"'),
)


def missing_extension(error: BaseException) -> str | None:
    """The extension ``error`` says the server does not have installed, if that is the error."""
    original = getattr(error, "orig", error)
    text = str(original)
    for pattern in _MISSING_EXTENSION:
        found = pattern.search(text)
        if found:
            return found.group(1)
    return None


def installs_with_extension(name: str) -> list[str]:
    """How to pick each local PostgreSQL install that ships extension ``name``.

    One ``--pg-version N (bindir)`` hint per install, in preference order.
    """
    found = []
    for install in find_installs():
        places = (
            install.bindir.parent / "share" / "extension",  # a self-contained install
            Path("/usr/share/postgresql") / str(install.major) / "extension",  # Debian layout
        )
        if any((place / f"{name}.control").is_file() for place in places):
            found.append(install)
    return [f"--pg-version {install.major} ({install.bindir})" for install in found]
