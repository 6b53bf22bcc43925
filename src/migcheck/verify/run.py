"""One call that verifies a project the way ``migcheck verify`` does: the library entry point.

Used by the CLI and by the pytest plugin (:mod:`migcheck.pytest_plugin`), so both start the
server, load the project and walk it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from migcheck.alembic_project.project import find_ini, load_project, working_directory
from migcheck.pg import Server, start_server
from migcheck.project_code import refusing_os_exit, stdout_to_stderr
from migcheck.verify.results import RevisionResult, VerifyResult
from migcheck.verify.review import repository_prefix
from migcheck.verify.walk import VerifyOptions, verify_project


def run_verify(
    path: str | os.PathLike[str],
    options: VerifyOptions,
    *,
    name: str = "alembic",
    x_args: Sequence[str] = (),
    pg_backend: str = "auto",
    pg_version: int | None = None,
    database_url: str | None = None,
    progress: Callable[[RevisionResult], None] | None = None,
    server: Callable[[], Server] | None = None,
) -> VerifyResult:
    """Walk the Alembic project at ``path`` (its alembic.ini or directory) on a throwaway server.

    The server comes from ``pg_backend`` (``database_url``: an existing server where migcheck
    creates and drops its own databases); ``server``, when given, is one the caller is starting
    (:func:`migcheck.pg.server_starting`) and owns. Runs where ``alembic`` would, in the
    directory of alembic.ini; whatever the project prints goes to stderr. Raises
    :class:`~migcheck.errors.MigcheckError` on bad input.
    """
    ini = find_ini(path)
    with working_directory(ini.parent), stdout_to_stderr(), refusing_os_exit():
        project = load_project(ini, name=name, x_args=x_args)
        if server is not None:
            result = verify_project(project, server(), options, progress)
        else:
            with start_server(pg_backend, version=pg_version, database_url=database_url) as own:
                result = verify_project(project, own, options, progress)
    result.repository_dir = repository_prefix(ini.parent)
    return result
