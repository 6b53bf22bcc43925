"""Lint SQL files in order, a piece at a time, and on two cores when the input is large.

A run over SQL files is a sequence of *pieces*: a whole script, or one chunk of a script that
:func:`migcheck.sql.libpg_query.prefetch` parsed ahead. :class:`SqlWalk` turns each piece into facts
and feeds them to the rules; what the rules know so far (schema, transaction state, the script
being checked) is its :class:`Progress`, plain data that can be pickled.

That makes the split possible. Pieces are checked in order while the parse thread works (it
runs on the other core); once every piece is parsed, the thread has ended and what is left of a
large input is divided: with :func:`check_split`, this process (the *first*) checks the first
part while a forked helper (the *second*) decodes and builds the facts of the rest — the two
costly steps — at the same time on the other core. Forking only after the parse keeps the fork
from copying a thread in the middle of libpg_query.

When the first process is done it hands its progress to the helper, which runs the rules over
its pieces from exactly that state and sends its findings back. The findings, their order and
every rule's view are the same as one process checking every piece in order (tests compare the
two); if the helper fails in any way, the first process checks the remaining pieces itself.
"""

from __future__ import annotations

import _thread
import os
import sys

from migcheck.lint.engine import Engine, RunState
from migcheck.lint.schema import Schema
from migcheck.record import Record
from migcheck.result import Finding, Location, Severity
from migcheck.sql.extract import facts_of
from migcheck.sql.extract import statements as sql_statements
from migcheck.sql.facts import Statement
from migcheck.sql.libpg_query import join_parse
from migcheck.sql.parser import Chunks, parsed_ahead

#: a piece: ``(script index, chunk index)``; chunk -1 is the whole script
Piece = tuple[int, int]

#: below this many statements one process is faster than starting a helper
SPLIT_MIN_STATEMENTS = 3000

#: the cost of the rules on one statement, relative to decoding and building its facts
#: (measured on bench/lint_speed.py's mix)
_RULES_COST = 0.45


class Script(Record):
    """One SQL file: the path shown in findings, its text, and its parse-ahead if any."""

    __slots__ = ("path", "text", "ahead")

    path: str
    text: str
    ahead: Chunks | None

    def __init__(self, path: str, text: str, ahead: Chunks | None = None) -> None:
        self.path = path
        self.text = text
        self.ahead = ahead


class Progress(Record):
    """How far a walk got: the schema so far and the state of the script being checked."""

    __slots__ = ("schema", "script", "run", "statements")

    schema: Schema
    #: index of the script ``run`` belongs to
    script: int
    run: RunState | None
    statements: int

    def __init__(
        self,
        schema: Schema | None = None,
        script: int = -1,
        run: RunState | None = None,
        statements: int = 0,
    ) -> None:
        self.schema = Schema() if schema is None else schema
        self.script = script
        self.run = run
        self.statements = statements


class SqlWalk:
    """Checks SQL scripts in order, piece by piece."""

    def __init__(
        self,
        engine: Engine,
        scripts: list[Script],
        *,
        in_transaction: bool = False,
        retained: list[list[Statement]] | None = None,
    ) -> None:
        self.engine = engine
        self.scripts = scripts
        self.in_transaction = in_transaction
        self.progress = Progress()
        #: parsed statements kept alive (see :func:`migcheck.lint.retain_parsed`)
        self.retained = retained

    def pieces(self) -> list[Piece]:
        """Every piece in order: a script parsed ahead by chunk, any other whole."""
        out: list[Piece] = []
        for index, script in enumerate(self.scripts):
            if script.ahead is not None:
                out.extend((index, chunk) for chunk in range(len(script.ahead.counts)))
            else:
                out.append((index, -1))
        return out

    def statements(self, piece: Piece) -> list[Statement]:
        """Parse (or decode) one piece and build its facts."""
        script = self.scripts[piece[0]]
        if piece[1] < 0:
            return sql_statements(script.text, script.path)
        assert script.ahead is not None
        return facts_of(script.ahead.statements(piece[1]), script.path)

    def check(self, piece: Piece, statements: list[Statement]) -> None:
        """Run the rules over the statements of ``piece`` (pieces must come in order)."""
        progress = self.progress
        engine = self.engine
        if progress.run is None or progress.script != piece[0]:
            self.end_script()
            progress.run = engine.start(schema=progress.schema, in_transaction=self.in_transaction)
            progress.script = piece[0]
        engine.feed(progress.run, statements)
        progress.statements += len(statements)
        if self.retained is not None:
            self.retained.append(statements)

    def end_script(self) -> None:
        """Finish the script being checked; its schema carries to the next one."""
        progress = self.progress
        if progress.run is not None:
            progress.schema = self.engine.finish(progress.run)
            progress.run = None

    def check_all(self, pieces: list[Piece]) -> None:
        """Check these pieces in this process."""
        for piece in pieces:
            self.check(piece, self.statements(piece))


def lint_scripts(walk: SqlWalk, *, split: bool | None = None) -> None:
    """Check every script of ``walk``: split over two processes when that pays, else in order.

    ``split``: None decides by size, the CPUs this process may use and ``MIGCHECK_JOBS``
    (``1`` keeps one process); True splits whenever the input allows it.

    Pieces are checked in order here while the parse thread works; as soon as every piece is
    parsed, what is left is divided (:func:`_divide`) and the last part goes to a helper.
    """
    for script in walk.scripts:
        script.ahead = parsed_ahead(script.text)
    pieces = walk.pieces()
    done = 0
    if _may_split(walk, pieces, split):
        while done < len(pieces):
            unparsed = sum(1 for piece in pieces if not _parsed(walk, piece))
            if unparsed <= 1:
                # the last chunk parses in ~2 ms, checking a piece takes ~13: wait, then fork
                join_parse()
                break
            walk.check(pieces[done], walk.statements(pieces[done]))
            done += 1
        division = _divide(walk, pieces[done:], split)
        if division is not None:
            check_split(walk, *division)
            done = len(pieces)
    walk.check_all(pieces[done:])
    walk.end_script()


def _may_split(walk: SqlWalk, pieces: list[Piece], split: bool | None) -> bool:
    """True when a helper may take part of ``pieces``: fork exists, allowed, input large."""
    if split is False or not hasattr(os, "fork") or len(pieces) < 2:
        return False
    if split is None and (os.environ.get("MIGCHECK_JOBS", "").strip() == "1" or _cpus() < 2):
        return False
    return split is True or sum(_count(walk, piece) for piece in pieces) >= SPLIT_MIN_STATEMENTS


def _divide(
    walk: SqlWalk, pieces: list[Piece], split: bool | None
) -> tuple[list[Piece], list[Piece]] | None:
    """The pieces for this process and for the helper, or None to check them all here."""
    counts = [_count(walk, piece) for piece in pieces]
    total = sum(counts)
    if len(pieces) < 2 or total == 0 or (split is None and total < SPLIT_MIN_STATEMENTS):
        return None
    # this process decodes, builds facts and checks its share while the helper decodes and
    # builds facts for the rest: both are done together when this process takes this share
    share = 1 / (2 + _RULES_COST)
    taken = 0
    cut = 0
    while cut < len(pieces) - 1 and (cut == 0 or taken + counts[cut] / 2 <= share * total):
        taken += counts[cut]
        cut += 1
    return pieces[:cut], pieces[cut:]


def _count(walk: SqlWalk, piece: Piece) -> int:
    """Statements in a piece, estimated from its semicolons (a whole script: unknown, 0)."""
    ahead = walk.scripts[piece[0]].ahead
    return ahead.counts[piece[1]] if ahead is not None and piece[1] >= 0 else 0


def _parsed(walk: SqlWalk, piece: Piece) -> bool:
    """True when the parse thread is done with ``piece`` (parsed, or failed before it)."""
    ahead = walk.scripts[piece[0]].ahead
    return ahead is None or piece[1] < 0 or ahead.ready(piece[1])


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_split(walk: SqlWalk, mine: list[Piece], rest: list[Piece]) -> None:
    """Check ``mine`` here and ``rest`` in a forked helper, as if all in order here.

    Every piece must be parsed already (:func:`lint_scripts` sees to it), so that the fork does
    not copy a thread in the middle of libpg_query. A script this process found cut badly (or
    not parsing) before the fork stands for its rest here already: the helper inherits that, and
    its pieces of that script are empty.

    The helper decodes its pieces trusting that the chunk before them ends a statement; this
    process checks that when it decodes that chunk. If a chunk of the script the two shares
    split is cut where no statement ends, its :class:`Chunks` here parse the rest of the script
    from that chunk on, the helper's pieces of it included: the helper is stopped and its pieces
    are checked here (those of that script are then empty). A bad cut among the helper's own
    pieces is found by the helper, which parses the rest of that script itself, as here.
    """
    join_parse()
    helper = _Helper.start(walk, rest)
    try:
        for piece in mine:
            walk.check(piece, walk.statements(piece))
        shared = walk.scripts[rest[0][0]].ahead if rest else None
        if shared is not None and shared.failed is not None:  # it stands for the helper's share
            helper.stop()
            result = None
        else:
            result = helper.finish(walk.progress)
    except BaseException:
        helper.stop()
        raise
    if result is None:  # the helper failed or was stopped: check its pieces here
        walk.check_all(rest)
        return
    findings, used, count = result
    walk.engine.findings.extend(_findings(findings))
    for ignore, rules in zip(walk.engine.suppressions.all, used, strict=True):
        ignore.used |= rules
    walk.progress = Progress(statements=count)


#: a finding as the helper sends it: rule, name, severity, path, line, column, revision,
#: message, fix, statement (tuples pickle several times faster than the dataclasses)
_Sent = tuple[str, str, int, str, int, int, "str | None", str, str, str]

#: what the helper sends back: its findings, each ignore comment's used rules, and the number
#: of statements checked in all (the helper checks the last piece, so it ends the walk)
_Result = tuple[list[_Sent], list[set[str]], int]


def _sent(findings: list[Finding]) -> list[_Sent]:
    return [
        (
            f.rule,
            f.name,
            int(f.severity),
            f.location.path,
            f.location.line,
            f.location.column,
            f.location.revision,
            f.message,
            f.fix,
            f.statement,
        )
        for f in findings
    ]


def _findings(sent: list[_Sent]) -> list[Finding]:
    return [
        Finding(rule, name, Severity(sev), Location(path, line, column, rev), msg, fix, text)
        for rule, name, sev, path, line, column, rev, msg, fix, text in sent
    ]


class _Helper:
    """The forked process that builds facts for the last pieces and checks them."""

    def __init__(self, pid: int, send: int, receive: int) -> None:
        self.pid = pid
        self.send = send
        self.receive = receive
        #: the helper is reaped (or being reaped): its pid may be another process's now
        self.reaped = False

    @classmethod
    def start(cls, walk: SqlWalk, pieces: list[Piece]) -> _Helper:
        """Fork the helper; it starts on ``pieces`` at once."""
        to_helper, from_first = os.pipe()
        from_helper, to_first = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(from_first)
            os.close(from_helper)
            code = 1
            try:
                _helper_main(walk, pieces, to_helper, to_first)
                code = 0
            finally:
                os._exit(code)
        os.close(to_helper)
        os.close(to_first)
        return cls(pid, from_first, from_helper)

    def finish(self, progress: Progress) -> _Result | None:
        """Hand over ``progress``; the helper's result, or None when it failed."""
        import pickle

        try:
            message = pickle.dumps(progress, pickle.HIGHEST_PROTOCOL)
        except Exception:  # something a rule remembered does not pickle: no helper then
            self.stop()
            return None
        send, self.send = self.send, -1
        try:
            with os.fdopen(send, "wb") as out:
                out.write(message)
        except OSError:
            pass  # the helper is gone: reading its result below says so
        receive, self.receive = self.receive, -1
        try:
            with os.fdopen(receive, "rb") as answer:
                result: _Result = pickle.load(answer)
        except Exception:
            os.waitpid(self.pid, 0)
            self.reaped = True
            return None
        # the whole result arrived, so the helper did its work; it is reaped in the background,
        # because the kernel takes ~10 ms to tear down its copy of this process (with _thread:
        # the program does not import threading)
        self.reaped = True
        _thread.start_new_thread(os.waitpid, (self.pid, 0))
        return result

    def stop(self) -> None:
        """End the helper now (this process is interrupted, or its work is void); idempotent."""
        for fd in (self.send, self.receive):
            if fd >= 0:
                os.close(fd)
        self.send = self.receive = -1
        if self.reaped:
            return
        self.reaped = True
        import signal  # only here: an interrupted or void split (~0.5 ms to import)

        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _helper_main(walk: SqlWalk, pieces: list[Piece], receive: int, send: int) -> None:
    """The helper: facts for ``pieces``, then the first process's progress, then the rules."""
    import pickle  # not at the top: only a split needs it (~6 ms to import)

    walk.retained = None  # this process ends with os._exit: nothing to keep
    engine = walk.engine
    before = len(engine.findings)
    statements = [walk.statements(piece) for piece in pieces]
    with os.fdopen(receive, "rb") as incoming:
        walk.progress = pickle.load(incoming)
    for piece, facts in zip(pieces, statements, strict=True):
        walk.check(piece, facts)
    walk.end_script()
    used = [ignore.used for ignore in engine.suppressions.all]
    result: _Result = (_sent(engine.findings[before:]), used, walk.progress.statements)
    with os.fdopen(send, "wb") as out:
        pickle.dump(result, out, pickle.HIGHEST_PROTOCOL)
