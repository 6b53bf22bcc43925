"""The ``alembic.plugins`` entry point: Alembic imports this module on ``import alembic``.

It must never break Alembic: importing it does nothing but define :func:`setup`, and a failure
inside :func:`setup` becomes a warning (Alembic then runs without migcheck's operations).
"""

from __future__ import annotations

import warnings
from typing import Any


def setup(plugin: Any) -> None:
    """Register migcheck's operations and renderers (called by Alembic with its Plugin)."""
    try:
        from migcheck.autogen import register

        register()
    except Exception as error:  # a broken plugin must not take every alembic command down
        warnings.warn(
            f"migcheck: Alembic plugin not loaded ({type(error).__name__}: {error})",
            RuntimeWarning,
            stacklevel=2,
        )
