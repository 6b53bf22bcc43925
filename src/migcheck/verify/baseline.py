r"""A starting schema for histories that begin from a stamped database (``--baseline``).

Many projects built their first tables with ``metadata.create_all()`` and ran
``alembic stamp``; their first revision assumes those tables and cannot run on an empty
database. A :class:`Baseline` names the schema the database held at one revision:

- a SQL file, as ``pg_dump --schema-only`` writes it (psql meta-commands such as ``\restrict``
  are skipped, and so are ownership and privileges, which name roles the throwaway server does
  not have);
- ``metadata:module:attr``, a SQLAlchemy ``MetaData`` (or a declarative base with
  ``.metadata``) whose ``create_all()`` builds the schema; ``module`` is imported from the
  project directory.

The walk loads it into the empty throwaway database, stamps it at the revision, and checks only
the revisions after it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool

from migcheck.alembic_project.project import Project
from migcheck.errors import MigcheckError
from migcheck.sql.parser import RawStatement, parse_script
from migcheck.verify.revisions import error_text

#: the prefix of a ``--baseline`` naming models instead of a SQL file
METADATA_PREFIX = "metadata:"

#: pg_dump's statements that name roles (the throwaway server has none of them), by parse node
_ROLE_STATEMENTS = frozenset(
    {"AlterOwnerStmt", "GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt"}
)


@dataclass(frozen=True)
class Baseline:
    """The schema the database held at ``revision``: a SQL file or ``metadata:module:attr``.

    ``revision`` may be ``base``: the schema comes before every revision (nothing is stamped).
    """

    source: str
    revision: str

    @property
    def models(self) -> tuple[str, str] | None:
        """``(module, attr)`` for a ``metadata:module:attr`` baseline, else None."""
        if not self.source.startswith(METADATA_PREFIX):
            return None
        module, _, attr = self.source[len(METADATA_PREFIX) :].partition(":")
        return module, attr

    def check(self, root: Path) -> None:
        """Refuse a malformed spelling or a missing file before any server starts."""
        models = self.models
        if models is not None:
            if not all(models) or ":" in models[1]:
                raise MigcheckError(
                    f"--baseline {self.source}: expected metadata:module:attr "
                    "(for instance metadata:myapp.models:Base)"
                )
            return
        if not (root / self.source).is_file():
            raise MigcheckError(f"--baseline {self.source}: no such file")

    def load(self, project: Project, conninfo: str, url: str, url_env: Sequence[str]) -> None:
        """Build the schema in the (empty) database at ``conninfo`` / ``url``."""
        self.check(project.root)
        if self.models is None:
            _run_sql_file(project.root / self.source, self.source, conninfo)
        else:
            _create_all(self.source, *self.models, project.root, url, url_env)

    def covered(self, project: Project) -> set[str]:
        """The revisions the baseline already holds: its revision and every ancestor.

        ``base`` holds none: the history's first revision already needs the baseline schema.
        """
        if self.revision == "base":
            return set()
        try:
            script = project.get(self.revision)
        except MigcheckError as error:
            raise MigcheckError(f"--baseline-revision: {error}") from None
        return {script.revision} | {s.revision for s in project.between(None, script.revision)}


def _run_sql_file(path: Path, shown: str, conninfo: str) -> None:
    """Run a schema dump statement by statement in one transaction; errors name the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MigcheckError(f"--baseline {shown}: cannot read: {error}") from None
    # psql meta-commands (\restrict, \connect …) are not SQL: blank them, keeping line numbers
    text = "\n".join("" if line.startswith("\\") else line for line in text.split("\n"))
    statements = parse_script(text)
    with psycopg.connect(conninfo) as connection:
        for statement in statements:
            if statement.error is not None:
                raise MigcheckError(f"--baseline {shown}:{statement.line}: {statement.error}")
            if _names_roles(statement):
                continue
            try:
                connection.execute(statement.text.encode())
            except psycopg.Error as error:
                raise MigcheckError(
                    f"--baseline {shown}:{statement.line}: {error_text(error)}"
                ) from None


def _names_roles(statement: RawStatement) -> bool:
    """True for ownership and privilege statements (``ALTER … OWNER TO``, ``GRANT``, …)."""
    if statement.kind in _ROLE_STATEMENTS:
        return True
    commands = statement.node.get("cmds", []) if statement.kind == "AlterTableStmt" else []
    return bool(commands) and all(
        command.get("AlterTableCmd", {}).get("subtype") == "AT_ChangeOwner" for command in commands
    )


def _create_all(
    shown: str, module_name: str, attr: str, root: Path, url: str, url_env: Sequence[str]
) -> None:
    """Import ``module_name`` from the project directory and ``create_all()`` its metadata."""
    with _project_import(root, url, url_env):
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # whatever the models module raises on import
            first = (str(error).strip().splitlines() or [""])[0]
            raise MigcheckError(
                f"--baseline {shown}: cannot import {module_name}: {type(error).__name__}: {first}"
            ) from None
    if not hasattr(module, attr):
        raise MigcheckError(f"--baseline {shown}: module {module_name} has no {attr}")
    target = getattr(module, attr)
    metadata = target if isinstance(target, MetaData) else getattr(target, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise MigcheckError(
            f"--baseline {shown}: {module_name}.{attr} is not a SQLAlchemy MetaData "
            "or a declarative base"
        )
    engine = create_engine(url, poolclass=NullPool)
    try:
        metadata.create_all(engine)
    except Exception as error:  # a database error, or a model SQLAlchemy cannot compile
        raise MigcheckError(
            f"--baseline {shown}: create_all() failed: {error_text(error)}"
        ) from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def _project_import(root: Path, url: str, url_env: Sequence[str]) -> Iterator[None]:
    """The project directory first on sys.path and the URL variables set, as env.py sees them."""
    saved = {name: os.environ.get(name) for name in url_env}
    os.environ.update(dict.fromkeys(url_env, url))
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
