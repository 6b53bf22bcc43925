"""Suppression comments: ``-- migcheck: ignore MC101`` (SQL), ``# migcheck: ignore[MC101]`` (py).

Either form may carry a free-text reason: after the closing bracket (``ignore[MC101] why``) or,
in the bare form, after ``--``, ``:``, ``(`` or ``#`` (``ignore MC101 -- why``).

A comment silences the listed rules (or every rule when it lists none) for findings on its own
line (for SQL, anywhere in the statement on that line) and, when the comment stands alone on its
line, for the statement that starts on the next line. A comment that
silences nothing is itself reported (MC001), so stale ignores do not pile up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_MARKER = "migcheck:"


@dataclass(slots=True)
class Ignore:
    """One suppression comment."""

    path: str
    line: int
    column: int
    rules: frozenset[str]
    #: the comment is alone on its line, so it also covers the next line
    standalone: bool = True
    used: set[str] = field(default_factory=set)

    def matches(self, rule: str) -> bool:
        """True when this comment silences ``rule``."""
        return not self.rules or rule in self.rules


#: characters that end a bare id list and start the reason (``ignore MC101 -- why``)
_REASON_START = ("--", "#", ":", "(", "\u2014")


def _ids(text: str) -> frozenset[str] | None:
    """Rule ids after ``migcheck:``; None when the text is not an ignore directive.

    ``ignore[MC101, MC102] any reason``: the ids are what the brackets hold, the rest is a
    free-text reason. ``ignore MC101 MC102 -- reason`` (or ``: reason``, ``(reason)``): the ids
    are the words up to the reason, which starts at ``--``, ``#``, ``:``, ``(`` or an em dash, or
    at the first word without a digit (rule ids always have one). No id: every rule.
    """
    rest = text.strip()
    if not rest.lower().startswith("ignore"):
        return None
    rest = rest[len("ignore") :]
    if rest[:1] not in ("", " ", "\t", "[", ":", ","):
        return None  # "ignored", "ignores": prose, not a directive
    stripped = rest.lstrip()
    if stripped.startswith("["):
        inside, closed, _reason = stripped[1:].partition("]")
        if closed:
            return frozenset(w.upper() for w in inside.replace(",", " ").split())
    ids = []
    for word in rest.replace(",", " ").replace("[", " ").replace("]", " ").split():
        if word.startswith(_REASON_START) or not any(c.isdigit() for c in word):
            break
        cut = min((i for i in (word.find(m) for m in _REASON_START) if i > 0), default=-1)
        if cut > 0:
            ids.append(word[:cut].upper())
            break
        ids.append(word.upper())
    return frozenset(ids)


def scan(path: str, text: str, comment: str) -> list[Ignore]:
    """Find ignore comments in ``text``; ``comment`` is ``--`` (SQL) or ``#`` (Python)."""
    if _MARKER not in text:
        return []
    found: list[Ignore] = []
    for number, line in enumerate(text.splitlines(), 1):
        start = line.find(comment)
        while start >= 0:
            body = line[start + len(comment) :].lstrip()
            if body.lower().startswith(_MARKER):
                ids = _ids(body[len(_MARKER) :])
                if ids is not None:
                    alone = not line[:start].strip()
                    found.append(Ignore(path, number, start + 1, ids, alone))
                break
            start = line.find(comment, start + 1)
    return found


class Suppressions:
    """All ignore comments of one run, looked up by path and line."""

    def __init__(self) -> None:
        self.by_place: dict[tuple[str, int], list[Ignore]] = {}
        self.all: list[Ignore] = []

    def add(self, ignores: list[Ignore]) -> None:
        """Register comments found by :func:`scan`."""
        for ignore in ignores:
            self.all.append(ignore)
            self.by_place.setdefault((ignore.path, ignore.line), []).append(ignore)

    def silenced(self, rule: str, path: str, first: int, last: int) -> bool:
        """True (and the comment marked used) when a comment covers ``rule`` at these lines."""
        if not self.by_place:
            return False
        for line in range(first - 1, last + 1):
            for ignore in self.by_place.get((path, line), ()):
                if line == first - 1 and not ignore.standalone:
                    continue
                if ignore.matches(rule):
                    ignore.used.add(rule)
                    return True
        return False

    def unused(self, paths: set[str] | None = None) -> list[Ignore]:
        """Comments that silenced nothing (only in ``paths`` when given)."""
        return [i for i in self.all if not i.used and (paths is None or i.path in paths)]
