"""Docker backend selection: decided fast, falls back to embedded when no engine answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from migcheck.errors import NoBackendError
from migcheck.pg import choose_backend, start_server
from migcheck.pg.docker import engine_available


@pytest.fixture
def no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIGCHECK_DATABASE_URL", raising=False)


def _serve(path: Path, answer: bytes | None) -> Iterator[None]:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(1024)
                if answer is None:
                    stop.wait(3)
                else:
                    conn.sendall(answer)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    yield from _serve(path, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")


@pytest.fixture
def silent_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    yield from _serve(path, None)


def test_no_engine_means_embedded(monkeypatch: pytest.MonkeyPatch, no_url: None) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert not engine_available()
    assert choose_backend("auto") == "embedded"


def test_answering_engine_is_chosen(fake_engine: None, no_url: None) -> None:
    assert engine_available()
    assert choose_backend("auto") == "docker"


def test_silent_engine_is_not_waited_on_forever(silent_engine: None, no_url: None) -> None:
    assert not engine_available(timeout=0.2)
    assert choose_backend("auto") == "embedded"


def test_url_beats_docker(fake_engine: None) -> None:
    assert choose_backend("auto", "postgresql://x@localhost/db") == "url"


def test_named_docker_without_engine_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, no_url: None
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    server = start_server("docker")
    with pytest.raises(NoBackendError, match="no Docker engine answers"):
        server.__enter__()
