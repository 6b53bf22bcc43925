"""The Alembic plugin: custom zero-downtime operations, their renderers and the rewriter.

:func:`register` makes the operations (``op.create_index_concurrently``, ``op.backfill``, ...)
and their renderers known to Alembic. The ``alembic.plugins`` entry point
(:mod:`migcheck.autogen.plugin`) calls it on ``import alembic``; importing
:mod:`migcheck.alembic` calls it too, for Alembic versions without plugins.
"""

from __future__ import annotations


def register() -> None:
    """Register migcheck's operations, implementations and renderers with Alembic (idempotent)."""
    from migcheck.autogen import copy_rows, enums, implementations, rename, renderers, swap

    del copy_rows, implementations, rename, renderers, swap
    enums.register_comparator()
