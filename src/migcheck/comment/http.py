"""A small JSON-over-HTTPS client on :mod:`urllib`: bounded retries, masked secrets.

It retries what a forge asks to retry: 5xx answers, connection failures, and rate limits (403 or
429 with ``Retry-After`` or ``x-ratelimit-remaining: 0``), waiting what the answer says or a
doubling backoff, never longer than :attr:`RetryPolicy.max_wait` at a time and never more than
:attr:`RetryPolicy.attempts` tries. Every message it makes passes through :func:`mask`, so a
token never reaches a log, and it refuses a redirect to another host (urllib would carry the
token there).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migcheck import __version__
from migcheck.errors import MigcheckError

#: how much of an error answer's text a message quotes
_QUOTED = 200


def mask(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an answer is a rate limit (GitHub's secondary limits are 403s with these headers)."""
    if status not in (403, 429):
        return False
    return status == 429 or "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"


def origin(url: str) -> tuple[str, str]:
    """The scheme and host (with port) of ``url``, lowercased."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class HttpError(MigcheckError):
    """A request failed for good: an error answer, or retries spent. The message is one line."""

    def __init__(self, message: str, status: int | None, *, limited: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.limited = limited


@dataclass(slots=True, frozen=True)
class RetryPolicy:
    """How often and how long to retry; the defaults wait at most about a minute in all."""

    attempts: int = 5
    first_wait: float = 1.0
    max_wait: float = 30.0


@dataclass(slots=True, frozen=True)
class Response:
    """A successful answer: status, headers (lowercase names) and the decoded JSON body."""

    status: int
    headers: Mapping[str, str]
    data: Any

    def next_link(self) -> str | None:
        """The ``rel="next"`` URL of the ``Link`` header, if any (GitHub and GitLab paginate so)."""
        for part in self.headers.get("link", "").split(","):
            url, _, params = part.partition(";")
            url = url.strip()
            if url.startswith("<") and url.endswith(">") and 'rel="next"' in params:
                return url[1:-1]
        return None


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the same scheme and host: the token must not travel."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if origin(newurl) != origin(req.full_url):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


@dataclass(slots=True)
class HttpClient:
    """Sends JSON requests to one API; ``secrets`` are masked in every message it makes."""

    base_url: str
    headers: dict[str, str]
    secrets: tuple[str, ...]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    say: Callable[[str], None] = _stderr
    timeout: float = 30.0
    _opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(_SameOriginRedirects)
    )

    def url(self, path: str) -> str:
        """The absolute URL of an API path (a full URL is returned as it is)."""
        if "://" in path:
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(self, method: str, path: str, body: object = None) -> Response:
        """Send one request, retrying as the policy allows; raise :class:`HttpError` on failure."""
        url = self.url(path)
        if origin(url) != origin(self.base_url):
            raise HttpError(self.masked(f"{method} {url}: refused, not on {self.base_url}"), None)
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Accept": "application/json",
            "User-Agent": f"migcheck/{__version__}",
            **self.headers,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        label = f"{method} {urllib.parse.urlsplit(url).path}"
        for attempt in range(1, self.retry.attempts + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                    return Response(
                        answer.status,
                        {k.lower(): v for k, v in answer.headers.items()},
                        _decode(raw, label, self),
                    )
            except urllib.error.HTTPError as error:
                status = error.code
                answer_headers = {k.lower(): v for k, v in error.headers.items()}
                text = _error_text(error)
                failure = f"{label}: HTTP {status}{': ' + text if text else ''}"
                limited = rate_limited(status, answer_headers)
                wait = self._wait(status, answer_headers, attempt)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                status, limited = None, False
                failure = f"{label}: {reason}"
                wait = self._backoff(attempt)
            if wait is None or attempt == self.retry.attempts:
                tries = f" (after {attempt} tries)" if attempt > 1 else ""
                raise HttpError(self.masked(failure + tries), status, limited=limited)
            self.say(self.masked(f"migcheck: {failure}; retrying in {wait:g} s"))
            self.sleep(wait)
        raise AssertionError("unreachable: the last attempt raises")

    def _wait(self, status: int, headers: Mapping[str, str], attempt: int) -> float | None:
        """Seconds to wait before retrying an error answer, or None when it is final."""
        if status < 500 and status != 429 and not rate_limited(status, headers):
            return None
        wait = self._backoff(attempt)
        if "retry-after" in headers:
            # an HTTP date (rare) keeps the backoff
            with contextlib.suppress(ValueError):
                wait = max(0.0, float(headers["retry-after"]))
        elif (
            headers.get("x-ratelimit-remaining") == "0"
            and headers.get("x-ratelimit-reset", "").isdigit()
        ):
            wait = max(0.0, float(headers["x-ratelimit-reset"]) - self.clock())
        return wait if wait <= self.retry.max_wait else None

    def _backoff(self, attempt: int) -> float:
        return float(min(self.retry.max_wait, self.retry.first_wait * 2 ** (attempt - 1)))

    def masked(self, text: str) -> str:
        """``text`` on one line with every secret masked."""
        return mask(" ".join(text.split()), self.secrets)


def _decode(raw: bytes, label: str, client: HttpClient) -> Any:
    """The JSON of a successful answer; not JSON is final (a repeated POST could post twice)."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise HttpError(client.masked(f"{label}: the answer is not JSON"), None) from None


def _error_text(error: urllib.error.HTTPError) -> str:
    """The ``message`` (GitHub) or ``message``/``error`` (GitLab) of an error answer, shortened."""
    try:
        raw = error.read().decode("utf-8", "replace")
    except OSError:
        return ""
    try:
        document = json.loads(raw)
    except ValueError:
        text = raw
    else:
        if isinstance(document, dict):
            found = document.get("message") or document.get("error") or ""
            text = found if isinstance(found, str) else json.dumps(found)
        else:
            text = raw
    text = " ".join(text.split())
    return text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"
