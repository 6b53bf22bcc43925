"""The ``alembic.plugins`` entry point: Alembic imports this module on ``import alembic``.

It must never break Alembic. Importing it does nothing but define :func:`setup`. Alembic calls
``setup`` while its own modules are still initialising, so :mod:`migcheck.autogen` only imports
Alembic modules that are safe at that moment; if an Alembic release changes that, ``setup`` logs
the failure at debug level and registration happens when env.py imports :mod:`migcheck.alembic`.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def setup(plugin: Any) -> None:
    """Register migcheck's operations and renderers (called by Alembic with its Plugin)."""
    try:
        from migcheck.autogen import register

        register()
    except Exception:  # a broken plugin must not take every alembic command down
        log.debug("migcheck: deferred registration to migcheck.alembic", exc_info=True)
