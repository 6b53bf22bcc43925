"""`migcheck comment` against a local GitLab API: one sticky note per project on a merge request."""

from __future__ import annotations

from tests.comment.conftest import IID, PROJECT, Forge
from tests.comment.forge import Fault

NOTES = r"/merge_requests/\d+/notes"


def notes(forge: Forge) -> list[dict[str, object]]:
    return forge.state.notes[(PROJECT, IID)]


def test_three_runs_leave_one_note(forge: Forge) -> None:
    assert "posted the report on group/app!7" in forge.post("r1\n", platform="gitlab").out
    assert "unchanged" in forge.post("r1\n", platform="gitlab").out
    forge.state.note(PROJECT, IID, "added 1 commit", "alice", system=True)
    assert "updated" in forge.post("r2\n", platform="gitlab").out
    assert forge.state.count("POST", NOTES) == 1 and forge.state.count("PUT", NOTES) == 1
    mine = [n for n in notes(forge) if not n["system"]]
    assert len(mine) == 1 and str(mine[0]["body"]).endswith("r2\n")


def test_the_marker_is_found_on_page_3(forge: Forge) -> None:
    for n in range(4):
        forge.state.note(PROJECT, IID, f"note {n}", "alice")
    forge.post("old\n", platform="gitlab")
    forge.state.requests.clear()
    assert "updated" in forge.post("new\n", platform="gitlab").out
    assert forge.state.count("GET", NOTES) == 3 and forge.state.count("POST", NOTES) == 0


def test_a_note_with_a_reply_below_is_folded_and_a_new_one_posted(forge: Forge) -> None:
    forge.post("first\n", platform="gitlab")
    forge.state.note(PROJECT, IID, "is this safe?", "alice")
    result = forge.post("second\n", platform="gitlab")
    assert result.code == 0 and "posted a new report" in result.out
    old, reply, new = notes(forge)
    assert "<details>" in str(old["body"]) and "first" in str(old["body"])
    assert reply["body"] == "is this safe?" and str(new["body"]).endswith("second\n")
    assert "unchanged" in forge.post("second\n", platform="gitlab").out
    assert len(notes(forge)) == 3


def test_project_paths_are_encoded_and_errors_are_one_line(forge: Forge) -> None:
    forge.post("r\n", platform="gitlab")
    assert forge.state.requests[0][1].startswith("/projects/group%2Fapp/merge_requests/7/notes")
    forge.state.read_only = True
    denied = forge.post("r2\n", platform="gitlab")
    assert denied.code == 0 and "may not write" in denied.err
    forge.state.read_only = False
    forge.state.faults.append(Fault("PUT", NOTES, 500, {"message": "oops"}, {"Retry-After": "0"}))
    assert "updated" in forge.post("r3\n", platform="gitlab").out
    missing = forge.run(
        "--body-file", str(forge.report("r\n")), platform="gitlab", **{"CI_MERGE_REQUEST_IID": ""}
    )
    assert missing.code == 2 and "CI_MERGE_REQUEST_IID" in missing.err
    assert missing.err.count("\n") == 1
