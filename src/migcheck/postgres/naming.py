"""The names PostgreSQL gives constraints created without one (``ChooseConstraintName``)."""

from __future__ import annotations

from migcheck.postgres.identifiers import MAX_BYTES as MAX_IDENTIFIER

_SUFFIX = {
    "foreign_key": "fkey",
    "check": "check",
    "unique": "key",
    "primary_key": "pkey",
    "exclude": "excl",
}


def _make_object_name(name1: str, name2: str, label: str) -> str:
    """``makeObjectName``: ``name1_name2_label``, the longer part clipped to fit 63 bytes."""
    overhead = len(label) + 1 + (1 if name2 else 0)
    room = MAX_IDENTIFIER - overhead
    keep1, keep2 = len(name1), len(name2)
    while keep1 + keep2 > room:
        if keep1 > keep2:
            keep1 -= 1
        else:
            keep2 -= 1
    parts = [name1[:keep1]] + ([name2[:keep2]] if name2 else []) + [label]
    return "_".join(parts)


def default_constraint_name(table: str, kind: str, columns: tuple[str, ...]) -> str | None:
    """The name PostgreSQL picks for an unnamed constraint on ``table`` (``schema.name``).

    None when it cannot be told from the statement: a table-level CHECK is named after the one
    column its expression uses, which the facts do not record. PostgreSQL appends a number when
    the name is taken, so this is the name *by default*. ``kind`` is ``foreign_key``, ``check``,
    ``unique``, ``primary_key`` or ``exclude``; ``columns`` are the constrained columns.
    """
    label = _SUFFIX.get(kind)
    if label is None or (kind == "check" and not columns):
        return None
    relation = table.rsplit(".", 1)[-1]
    if kind == "primary_key":
        return _make_object_name(relation, "", label)
    if kind in ("foreign_key", "exclude"):
        addition = "_".join(c for c in columns if c)
    else:
        addition = columns[0] if kind == "check" else "_".join(columns)
    addition = addition[:MAX_IDENTIFIER]
    return _make_object_name(relation, addition, label)
