"""Every access migcheck makes to private Alembic and SQLAlchemy names, in one place.

Each function below reaches one name that is not public API (an underscore name, or an
internal module's helper). Its docstring says what migcheck relies on and the version it was
checked on (each name also exists in Alembic 1.13.0). The versions pyproject.toml allows
(``alembic>=1.20,<1.21``, ``sqlalchemy>=2.0,<2.2``) are tested in CI at both ends (the
``oldest`` tox environment and CI job). When a new Alembic or SQLAlchemy release moves one of
these, this module is the one to change.

Nothing here is imported at module level except the standard library: the Alembic plugin entry
point (:mod:`migcheck.autogen.plugin`) runs while ``import alembic`` is still initialising.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import ops
    from alembic.runtime.migration import MigrationContext, RevisionStep
    from alembic.script import Script, ScriptDirectory
    from alembic.script.revision import RevisionMap
    from alembic.util.langhelpers import Dispatcher
    from sqlalchemy import Column, Engine, Transaction


# --- SQLAlchemy ------------------------------------------------------------------------------


def copy_column(column: Column[Any]) -> Column[Any]:
    """A detached copy of a model column: ``Column._copy()``.

    SQLAlchemy 1.4 renamed the public ``Column.copy()`` to ``_copy()`` (and deprecated the
    former); Alembic's own autogenerate uses ``_copy()`` the same way. Checked: SQLAlchemy 2.0.0.
    """
    return column._copy()


def set_connection_class(engine: Engine, connection_class: type[Any]) -> None:
    """Make ``engine.connect()`` return ``connection_class``: ``Engine._connection_cls``.

    verify shares one connection between env.py and itself through a Connection subclass;
    ``Engine.connect()`` instantiates ``self._connection_cls`` (SQLAlchemy 1.4+; checked 2.0.0).
    """
    engine._connection_cls = connection_class


# --- Alembic: autogenerate rendering ---------------------------------------------------------


def renderers() -> Dispatcher:
    """Alembic's renderer dispatcher, ``alembic.autogenerate.render.renderers``.

    The public name is ``alembic.autogenerate.renderers``, but the plugin may register while
    ``alembic.autogenerate`` is still initialising, when only the ``render`` module is complete.
    Checked: Alembic 1.13.0.
    """
    from alembic.autogenerate import render

    return render.renderers


def render_op(autogen_context: AutogenContext, op: Any) -> list[Any]:
    """Alembic's rendering of one operation, ``render.render_op`` (used inside a block).

    Returns the lines Alembic's ``PythonPrinter`` joins (None closes an indented block).
    Checked: Alembic 1.13.0.
    """
    from alembic.autogenerate import render

    return list(render.render_op(autogen_context, op))


def alembic_renderer(name: str) -> Callable[[AutogenContext, Any], Any]:
    """One of Alembic's private renderers (``render._add_index`` …), by its name.

    migcheck's operations that extend Alembic's (``create_index_concurrently`` …) render through
    Alembic's renderer and only rename the call, so every option reads as Alembic writes it.
    Used: ``_add_index``, ``_drop_index``, ``_add_fk_constraint``, ``_add_check_constraint``,
    ``_add_unique_constraint``, each ``(autogen_context, op) -> str``. Checked: Alembic 1.13.0.
    """
    from alembic.autogenerate import render

    renderer: Callable[[AutogenContext, Any], Any] = getattr(render, name)
    return renderer


def alembic_prefix(autogen_context: AutogenContext) -> str:
    """``op.`` (or the configured prefix): ``render._alembic_autogenerate_prefix``.

    Checked: Alembic 1.13.0.
    """
    from alembic.autogenerate import render

    return str(render._alembic_autogenerate_prefix(autogen_context))


def sqlalchemy_prefix(autogen_context: AutogenContext) -> str:
    """``sa.`` (or the configured prefix): ``render._sqlalchemy_autogenerate_prefix``.

    Checked: Alembic 1.13.0.
    """
    from alembic.autogenerate import render

    return str(render._sqlalchemy_autogenerate_prefix(autogen_context))


def repr_type(type_: Any, autogen_context: AutogenContext) -> str:
    """A type as Python source (``sa.BigInteger()``), adding its imports: ``render._repr_type``.

    Checked: Alembic 1.13.0 (signature ``(type_, autogen_context, _skip_variants=False)``).
    """
    from alembic.autogenerate import render

    return str(render._repr_type(type_, autogen_context))


def reverse_of(op: ops.MigrateOperation) -> Any:
    """What a drop operation remembers for its reverse: ``DropIndexOp/DropConstraintOp._reverse``.

    ``from_index`` / ``from_constraint`` store the ``Create…Op`` there; only with it can a
    downgrade rebuild the index or constraint as it was. Checked: Alembic 1.13.0.
    """
    return getattr(op, "_reverse", None)


def set_reverse(op: ops.MigrateOperation, reverse: Any) -> None:
    """Give a drop operation the operation its reverse returns (see :func:`reverse_of`).

    The constructors take it as the private ``_reverse`` keyword; setting the attribute is the
    same. Checked: Alembic 1.13.0.
    """
    op._reverse = reverse  # type: ignore[attr-defined]


# --- Alembic: running migrations -------------------------------------------------------------


def stdout_connection() -> Callable[[MigrationContext, Any], Any]:
    """``MigrationContext._stdout_connection``: what offline (``--sql``) mode uses as connection.

    Lint replaces it (see :func:`set_stdout_connection`) so that ``op.get_bind()`` in a revision
    rendered offline gets a bind that writes SQL. Checked: Alembic 1.13.0.
    """
    from alembic.runtime.migration import MigrationContext

    method: Callable[[MigrationContext, Any], Any] = MigrationContext._stdout_connection
    return method


def set_stdout_connection(method: Callable[[MigrationContext, Any], Any]) -> None:
    """Replace ``MigrationContext._stdout_connection`` (restore it with the original)."""
    from alembic.runtime.migration import MigrationContext

    MigrationContext._stdout_connection = method  # type: ignore[method-assign, assignment]


@contextlib.contextmanager
def batch_operations_in(factory: Callable[[], list[Any]]) -> Iterator[None]:
    """Within the block, every ``batch_alter_table`` block records its operations in ``factory()``.

    ``BatchOperationsImpl`` (an internal class of ``alembic.operations.batch``) appends each
    ``batch_op.…`` call to its ``batch`` list as ``(name, args, kwargs)`` and, when the ``with``
    block ends, runs them by iterating that list. Checked: Alembic 1.13.0.
    """
    from alembic.operations.batch import BatchOperationsImpl

    original: Any = BatchOperationsImpl.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.batch = factory()

    BatchOperationsImpl.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        BatchOperationsImpl.__init__ = original  # type: ignore[method-assign]


def impl_exec(context: MigrationContext, construct: Any) -> Any:
    """Run or write one statement the way an operation does: ``DefaultImpl._exec``.

    Offline it writes the compiled statement with the terminator. Checked: Alembic 1.13.0.
    """
    return context.impl._exec(construct)


def clear_ddl_memo(context: MigrationContext) -> None:
    """Forget the named types (enums) Alembic's impl remembers creating: ``impl.memo``.

    SQLAlchemy's DDL runner records created or dropped types in this dict and skips them later
    in the same run. Checked: Alembic 1.13.0.
    """
    context.impl.memo.clear()


def version_table(context: MigrationContext) -> Any:
    """The ``alembic_version`` Table the context writes to: ``MigrationContext._version``.

    Checked: Alembic 1.13.0.
    """
    return context._version


def outer_transaction(context: MigrationContext) -> Transaction | None:
    """The transaction ``context.begin_transaction()`` opened: ``MigrationContext._transaction``.

    Checked: Alembic 1.13.0.
    """
    transaction: Transaction | None = context._transaction
    return transaction


def set_outer_transaction(context: MigrationContext, transaction: Transaction | None) -> None:
    """Replace the context's outer transaction (after committing it): ``_transaction``."""
    context._transaction = transaction


# --- Alembic: the revision graph -------------------------------------------------------------


def resolved_dependencies(script: Script) -> tuple[str, ...]:
    """A revision's ``depends_on`` resolved to revision ids: ``Revision._resolved_dependencies``.

    Set on every revision when the ScriptDirectory builds its map. Checked: Alembic 1.13.0.
    """
    return tuple(script._resolved_dependencies)


def version_locations(script: ScriptDirectory) -> tuple[list[Path], bool]:
    """The directories revision files are read from, and whether they are read recursively.

    ``ScriptDirectory._version_locations`` (``version_locations`` made absolute, or
    ``DIR/versions``). Checked: Alembic 1.13.0.
    """
    return [Path(p) for p in script._version_locations], bool(script.recursive_version_locations)


def upgrade_revs(script: ScriptDirectory, destination: str, current: Any) -> Any:
    """The steps ``alembic upgrade`` runs: ``ScriptDirectory._upgrade_revs``.

    Checked: Alembic 1.13.0.
    """
    return script._upgrade_revs(destination, current)


def downgrade_revs(script: ScriptDirectory, destination: str, current: Any) -> Any:
    """The steps ``alembic downgrade`` runs: ``ScriptDirectory._downgrade_revs``.

    Checked: Alembic 1.13.0.
    """
    return script._downgrade_revs(destination, current)


def revision_step(revision_map: RevisionMap, script: Script, upgrade: bool) -> RevisionStep:
    """The step Alembic runs to move over ``script``, without a history-long walk on the way down.

    A downgrade's :class:`~alembic.runtime.migration.RevisionStep` asks
    ``_unmerge_to_revisions(heads)`` two or three times to choose the version table's DELETE or
    UPDATE, and each time collects every ancestor of the revisions it goes down to: a cost that
    grows with the length of the history, for every step. With one revision to go down to and no
    other head, the answer is that revision, and the step returns it directly; in every other
    case it asks Alembic. Checked: Alembic 1.20.1.
    """
    return _step_class()(revision_map, script, upgrade)


@functools.cache
def _step_class() -> type[RevisionStep]:
    from alembic.runtime.migration import RevisionStep

    class _Step(RevisionStep):
        def _unmerge_to_revisions(self, heads: set[str]) -> tuple[str, ...]:
            if len(self.to_revisions) == 1 and set(heads) <= {self.revision.revision}:
                return tuple(self.to_revisions)
            return super()._unmerge_to_revisions(heads)

    return _Step
