"""The differences between two schema snapshots, one readable line each.

:func:`diff` compares two :class:`~migcheck.catalog.snapshot.Snapshot` objects and returns
:class:`Difference` records; :func:`describe` turns one into a sentence such as
``index ix_users_created_at on users exists after downgrade to a2 but did not before`` or
``column users.email: NOT NULL before, nullable after downgrade to a2``.

Objects inside a table that appeared or vanished with the table itself (its columns, indexes,
constraints, triggers, policies, rules, owned sequences) are not listed again.

A function's definition is its source text as written, so a downgrade that recreates a function
with one blank line more or less would differ. Function definitions are therefore compared with
every run of whitespace outside single-quoted literals collapsed to one space
(:func:`routine_text`); only a difference that survives that is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migcheck.catalog.snapshot import Identity, Objects, Snapshot, differing

#: Fields an index or constraint definition already spells out, reported only when the
#: definition itself is unchanged.
_IMPLIED_BY_DEFINITION = {
    "index": ("unique", "partial", "expression", "table"),
    "constraint": ("kind", "deferrable", "deferred", "on"),
}

_SIMPLE_NAME = re.compile(r"^[a-z_][a-z0-9_$]*$")


@dataclass(frozen=True)
class Difference:
    """One object that appeared, vanished or changed one field between two snapshots."""

    category: str
    identity: Identity
    change: str  # "added" | "removed" | "changed"
    field: str | None = None
    before: Any = None
    after: Any = None
    kind: str | None = None  # the object's kind field (e.g. enum/domain), for its noun


def diff(before: Snapshot, after: Snapshot) -> list[Difference]:
    """Every difference between two snapshots, in a stable order (empty when they match).

    Only the parts of the snapshots that differ are parsed and compared (:func:`differing`).
    """
    if before.same_schema(after):
        return []
    return _diff_objects(*differing(before, after))


def _diff_objects(old: Objects, new: Objects) -> list[Difference]:
    found: list[Difference] = []
    for category in old.keys() | new.keys():
        a, b = old.get(category, {}), new.get(category, {})
        for identity in sorted(a.keys() - b.keys()):
            found.append(Difference(category, identity, "removed", kind=a[identity].get("kind")))
        for identity in sorted(b.keys() - a.keys()):
            found.append(Difference(category, identity, "added", kind=b[identity].get("kind")))
        for identity in sorted(a.keys() & b.keys()):
            found.extend(_changed_fields(category, identity, a[identity], b[identity]))
    found = _without_children(found, old, new)
    return sorted(found, key=_order)


_CATEGORY_ORDER = {
    name: position
    for position, name in enumerate(
        (
            "extension",
            "schema",
            "type",
            "sequence",
            "table",
            "column",
            "constraint",
            "index",
            "view",
            "function",
            "trigger",
            "event trigger",
            "policy",
            "rule",
            "statistics",
        )
    )
}


def _order(item: Difference) -> tuple[int, Identity, str]:
    return (_CATEGORY_ORDER.get(item.category, 99), item.identity, item.field or "")


def _changed_fields(
    category: str, identity: Identity, a: dict[str, Any], b: dict[str, Any]
) -> list[Difference]:
    changed = [name for name in a if a.get(name) != b.get(name)]
    if (
        category == "function"
        and "definition" in changed
        and routine_text(a["definition"]) == routine_text(b["definition"])
    ):
        changed.remove("definition")
    if (
        category == "constraint"
        and "definition" in changed
        and "validated" in changed
        and _strip_not_valid(a["definition"]) == _strip_not_valid(b["definition"])
    ):
        changed.remove("definition")
    if "definition" in changed:
        implied = _IMPLIED_BY_DEFINITION.get(category, ())
        changed = [name for name in changed if name not in implied]
    kind = b.get("kind", a.get("kind"))
    return [
        Difference(category, identity, "changed", name, a.get(name), b.get(name), kind)
        for name in changed
    ]


_LITERAL_OR_SPACE = re.compile(r"'(?:[^']|'')*'|\s+")


def routine_text(definition: Any) -> Any:
    """A function definition with whitespace runs outside ``'...'`` literals made one space.

    Whitespace between tokens of SQL or PL/pgSQL code does not change what a function does;
    inside a string literal it does, so literals are kept as they are. A text with an odd
    number of quotes (say, an apostrophe in a comment) is returned unchanged: compared exactly.
    """
    if not isinstance(definition, str) or definition.count("'") % 2:
        return definition
    return _LITERAL_OR_SPACE.sub(
        lambda match: match.group() if match.group().startswith("'") else " ",
        definition.strip(),
    )


def _strip_not_valid(definition: Any) -> Any:
    if isinstance(definition, str) and definition.endswith(" NOT VALID"):
        return definition[: -len(" NOT VALID")]
    return definition


def _without_children(found: list[Difference], old: Objects, new: Objects) -> list[Difference]:
    """Drop objects whose table (or domain) was itself added or removed."""
    whole = {
        item.identity
        for item in found
        if item.category in ("table", "view", "type") and item.change != "changed"
    }
    if not whole:
        return found

    def parent(item: Difference) -> Identity | None:
        if item.category in ("column", "constraint", "trigger", "policy", "rule"):
            return item.identity[:2]
        fields = new.get(item.category, {}).get(item.identity) or old.get(item.category, {}).get(
            item.identity, {}
        )
        if item.category == "index":
            return _split_qualified(str(fields.get("table", "")))
        if item.category == "sequence" and fields.get("owned_by"):
            return _split_qualified(str(fields["owned_by"]))[:2]
        return None

    return [item for item in found if item.change == "changed" or parent(item) not in whole]


def _split_qualified(text: str) -> Identity:
    """Split ``schema."my table".col`` (as format('%I.%I') writes it) into its names."""
    names: list[str] = []
    for quoted, plain in re.findall(r'"((?:[^"]|"")*)"|([^.]+)', text):
        names.append(quoted.replace('""', '"') if quoted else plain)
    return tuple(names)


def show_name(name: str) -> str:
    """A name as a reader expects it: bare when simple, double-quoted otherwise."""
    if _SIMPLE_NAME.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _qualified(schema: str, name: str) -> str:
    if schema == "public":
        return show_name(name)
    return f"{show_name(schema)}.{show_name(name)}"


def _show_relation(text: str) -> str:
    parts = _split_qualified(text)
    if len(parts) == 2:
        return _qualified(parts[0], parts[1])
    return text


_TYPE_NOUNS = {"e": "enum type", "d": "domain", "c": "composite type", "r": "range type"}
_FUNCTION_NOUNS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
_TABLE_NOUNS = {"r": "table", "p": "partitioned table", "f": "foreign table"}


def noun(item: Difference, fields: dict[str, Any] | None = None) -> str:
    """How to name the object of a difference: ``index ix_users_email on users``."""
    ident = item.identity
    fields = fields or {}
    category = item.category
    if category == "schema":
        return f"schema {show_name(ident[0])}"
    if category in ("extension", "event trigger"):
        return f"{category} {show_name(ident[0])}"
    if category == "table":
        return f"{_TABLE_NOUNS.get(item.kind or 'r', 'table')} {_qualified(ident[0], ident[1])}"
    if category == "column":
        return f"column {_qualified(ident[0], ident[1])}.{show_name(ident[2])}"
    if category == "constraint":
        on = "domain " if fields.get("on") == "domain" else ""
        return f"constraint {show_name(ident[2])} on {on}{_qualified(ident[0], ident[1])}"
    if category in ("trigger", "policy", "rule"):
        return f"{category} {show_name(ident[2])} on {_qualified(ident[0], ident[1])}"
    if category == "index":
        table = _show_relation(str(fields.get("table", "")))
        return f"index {_qualified(ident[0], ident[1])} on {table}"
    if category == "type":
        return f"{_TYPE_NOUNS.get(item.kind or '', 'type')} {_qualified(ident[0], ident[1])}"
    if category == "view":
        view = "materialized view" if item.kind == "m" else "view"
        return f"{view} {_qualified(ident[0], ident[1])}"
    if category == "function":
        where = "" if ident[0] == "public" else f"{show_name(ident[0])}."
        return f"{_FUNCTION_NOUNS.get(item.kind or 'f', 'function')} {where}{ident[1]}"
    if category == "statistics":
        return f"statistics object {_qualified(ident[0], ident[1])}"
    if len(ident) == 2:
        return f"{category} {_qualified(ident[0], ident[1])}"
    return f"{category} {'.'.join(show_name(part) for part in ident)}"


def _flag(yes: str, no: str) -> Callable[[Any], str]:
    return lambda value: yes if value else no


def _optional(prefix: str, missing: str) -> Callable[[Any], str]:
    return lambda value: missing if value is None else f"{prefix} {value}"


_IDENTITY = {"a": "GENERATED ALWAYS AS IDENTITY", "d": "GENERATED BY DEFAULT AS IDENTITY"}
_PERSISTENCE = {"p": "logged", "u": "UNLOGGED", "t": "TEMPORARY"}
_ENABLED = {"O": "enabled", "D": "disabled", "R": "enabled on replica", "A": "enabled always"}
_CONSTRAINT_KIND = {
    "c": "CHECK",
    "f": "FOREIGN KEY",
    "p": "PRIMARY KEY",
    "u": "UNIQUE",
    "t": "constraint trigger",
    "x": "EXCLUDE",
}

_RENDER: dict[str, Callable[[Any], str]] = {
    "notnull": _flag("NOT NULL", "nullable"),
    "default": _optional("default", "no default"),
    "generated": _optional("generated as", "not generated"),
    "identity": lambda value: _IDENTITY.get(value, "not an identity column"),
    "type": lambda value: f"type {value}",
    "collation": _optional("collation", "the default collation"),
    "comment": lambda value: "no comment" if value is None else f"comment {value!r}",
    "validated": _flag("validated", "NOT VALID"),
    "valid": _flag("valid", "INVALID"),
    "unique": _flag("unique", "not unique"),
    "deferrable": _flag("DEFERRABLE", "NOT DEFERRABLE"),
    "deferred": _flag("INITIALLY DEFERRED", "INITIALLY IMMEDIATE"),
    "persistence": lambda value: _PERSISTENCE.get(value, str(value)),
    "row_security": _flag("row level security enabled", "row level security disabled"),
    "force_row_security": _flag("row level security forced", "row level security not forced"),
    "enabled": lambda value: _ENABLED.get(value, str(value)),
    "kind": lambda value: _CONSTRAINT_KIND.get(value, f"kind {value}"),
    "labels": lambda value: "labels (" + ", ".join(repr(label) for label in value or []) + ")",
    "owned_by": _optional("owned by", "owned by no column"),
    "partition_of": _optional("a partition of", "not a partition"),
    "partition_key": _optional("partitioned by", "not partitioned"),
    "populated": _flag("populated", "not populated"),
    "permissive": _flag("PERMISSIVE", "RESTRICTIVE"),
}


def _render_value(name: str, value: Any) -> str:
    render = _RENDER.get(name)
    if render is not None:
        return render(value)
    label = name.replace("_", " ")
    if value is None:
        return f"no {label}"
    text = value if isinstance(value, str) else json.dumps(value)
    return f"{label} {text}"


def _excerpts(a: str, b: str, width: int = 40) -> tuple[str, str]:
    """Two texts (or the parts around where they differ) on one line each, told apart.

    Whitespace runs are shown as one space, unless that would make the two look the same:
    then spaces are kept and line breaks and tabs are shown as backslash escapes.
    """
    old, new = _excerpt_pair(a, b, width, _collapse)
    if old != new:
        return old, new
    return _excerpt_pair(a, b, width, _visible)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _visible(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _excerpt_pair(a: str, b: str, width: int, show: Callable[[str], str]) -> tuple[str, str]:
    if len(a) <= 2 * width and len(b) <= 2 * width:
        return show(a), show(b)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    lo = max(0, start - width)

    def cut(text: str, end: int) -> str:
        hi = min(len(text), end + width)
        piece = show(text[lo:hi])
        return ("…" if lo else "") + piece + ("…" if hi < len(text) else "")

    return cut(a, end_a), cut(b, end_b)


def describe(
    item: Difference,
    before: str = "before",
    after: str = "after",
    fields: dict[str, Any] | None = None,
) -> str:
    """One line for one difference; ``before``/``after`` name the two moments compared."""
    what = noun(item, fields)
    if item.change == "added":
        return f"{what} exists {after} but did not {before}"
    if item.change == "removed":
        return f"{what} existed {before} but is missing {after}"
    name = item.field or ""
    if isinstance(item.before, str) and isinstance(item.after, str) and name == "definition":
        old, new = _excerpts(item.before, item.after)
        return f"{what}: definition `{old}` {before}, `{new}` {after}"
    old_value, new_value = _render_value(name, item.before), _render_value(name, item.after)
    return f"{what}: {old_value} {before}, {new_value} {after}"


def describe_all(
    before_snapshot: Snapshot,
    after_snapshot: Snapshot,
    before: str = "before",
    after: str = "after",
) -> list[str]:
    """:func:`diff` then :func:`describe` every difference: the lines a report shows."""
    if before_snapshot.same_schema(after_snapshot):
        return []
    old, new = differing(before_snapshot, after_snapshot)
    lines = []
    for item in _diff_objects(old, new):
        fields = new.get(item.category, {}).get(item.identity) or old.get(item.category, {}).get(
            item.identity
        )
        lines.append(describe(item, before, after, fields))
    return lines
