"""A real HTTP server on 127.0.0.1 that answers the GitHub and GitLab endpoints migcheck uses.

State lives in memory: GitHub issue comments per (repo, number), GitLab notes per (project, iid).
Listing pages at most ``page_size`` items and links the next page with a ``Link`` header, as both
forges do. ``faults`` are answered instead of the real thing (a 5xx, a rate limit, a 404, …),
each a given number of times; ``read_only`` makes every write a 403, as a fork's token gets.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ghp_Sup3rSecretT0kenValue1234567890"
BOT = "github-actions[bot]"


@dataclass
class Fault:
    method: str
    path: str  # a regular expression searched in the request path
    status: int
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1  # how many requests it answers; -1: all


@dataclass
class State:
    base: str = ""
    page_size: int = 2
    max_body: int = 65_536
    read_only: bool = False
    author: str = BOT
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    notes: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def comment(self, repo: str, number: int, body: str, author: str) -> dict[str, Any]:
        item = {
            "id": self.new_id(),
            "node_id": f"IC_{self.next_id}",
            "body": body,
            "user": {"login": author},
            "html_url": f"{self.base}/{repo}/pull/{number}#issuecomment-{self.next_id}",
            "minimized": False,
        }
        self.comments[(repo, number)].append(item)
        return item

    def note(self, project: str, iid: int, body: str, author: str, system: bool = False) -> None:
        item = {"id": self.new_id(), "body": body, "author": {"username": author}}
        item["system"] = system
        self.notes[(project, iid)].append(item)

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.requests if m == method and re.search(pattern, p))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the state, not a log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        state = self.server.state
        with self.server.lock:
            split = urllib.parse.urlsplit(self.path)
            state.requests.append((method, split.path))
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else None
            token = self.headers.get("PRIVATE-TOKEN") or self.headers.get(
                "Authorization", ""
            ).removeprefix("Bearer ")
            for fault in state.faults:
                if fault.times and fault.method == method and re.search(fault.path, split.path):
                    fault.times -= 1
                    body = fault.body
                    if not isinstance(body, bytes):
                        body = json.loads(json.dumps(body).replace("{token}", token))
                    return self._send(fault.status, body, fault.headers)
            if token != TOKEN:
                return self._send(401, {"message": "Bad credentials"})
            if state.read_only and method != "GET" and split.path != "/graphql":
                return self._send(403, {"message": "Resource not accessible by integration"})
            query = urllib.parse.parse_qs(split.query)
            parts = [urllib.parse.unquote(p) for p in split.path.strip("/").split("/")]
            self._route(method, parts, query, payload)

    def _route(
        self, method: str, parts: list[str], query: dict[str, list[str]], payload: Any
    ) -> None:
        state = self.server.state
        match parts:
            case ["repos", owner, name, "issues", number, "comments"]:
                key = (f"{owner}/{name}", int(number))
                if key not in state.comments:
                    return self._send(404, {"message": "Not Found"})
                if method == "GET":
                    return self._page(state.comments[key], query)
                if len(payload["body"]) > state.max_body:
                    return self._too_long()
                item = state.comment(key[0], key[1], payload["body"], state.author)
                return self._send(201, item)
            case ["repos", owner, name, "issues", "comments", cid] if method == "PATCH":
                for items in state.comments.values():
                    for item in items:
                        if item["id"] == int(cid):
                            if len(payload["body"]) > state.max_body:
                                return self._too_long()
                            item["body"] = payload["body"]
                            return self._send(200, item)
                return self._send(404, {"message": "Not Found"})
            case ["graphql"] if method == "POST":
                return self._graphql(payload)
            case ["projects", project, "merge_requests", iid, "notes", *rest]:
                key = (project, int(iid))
                if key not in state.notes:
                    return self._send(404, {"message": "404 Not found"})
                if method == "GET":
                    return self._page(state.notes[key], query)
                if method == "POST":
                    state.note(project, int(iid), payload["body"], state.author)
                    return self._send(201, state.notes[key][-1])
                for item in state.notes[key]:
                    if rest and item["id"] == int(rest[0]):
                        item["body"] = payload["body"]
                        return self._send(200, item)
                return self._send(404, {"message": "404 Note Not Found"})
        return self._send(404, {"message": "Not Found"})

    def _page(self, items: list[dict[str, Any]], query: dict[str, list[str]]) -> None:
        size = min(int(query.get("per_page", ["30"])[0]), self.server.state.page_size)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // size))
        headers = {}
        if page < last:
            path = urllib.parse.urlsplit(self.path).path
            rest = {k: v[0] for k, v in query.items() if k != "page"}
            nxt = urllib.parse.urlencode({**rest, "page": page + 1})
            headers["Link"] = (
                f'<{self.server.state.base}{path}?{nxt}>; rel="next", '
                f'<{self.server.state.base}{path}?page={last}>; rel="last"'
            )
        self._send(200, items[(page - 1) * size : page * size], headers)

    def _too_long(self) -> None:
        limit = self.server.state.max_body
        error = {"message": f"body is too long (maximum is {limit} characters)"}
        self._send(422, {"message": "Validation Failed", "errors": [error]})

    def _graphql(self, payload: dict[str, Any]) -> None:
        if "minimizeComment" not in payload["query"]:
            return self._send(200, {"errors": [{"message": "unknown query"}]})
        for items in self.server.state.comments.values():
            for item in items:
                if item["node_id"] == payload["variables"]["id"]:
                    item["minimized"] = True
                    result = {"minimizedComment": {"isMinimized": True}}
                    return self._send(200, {"data": {"minimizeComment": result}})
        error = {"message": f"Could not resolve to a node with the global id of '{payload}'"}
        return self._send(200, {"errors": [error]})


class _Server(ThreadingHTTPServer):
    state: State
    lock: threading.Lock


@contextmanager
def serve() -> Iterator[State]:
    """Run the server on a free port of 127.0.0.1 for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = State(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
