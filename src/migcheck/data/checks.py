"""Reading simple CHECK constraints as bounds on one column, so generated values satisfy them.

PostgreSQL prints every CHECK in one canonical form (``pg_get_constraintdef``), so a handful of
patterns cover what people write: ``col > 0``, ``col >= 0.5``, ``col BETWEEN 1 AND 10`` (printed
as ``(col >= 1) AND (col <= 10)``), ``col IN ('a', 'b')`` (printed as ``col = ANY (ARRAY[…])``),
``col IS NOT NULL``, and those joined by AND. Anything else is not read here; seeding still
keeps only the generated rows the constraint accepts (see :mod:`migcheck.data.seed`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from migcheck.data.catalog_read import Check

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_CAST = r"(?:::[A-Za-z_][A-Za-z0-9_ ]*(?:\(\d+(?:,\d+)?\))?(?:\[\])?)?"
_COLUMN = rf"\(?(?P<col>{_IDENT})\)?{_CAST}"
_NUMBER = rf"\(?'?(?P<num>-?\d+(?:\.\d+)?)'?\)?{_CAST}"
_OP = r"(?P<op>>=|<=|<>|!=|>|<|=)"
_COMPARE = re.compile(rf"^{_COLUMN} {_OP} {_NUMBER}$")
_COMPARE_REVERSED = re.compile(rf"^{_NUMBER} {_OP} {_COLUMN}$")
_ANY = re.compile(rf"^{_COLUMN} = ANY \(\(?ARRAY\[(?P<items>.*?)\]\)?{_CAST}\)$")
_NOT_NULL = re.compile(rf"^{_COLUMN} IS NOT NULL$")
_STRING_ITEM = re.compile(rf"^'(?P<text>(?:[^']|'')*)'{_CAST}$")
_NUMBER_ITEM = re.compile(rf"^{_NUMBER}$")
_MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "="}


@dataclass(slots=True)
class Bounds:
    """What the CHECK constraints read so far allow for one column."""

    low: Decimal | None = None
    low_strict: bool = False
    high: Decimal | None = None
    high_strict: bool = False
    choices: tuple[str, ...] | None = None  # the values of ``col IN (…)``, as text
    not_null: bool = False

    def above(self, value: Decimal, strict: bool) -> None:
        """Narrow to values above ``value``."""
        if self.low is None or value > self.low or (value == self.low and strict):
            self.low, self.low_strict = value, strict

    def below(self, value: Decimal, strict: bool) -> None:
        """Narrow to values below ``value``."""
        if self.high is None or value < self.high or (value == self.high and strict):
            self.high, self.high_strict = value, strict

    def allow(self, values: tuple[str, ...]) -> None:
        """Narrow to ``values`` (kept in the order given)."""
        if self.choices is not None:
            values = tuple(value for value in values if value in self.choices)
        self.choices = values


def column_bounds(checks: Iterable[Check]) -> dict[str, Bounds]:
    """Bounds per column name from the single-column CHECKs whose form is recognised."""
    found: dict[str, Bounds] = {}
    for check in checks:
        if len(check.columns) != 1:
            continue
        column = check.columns[0]
        for term in split_and(check.expression):
            _read_term(term, column, found)
    return found


def _read_term(term: str, column: str, found: dict[str, Bounds]) -> None:
    for pattern, mirrored in ((_COMPARE, False), (_COMPARE_REVERSED, True)):
        match = pattern.match(term)
        if match and _unquote(match["col"]) == column:
            op = _MIRROR.get(match["op"]) if mirrored else match["op"]
            _compare(found.setdefault(column, Bounds()), op, Decimal(match["num"]))
            return
    match = _ANY.match(term)
    if match and _unquote(match["col"]) == column:
        items = [_literal(item) for item in _split_top(match["items"], ", ")]
        if all(item is not None for item in items):
            found.setdefault(column, Bounds()).allow(tuple(i for i in items if i is not None))
        return
    match = _NOT_NULL.match(term)
    if match and _unquote(match["col"]) == column:
        found.setdefault(column, Bounds()).not_null = True


def _compare(bounds: Bounds, op: str | None, value: Decimal) -> None:
    if op in (">", ">="):
        bounds.above(value, op == ">")
    elif op in ("<", "<="):
        bounds.below(value, op == "<")
    elif op == "=":
        bounds.above(value, False)
        bounds.below(value, False)


def _literal(item: str) -> str | None:
    match = _STRING_ITEM.match(item)
    if match:
        return match["text"].replace("''", "'")
    match = _NUMBER_ITEM.match(item)
    return match["num"] if match else None


def _unquote(identifier: str) -> str:
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier


def strip_parens(text: str) -> str:
    """``((a))`` → ``a``: drop parentheses that wrap the whole text."""
    text = text.strip()
    while text.startswith("(") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def split_and(expression: str) -> list[str]:
    """The terms of a top-level AND chain, each without wrapping parentheses."""
    return [strip_parens(term) for term in _split_top(strip_parens(expression), " AND ")]


def _split_top(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside parentheses, brackets and quotes."""
    parts: list[str] = []
    depth, quoted, start, index = 0, "", 0, 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == quoted:
                quoted = ""
        elif char in "'\"":
            quoted = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return parts


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start`` (-1 when unbalanced)."""
    depth, quoted = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quoted:
            if char == quoted:
                quoted = ""
        elif char in "'\"":
            quoted = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1
