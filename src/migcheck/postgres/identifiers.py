"""Identifier lengths: PostgreSQL's scanner truncates names to 63 bytes before the parser sees them.

The parse tree therefore never holds a name longer than 63 bytes. A name of exactly 63 bytes may
be a truncated longer one; :func:`untruncated` recovers the name as written from the statement
text by extending the 63-byte prefix over the identifier characters that follow it.
"""

from __future__ import annotations

NAMEDATALEN = 64
MAX_BYTES = NAMEDATALEN - 1

#: PostgreSQL's reserved key words (and the type/function-name ones): quoted when used as
#: identifiers
RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "between",
        "binary",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "placing",
        "primary",
        "references",
        "returning",
        "right",
        "select",
        "session_user",
        "similar",
        "some",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ]
)


def _identifier_char(char: str) -> bool:
    return char.isalnum() or char in "_$" or ord(char) > 127


def untruncated(name: str, text: str) -> str:
    """The name as written in ``text`` when ``name`` is a 63-byte truncation of it."""
    if len(name.encode("utf-8")) != MAX_BYTES:
        return name
    lowered = text.lower()
    start = lowered.find(name.lower())
    if start < 0:
        return name
    end = start + len(name)
    while end < len(text) and _identifier_char(text[end]):
        end += 1
    return text[start:end]
