"""The connection ``op.get_bind()`` returns while a revision is rendered offline.

Alembic's offline (``--sql``) mode hands revisions a SQLAlchemy ``MockConnection`` that can only
execute. Real revisions also call a few other things on their bind, and would otherwise fail to
render (and so go unchecked):

* ``op.get_bind().commit()`` (often just before ``autocommit_block()``): emitted as ``COMMIT``
  followed by ``BEGIN``, since SQLAlchemy starts a new transaction on the next statement, which
  is exactly the transaction structure the online run has;
* ``op.get_bind().rollback()``: the same with ``ROLLBACK``;
* ``op.get_bind().engine.url`` / ``.url``: the URL the render was configured with.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.mock import MockConnection

from migcheck.alembic_project import compat


class OfflineBind(MockConnection):
    """A ``MockConnection`` that also answers ``commit()``, ``rollback()`` and ``url``."""

    def __init__(self, context: Any, execute: Any) -> None:
        super().__init__(context.dialect, execute)
        self._context = context

    @property
    def url(self) -> URL:
        """The URL the offline render was configured with (``postgresql://`` when none)."""
        configured = self._context.opts.get("url")
        return make_url(configured) if configured else make_url("postgresql://")

    def commit(self) -> None:
        """End the migration's transaction here and start the next one."""
        self._end_transaction("COMMIT")

    def rollback(self) -> None:
        """Roll the migration's transaction back here and start the next one."""
        self._end_transaction("ROLLBACK")

    def _end_transaction(self, verb: str) -> None:
        impl = self._context.impl
        if impl.transactional_ddl:
            impl.static_output(f"{verb}{impl.command_terminator}")
            impl.emit_begin()


def offline_bind(context: Any) -> OfflineBind:
    """Replacement for ``MigrationContext._stdout_connection`` (offline mode only)."""

    def execute(construct: Any, *multiparams: Any, **params: Any) -> None:
        compat.impl_exec(context, construct)

    return OfflineBind(context, execute)
