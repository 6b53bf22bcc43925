"""`migcheck comment` against a local GitHub API: one sticky comment per project."""

from __future__ import annotations

import json
import time

from tests.comment.conftest import NUMBER, REPO, Forge
from tests.comment.forge import BOT, Fault

from migcheck.comment.body import Marker

COMMENTS = r"/issues/\d+/comments$"


def ours(forge: Forge, project: str = "default") -> list[dict[str, object]]:
    items = forge.state.comments[(REPO, NUMBER)]
    return [c for c in items if (m := Marker.find(str(c["body"]))) and m.project == project]


def test_three_runs_leave_one_comment_updated_only_when_the_report_changed(forge: Forge) -> None:
    first = forge.post("# migcheck\n\nno findings\n")
    assert first.code == 0 and "posted the report on octo/app#12" in first.out
    again = forge.post("# migcheck\n\nno findings\n")
    assert again.code == 0 and "unchanged" in again.out
    assert forge.state.count("PATCH", "") == 0 and forge.state.count("POST", COMMENTS) == 1
    changed = forge.post("# migcheck\n\n1 error\n")
    assert changed.code == 0 and "updated the report" in changed.out
    assert forge.state.count("PATCH", "") == 1 and forge.state.count("POST", COMMENTS) == 1
    [comment] = forge.state.comments[(REPO, NUMBER)]
    assert str(comment["body"]).endswith("1 error\n")
    assert str(comment["body"]).startswith("<!-- migcheck:comment project=default sha256=")
    assert str(comment["html_url"]) in changed.out


def test_the_marker_is_found_on_page_3(forge: Forge) -> None:
    for n in range(4):
        forge.state.comment(REPO, NUMBER, f"human {n}", "alice")
    forge.post("old report\n")  # fifth comment: page 3 at two per page
    forge.state.requests.clear()
    result = forge.post("new report\n")
    assert result.code == 0 and "updated" in result.out
    assert forge.state.count("GET", COMMENTS) == 3
    assert forge.state.count("POST", COMMENTS) == 0
    assert len(forge.state.comments[(REPO, NUMBER)]) == 5


def test_a_comment_with_a_reply_below_is_kept_hidden_and_a_new_one_posted(forge: Forge) -> None:
    forge.post("first report\n")
    forge.state.comment(REPO, NUMBER, "why is this a warning?", "alice")
    result = forge.post("second report\n")
    assert result.code == 0 and "posted a new report" in result.out
    old, new = ours(forge)
    assert str(old["body"]).endswith("first report\n") and old["minimized"] is True
    assert str(new["body"]).endswith("second report\n") and new["minimized"] is False
    assert forge.post("second report\n").out.count("unchanged") == 1
    assert len(ours(forge)) == 2


def test_comments_of_the_same_author_below_are_not_replies(forge: Forge) -> None:
    forge.post("api report\n", "--project", "api")
    forge.post("web report\n", "--project", "web --> <b>")
    assert "updated" in forge.post("api report 2\n", "--project", "api").out
    assert len(ours(forge, "api")) == 1 and len(ours(forge, "web --> <b>")) == 1
    assert "<b>" not in str(ours(forge, "web --> <b>")[0]["body"]).splitlines()[0]


def test_a_fork_token_says_so_in_one_line_and_exits_0(forge: Forge) -> None:
    forge.state.read_only = True
    result = forge.post("report\n")
    assert result.code == 0 and result.out == ""
    assert result.err.count("\n") == 1
    assert "may not write" in result.err and "job summary" in result.err
    strict = forge.post("report\n", "--fail-without-permission")
    assert strict.code == 2 and strict.err.count("\n") == 1


def test_an_unknown_pull_request_is_one_line_and_exit_2(forge: Forge) -> None:
    result = forge.post("report\n", "--number", "99")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "HTTP 404" in result.err and "/repos/octo/app/issues/99/comments" in result.err


def test_a_report_over_the_limit_is_cut_with_a_note(forge: Forge) -> None:
    lines = [f"| row {n} | MC101 | a finding |" for n in range(5000)]
    report = "# summary: 5000 findings\n\n```sql\n" + "\n".join(lines) + "\n```\n"
    result = forge.post(report)
    assert result.code == 0 and "cut to 65,536 characters" in result.err
    [comment] = forge.state.comments[(REPO, NUMBER)]
    body = str(comment["body"])
    assert len(body) <= 65_536 and "# summary: 5000 findings" in body
    assert "it was cut" in body and body.count("```") % 2 == 0
    assert "unchanged" in forge.post(report).out
    small = forge.post(report.replace("5000 findings", "4999 findings"), "--budget", "2000")
    assert small.code == 0 and len(str(comment["body"])) <= 2000


def test_a_body_refused_as_too_large_is_sent_again_as_a_summary(forge: Forge) -> None:
    forge.state.max_body = 9000
    report = "# summary\n\n" + "x" * 60 + "\n" + "finding line\n" * 2000
    result = forge.post(report)
    assert result.code == 0 and "refused as too large" in result.err
    assert forge.state.count("POST", COMMENTS) == 2
    [comment] = forge.state.comments[(REPO, NUMBER)]
    assert len(str(comment["body"])) <= 8000


def test_a_5xx_is_retried(forge: Forge) -> None:
    forge.state.faults.append(Fault("POST", COMMENTS, 502, {"message": "Server Error"}))
    result = forge.post("report\n")
    assert result.code == 0 and "posted" in result.out
    assert "HTTP 502" in result.err and "retrying in 1 s" in result.err
    assert len(forge.state.comments[(REPO, NUMBER)]) == 1


def test_a_secondary_rate_limit_waits_what_retry_after_says(forge: Forge) -> None:
    limit = {"message": "You have exceeded a secondary rate limit"}
    forge.state.faults.append(Fault("GET", COMMENTS, 403, limit, {"Retry-After": "1"}))
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) - 1)}
    forge.state.faults.append(Fault("POST", COMMENTS, 403, limit, reset))
    result = forge.post("report\n")
    assert result.code == 0 and "posted" in result.out
    assert "retrying in 1 s" in result.err and "retrying in 0 s" in result.err
    assert len(forge.state.comments[(REPO, NUMBER)]) == 1


def test_bounded_retries_end_with_one_line(forge: Forge) -> None:
    busy = Fault("GET", COMMENTS, 503, {"message": "busy"}, {"Retry-After": "0"}, times=-1)
    forge.state.faults.append(busy)
    result = forge.post("report\n")
    assert result.code == 2 and forge.state.count("GET", COMMENTS) == 5
    last = result.err.splitlines()[-1]
    assert last.startswith("migcheck: error: GET /repos/octo/app/issues/12/comments: HTTP 503")
    assert last.endswith("(after 5 tries)")
    long_wait = Fault("GET", COMMENTS, 429, {"message": "slow down"}, {"Retry-After": "3600"})
    forge.state.faults[:] = [long_wait]
    forge.state.requests.clear()
    result = forge.post("report\n")
    assert result.code == 2 and forge.state.count("GET", COMMENTS) == 1
    assert result.err.count("\n") == 1 and "HTTP 429: slow down" in result.err


def test_a_token_echoed_by_the_server_is_masked(forge: Forge) -> None:
    echo = {"message": "Bad credentials: {token} is revoked"}
    forge.state.faults.append(Fault("GET", COMMENTS, 401, echo))
    result = forge.post("report\n")
    assert result.code == 2 and "Bad credentials: *** is revoked" in result.err
    forge.state.faults.append(Fault("POST", COMMENTS, 500, echo, {"Retry-After": "0"}, times=-1))
    result = forge.post("report\n")
    assert result.code == 2 and result.err.count("Bad credentials: *** is revoked") == 5


def test_a_link_to_another_host_is_not_followed(forge: Forge) -> None:
    foreign = {"Link": '<http://203.0.113.9/repos/octo/app/issues/12/comments?page=2>; rel="next"'}
    forge.state.faults.append(Fault("GET", COMMENTS, 200, [], foreign))
    result = forge.post("report\n")
    assert result.code == 2 and "refused, not on" in result.err


def test_enterprise_api_url_and_event_payloads(forge: Forge) -> None:
    run_event = forge.tmp / "run.json"
    run_event.write_text(json.dumps({"workflow_run": {"pull_requests": [{"number": NUMBER}]}}))
    result = forge.run(
        "--body-file", str(forge.report("report\n")), GITHUB_EVENT_PATH=str(run_event)
    )
    assert result.code == 0 and "octo/app#12" in result.out
    assert forge.state.comments[(REPO, NUMBER)][0]["user"] == {"login": BOT}


def test_bad_input_is_one_line_naming_the_option_or_file(forge: Forge) -> None:
    report = str(forge.report("report\n"))
    empty = forge.tmp / "fork-run.json"
    empty.write_text(json.dumps({"workflow_run": {"pull_requests": []}}))
    cases = {
        "no token": forge.run("--body-file", report, GITHUB_TOKEN=""),
        "--token-env": forge.run("--body-file", report, "--token-env", "MY_TOKEN"),
        "--body-file": forge.run("--body-file", str(forge.tmp / "missing.md")),
        "--repo": forge.run("--body-file", report, "--repo", "not a repo"),
        "--api-url": forge.run("--body-file", report, "--api-url", "ftp://x"),
        "fork-run.json": forge.run("--body-file", report, GITHUB_EVENT_PATH=str(empty)),
        "not JSON": forge.run("--body-file", report, GITHUB_EVENT_PATH=report),
    }
    for needle, result in cases.items():
        assert result.code == 2 and result.err.count("\n") == 1, (needle, result)
        assert needle in result.err, (needle, result.err)
    assert forge.state.requests == []
