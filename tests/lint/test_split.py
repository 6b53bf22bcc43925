"""Large SQL inputs checked by two processes find exactly what one process finds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migcheck.config import Settings
from migcheck.lint import runner as lint_files
from migcheck.lint.entry import lint_paths, sort_findings
from migcheck.result import Finding
from migcheck.sql import libpg_query
from migcheck.sql.facts import Statement

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="splitting needs os.fork")

#: a script whose context crosses every chunk boundary when chunks are a few statements long:
#: transactions, a table created early and altered late, a NOT VALID constraint validated in the
#: same transaction, DO blocks, ignore comments (used and unused), end-of-file findings (MC402,
#: MC120, MC403) and a SET LOCAL preamble
SCRIPT = """\
CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint);
CREATE INDEX accounts_owner ON accounts (owner_id);
ALTER TABLE users ADD COLUMN nickname text;
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
    NOT VALID;
UPDATE users SET nickname = 'x';
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
COMMIT;
-- migcheck: ignore MC101 -- built while the app is down
CREATE INDEX users_nickname ON users (nickname);
-- migcheck: ignore MC303 -- matches nothing
DO $$ BEGIN ALTER TABLE users ALTER COLUMN nickname SET NOT NULL; END $$;
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id);
ALTER TABLE invoices ADD CONSTRAINT invoices_account_fk FOREIGN KEY (account_id)
    REFERENCES accounts (id);
CREATE INDEX CONCURRENTLY users_email ON users (email);
ALTER TABLE users ALTER COLUMN id TYPE bigint;
BEGIN;
ALTER TYPE mood ADD VALUE 'meh';
"""


def _summary(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [
        (f.rule, f.severity, f.location.path, f.location.line, f.location.column, f.message)
        for f in sort_findings(findings)
    ]


def _lint(paths: list[str], split: bool) -> tuple[list[tuple[object, ...]], int]:
    libpg_query.prefetch(paths)
    libpg_query.join_parse()  # a split needs the whole input parsed when the rules start
    report = lint_paths(paths, Settings(), split=split)
    return _summary(report.findings), report.statements


def _two_scripts(tmp_path: Path, first: str, second: str) -> list[str]:
    """Write the scripts a.sql and b.sql; their paths."""
    paths = [tmp_path / "a.sql", tmp_path / "b.sql"]
    for path, text in zip(paths, (first, second), strict=True):
        path.write_text(text, encoding="utf-8")
    return [str(path) for path in paths]


#: each helper a run started: the pieces it was given and the helper
Started = list[tuple[list[lint_files.Piece], lint_files._Helper]]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Started:
    """Records every helper a split starts."""
    record: Started = []
    start = lint_files._Helper.start

    def recorded(walk: lint_files.SqlWalk, pieces: list[lint_files.Piece]) -> lint_files._Helper:
        record.append((pieces, start(walk, pieces)))
        return record[-1][1]

    monkeypatch.setattr(lint_files._Helper, "start", recorded)
    return record


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_split_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: Started, chunk: int
) -> None:
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", chunk)
    paths = _two_scripts(tmp_path, SCRIPT, SCRIPT.replace("accounts", "ledgers"))
    expected = _lint(paths, split=False)
    assert expected[0], "the script must give findings to compare"
    assert _lint(paths, split=True) == expected
    assert len(started) == 1 and started[0][0]


@pytest.mark.parametrize("before", [1, 3])
def test_pieces_checked_while_the_parse_runs_then_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: Started, before: int
) -> None:
    """The first pieces are checked before the parse is done; the rest is divided after."""
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", 2)
    paths = _two_scripts(tmp_path, SCRIPT, SCRIPT.replace("accounts", "ledgers"))
    expected = _lint(paths, split=False)
    parsed = lint_files._parsed
    checked: list[lint_files.Piece] = []
    check = lint_files.SqlWalk.check

    def recorded(walk: lint_files.SqlWalk, piece: lint_files.Piece, facts: list[Statement]) -> None:
        checked.append(piece)
        check(walk, piece, facts)

    def late(walk: lint_files.SqlWalk, piece: lint_files.Piece) -> bool:
        return len(checked) >= before and parsed(walk, piece)

    monkeypatch.setattr(lint_files.SqlWalk, "check", recorded)
    monkeypatch.setattr(lint_files, "_parsed", late)
    assert _lint(paths, split=True) == expected
    assert len(started) == 1
    helper_pieces = started[0][0]
    assert checked[:before] == [(0, 0), (0, 1), (0, 2)][:before]
    assert not set(helper_pieces) & set(checked[:before])


def test_helper_failure_falls_back_to_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", 2)
    target = tmp_path / "m.sql"
    target.write_text(SCRIPT, encoding="utf-8")
    expected = _lint([str(target)], split=False)

    def broken(*args: object) -> None:
        raise RuntimeError("simulated helper crash")

    monkeypatch.setattr(lint_files, "_helper_main", broken)
    assert _lint([str(target)], split=True) == expected


def test_a_syntax_error_in_a_chunk_is_checked_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", 2)
    target = tmp_path / "m.sql"
    target.write_text(SCRIPT + "SELEC 1;\nDROP TABLE users;\n", encoding="utf-8")
    findings, _ = _lint([str(target)], split=True)
    assert {"MC000", "MC301"} <= {f[0] for f in findings}
    assert _lint([str(target)], split=False)[0] == findings


#: a statement with a ';' line inside: a long line comment (the cheap cuts land on it), then the
#: rest of the statement (``VACUUM ANALYZE users``), which parses on its own as well
CUT_INSIDE = (
    "VACUUM -- the nightly job is off this week: reclaim the rows the backfill above left dead "
    "and refresh the statistics the planner needs before the app uses the new indexes;\n"
    "ANALYZE users;\n"
)


def _lint_whole(paths: list[str]) -> tuple[list[tuple[object, ...]], int]:
    """Without parse-ahead: each script parsed at once."""
    libpg_query.prefetch([])
    libpg_query.join_parse()
    report = lint_paths(paths, Settings(), split=False)
    return _summary(report.findings), report.statements


def _bad_chunks(path: Path) -> list[int]:
    from tests.sql.test_parser import _bad_cuts

    return _bad_cuts(path.read_text(encoding="utf-8"))


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records what every helper's ``finish`` returns (a stopped helper is not finished)."""
    record: list[object] = []
    finish = lint_files._Helper.finish

    def recorded(self: lint_files._Helper, progress: lint_files.Progress) -> object:
        record.append(finish(self, progress))
        return record[-1]

    monkeypatch.setattr(lint_files._Helper, "finish", recorded)
    return record


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_a_bad_cut_in_the_first_share_stops_the_helper(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: Started,
    finished: list[object],
    chunk: int,
) -> None:
    """The first process finds a chunk of its own cut inside a statement: it parses the rest of
    that script, the helper's pieces of it included, so it stops the helper and checks the rest
    itself (the next script too)."""
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", chunk)
    paths = _two_scripts(tmp_path, CUT_INSIDE + SCRIPT, SCRIPT.replace("accounts", "ledgers"))
    expected = _lint_whole(paths)
    assert _lint(paths, split=False) == expected
    assert _lint(paths, split=True) == expected
    assert len(started) == 1
    (given, helper), bad = started[0], _bad_chunks(Path(paths[0]))
    assert bad and (0, bad[0]) not in given and given[0][0] == 0  # the helper is given a's end
    assert helper.reaped and not finished  # stopped, not asked for its findings


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_a_bad_cut_in_the_helpers_share_is_its_own(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: Started,
    finished: list[object],
    chunk: int,
) -> None:
    """The helper finds a chunk of its own cut inside a statement: it parses the rest of that
    script itself, which is what one process would do."""
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", chunk)
    more = SCRIPT.replace("accounts", "ledgers")
    paths = _two_scripts(
        tmp_path, SCRIPT + more + CUT_INSIDE + SCRIPT.replace("accounts", "funds"), more
    )
    expected = _lint_whole(paths)
    assert _lint(paths, split=False) == expected
    assert _lint(paths, split=True) == expected
    assert len(started) == 1
    (given, _), bad = started[0], _bad_chunks(Path(paths[0]))
    assert bad and (0, bad[0]) in given and given[0][0] == 0 and given[0][1] > 0  # a's middle
    assert len(finished) == 1 and finished[0] is not None  # its findings were used


def test_the_program_splits_a_large_file_and_prints_the_same(tmp_path: Path) -> None:
    """End to end: ``migcheck lint`` on 4,000 statements, split (the default) and not."""
    target = tmp_path / "big.sql"
    target.write_text(SCRIPT * 200, encoding="utf-8")
    command = [sys.executable, "-m", "migcheck", "lint", "--format", "json", str(target)]
    split = subprocess.run(command, capture_output=True, text=True, check=False)
    alone = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MIGCHECK_JOBS": "1"},
    )
    assert split.returncode == alone.returncode == 1
    assert split.stdout == alone.stdout
    assert split.stderr == alone.stderr == ""


def test_interrupted_split_leaves_no_helper_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: Started
) -> None:
    """Ctrl-C in the first process while the helper works: the helper is killed and reaped."""
    monkeypatch.setattr(libpg_query, "CHUNK_STATEMENTS", 2)
    target = tmp_path / "m.sql"
    target.write_text(SCRIPT, encoding="utf-8")

    def interrupted(self: lint_files.SqlWalk, piece: object, statements: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lint_files.SqlWalk, "check", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _lint([str(target)], split=True)
    assert len(started) == 1
    with pytest.raises(ChildProcessError):  # already reaped: no zombie, no live process
        os.waitpid(started[0][1].pid, os.WNOHANG)
