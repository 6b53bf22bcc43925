"""The ``docker`` backend: testcontainers' PostgreSQL, when a Docker engine answers.

Whether an engine answers is decided within about a second: the socket (or ``DOCKER_HOST``) is
checked first, which costs microseconds when there is none, then one ping with a short timeout.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any
from urllib.parse import urlsplit

from migcheck.errors import NoBackendError
from migcheck.pg.server import Endpoint, Server

DEFAULT_VERSION = 17
PING_TIMEOUT = 1.0


class DockerServer(Server):
    """A PostgreSQL container started for this run and removed at the end."""

    backend = "docker"

    def __init__(self, endpoint: Endpoint, container: Any) -> None:
        super().__init__(endpoint)
        self.container = container

    def _stop(self) -> None:
        with contextlib.suppress(Exception):
            self.container.stop()


def _engine_address() -> str | None:
    """The engine's unix socket path or tcp address, if one is configured or present."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        path = host[len("unix://") :]
        return path if os.path.exists(path) else None
    if host:
        return host
    default = "/var/run/docker.sock"
    return default if os.path.exists(default) else None


def engine_available(timeout: float = PING_TIMEOUT) -> bool:
    """True when a Docker engine answers a ping within ``timeout`` seconds."""
    address = _engine_address()
    if address is None:
        return False
    if address.startswith("/"):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = address
    else:
        parts = urlsplit(address)
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (parts.hostname or "localhost", parts.port or 2375)
    probe.settimeout(timeout)
    try:
        probe.connect(target)
        probe.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        answer = probe.recv(64)
        return answer.startswith(b"HTTP/1.") and b" 200 " in answer
    except OSError:
        return False
    finally:
        probe.close()


def start(version: int | None = None) -> DockerServer:
    """Start ``postgres:<version>-alpine`` through testcontainers."""
    try:
        from testcontainers.postgres import PostgresContainer
    except ImportError:
        raise NoBackendError(
            "the docker backend needs testcontainers: pip install 'migcheck[docker]'"
        ) from None
    image = f"postgres:{version or DEFAULT_VERSION}-alpine"
    try:
        container = PostgresContainer(image, username="postgres", password="postgres")
        container.with_command("postgres -c fsync=off -c synchronous_commit=off")
        container.start()
    except Exception as error:
        raise NoBackendError(f"docker backend ({image}) failed: {error}".splitlines()[0]) from None
    try:
        host = container.get_container_host_ip()
        port = int(container.get_exposed_port(5432))
        server = DockerServer(
            Endpoint(host=host, port=port, user="postgres", password="postgres"), container
        )
        server._connect_admin()
    except Exception as error:
        with contextlib.suppress(Exception):
            container.stop()
        raise NoBackendError(f"docker backend ({image}) failed: {error}".splitlines()[0]) from None
    return server
