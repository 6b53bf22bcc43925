"""The HTTP client in-process: its backoff schedule, its limits, and the text of its errors."""

from __future__ import annotations

import pytest
from tests.comment.forge import TOKEN, Fault, serve

from migcheck.comment.body import Marker, compose
from migcheck.comment.http import HttpClient, HttpError, RetryPolicy


def client(base: str, waits: list[float], said: list[str]) -> HttpClient:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    return HttpClient(base, auth, (TOKEN,), sleep=waits.append, say=said.append)


def test_5xx_backs_off_doubling_and_gives_up_after_the_last_try() -> None:
    waits: list[float] = []
    said: list[str] = []
    with serve() as state:
        state.faults.append(Fault("GET", "/x", 500, {"message": f"boom {TOKEN}"}, times=-1))
        with pytest.raises(HttpError) as caught:
            client(state.base, waits, said).request("GET", "x")
        assert state.count("GET", "/x") == RetryPolicy().attempts
    assert waits == [1.0, 2.0, 4.0, 8.0]
    text = str(caught.value)
    assert text == "GET /x: HTTP 500: boom *** (after 5 tries)" and caught.value.status == 500
    assert all(TOKEN not in line and "\n" not in line for line in said)
    assert TOKEN not in repr(caught.value) and caught.value.__cause__ is None


def test_a_4xx_other_than_a_rate_limit_is_final() -> None:
    waits: list[float] = []
    with serve() as state:
        state.faults.append(Fault("GET", "/x", 403, {"message": "Forbidden"}, times=-1))
        with pytest.raises(HttpError) as caught:
            client(state.base, waits, []).request("GET", "x")
    assert waits == [] and caught.value.status == 403 and not caught.value.limited


def test_a_refused_connection_is_retried_then_reported() -> None:
    with serve() as state:
        base = state.base
    waits: list[float] = []
    with pytest.raises(HttpError) as caught:
        client(base, waits, []).request("GET", "x")
    assert len(waits) == 4 and "GET /x:" in str(caught.value)


@pytest.mark.parametrize("project", ["api", "web --> <b>", "a b/c", "ünï"])
def test_marker_round_trips_and_cut_bodies_fit(project: str) -> None:
    report = "# title\n```\n" + "line\n" * 10_000 + "```\n"
    marker = Marker.of(project, report)
    body = compose(marker, report, 3000)
    assert Marker.find(body) == marker and len(body) <= 3000
    assert body.count("```") % 2 == 0 and "-->" not in body.splitlines()[0][:-3]
    assert compose(marker, "short\n", 3000).endswith("\nshort\n")


def test_a_2xx_that_is_not_json_is_final_not_retried() -> None:
    waits: list[float] = []
    with serve() as state:
        state.faults.append(Fault("POST", "/x", 201, b"<html>", times=-1))
        with pytest.raises(HttpError, match="POST /x: the answer is not JSON"):
            client(state.base, waits, []).request("POST", "x", {"body": "b"})
        assert state.count("POST", "/x") == 1 and waits == []
