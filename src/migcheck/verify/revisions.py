"""Facts about revision files that the walk needs: empty downgrades, deliberate raises, errors.

Everything here inspects Python objects or exceptions; nothing touches a database.
"""

from __future__ import annotations

import ast
import inspect
import os
import textwrap
import traceback
from types import FunctionType

from alembic.script import Script

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
    """True when ``downgrade()`` itself raised NotImplementedError/RuntimeError on purpose."""
    if not isinstance(error, FLOOR_EXCEPTIONS):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and os.path.realpath(frames[-1].filename) == os.path.realpath(script.path)


def error_text(error: BaseException) -> str:
    """One line for an exception: the database's own error for a DBAPI error."""
    original = getattr(error, "orig", None)
    if isinstance(original, BaseException):
        error = original
    lines = str(error).strip().splitlines()
    name = type(error).__name__
    return f"{name}: {lines[0]}" if lines else name
