"""Hooking migcheck into an Alembic project's env.py: the stable import for users.

One line in env.py is all it takes::

    import migcheck.alembic

    context.configure(connection=connection, target_metadata=target_metadata,
                      **migcheck.alembic.configure_kwargs())

(``migcheck init PATH`` adds it for you.) ``alembic revision --autogenerate`` then writes
zero-downtime migrations; see docs/autogenerate.md. A project that already has its own
``process_revision_directives`` passes it along: ``configure_kwargs(process_revision_directives=
my_hook)`` runs ``my_hook`` first and migcheck's rewriter after it.

The code lives in :mod:`migcheck.autogen` (:mod:`~migcheck.autogen.hooks`,
:mod:`~migcheck.autogen.phases`, the rewrites in :mod:`~migcheck.autogen.rewrites`); this
module re-exports what env.py and revision files use, and registers migcheck's operations.
"""

from __future__ import annotations

from migcheck.autogen import register
from migcheck.autogen.hooks import (
    RevisionHook,
    chain,
    configure_kwargs,
    process_revision_directives,
)
from migcheck.autogen.ops import FILL_IN, FillIn

__all__ = [
    "FILL_IN",
    "FillIn",
    "RevisionHook",
    "chain",
    "configure_kwargs",
    "process_revision_directives",
]

register()
