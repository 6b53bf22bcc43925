"""How the time a DDL statement holds its lock grows with the table: the models projections use.

A statement either works through the table's rows (a scan or a rewrite: linear in rows), sorts
them (an index build: n log n), or only changes the catalog (constant). bench/projection.py
measures how well these models carry a hold time from 10k rows to 1M. The kind is read from
the statement's text and from what the trace saw (a rewritten table, a rebuilt index).
"""

from __future__ import annotations

import enum
import math
import re


class Growth(enum.Enum):
    """How a statement's duration grows with the rows of the table it works on."""

    CONSTANT = "catalog only: constant"
    LINEAR = "scan: linear in rows"
    REWRITE = "rewrite: linear in rows"
    SORT = "index build: n log n"

    @property
    def model(self) -> str:
        """The model as the result states it (``index build: n log n``)."""
        return self.value

    def factor(self, rows: int, measured_rows: int) -> float:
        """How many times longer the work takes at ``rows`` than at ``measured_rows``."""
        if self is Growth.CONSTANT or measured_rows <= 0:
            return 1.0
        if self is Growth.SORT:
            return (rows * math.log2(max(rows, 2))) / (
                measured_rows * math.log2(max(measured_rows, 2))
            )
        return rows / measured_rows


_INDEX_BUILD = re.compile(
    r"\bCREATE\s+(UNIQUE\s+)?INDEX\b|\bREINDEX\b|\bADD\s+(CONSTRAINT\s+\S+\s+)?"
    r"(PRIMARY\s+KEY|UNIQUE|EXCLUDE)\b(?!\s+USING\s+INDEX)",
    re.IGNORECASE,
)
#: statements that read every row: validation, NOT NULL checks, DML, a CHECK or FOREIGN KEY added
#: without NOT VALID
_SCANS = re.compile(
    r"\bSET\s+NOT\s+NULL\b|\bVALIDATE\s+CONSTRAINT\b|^\s*(UPDATE|DELETE|INSERT|MERGE|SELECT)\b"
    r"|\bADD\s+(CONSTRAINT\s+\S+\s+)?(CHECK|FOREIGN\s+KEY)\b(?!.*\bNOT\s+VALID\b)"
    r"|\bREFERENCES\b(?!.*\bNOT\s+VALID\b)|\bCLUSTER\b|\bVACUUM\b|\bANALYZE\b",
    re.IGNORECASE | re.DOTALL,
)


_CREATES = re.compile(r"\s*CREATE\s+(TABLE|TYPE|SEQUENCE|VIEW|FUNCTION|SCHEMA)\b", re.IGNORECASE)


def growth(sql: str, *, rewrote: bool = False, rebuilt_index: bool = False) -> Growth:
    """The growth model of one statement, from its text and whether it rewrote or rebuilt."""
    if _CREATES.match(sql):
        return Growth.CONSTANT  # a new table has no rows; its foreign keys only lock the parent
    if rewrote:
        return Growth.REWRITE  # its index rebuilds are a small part of it
    if rebuilt_index or _INDEX_BUILD.search(sql):
        return Growth.SORT
    if _SCANS.search(sql):
        return Growth.LINEAR
    return Growth.CONSTANT
