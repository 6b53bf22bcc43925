"""The shape of a rule: id, name, default severity, documentation and its check functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from migcheck.lint.schema import Context
from migcheck.postgres.naming import default_constraint_name
from migcheck.record import FrozenRecord, Record
from migcheck.result import Severity
from migcheck.sql.facts import Constraint, Statement


class Hit(Record):
    """What a rule reports: the message, the fix, and optionally a more precise place."""

    __slots__ = ("message", "fix", "line", "column", "statement")

    message: str
    fix: str
    line: int | None
    column: int | None
    statement: Statement | None

    def __init__(
        self,
        message: str,
        fix: str,
        line: int | None = None,
        column: int | None = None,
        statement: Statement | None = None,
    ) -> None:
        self.message = message
        self.fix = fix
        self.line = line
        self.column = column
        self.statement = statement


Check = Callable[[Statement, Context], Iterable[Hit]]
Finish = Callable[[Context], Iterable[Hit]]


class Rule(FrozenRecord):
    """One rule: identity, documentation and the functions that check statements.

    ``kinds`` lists the statement kinds ``check`` wants (empty tuple: every kind); for
    ``alter_table``, ``actions`` narrows it to statements with one of those action kinds.

    ``doc`` is the user-facing documentation in four sections (*What it does*, *Why is this bad*,
    *Example*, *Use instead*); ``docs/rules/<ID>.md`` is generated from it.
    """

    __slots__ = ("id", "name", "severity", "doc", "kinds", "check", "finish", "opt_in", "actions")

    id: str
    name: str
    severity: Severity
    doc: str
    kinds: tuple[str, ...]
    check: Check | None
    finish: Finish | None
    opt_in: bool
    #: for ALTER TABLE: the action kinds the rule looks at (empty: every ALTER TABLE)
    actions: tuple[str, ...]

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        doc: str,
        kinds: tuple[str, ...] = (),
        check: Check | None = None,
        finish: Finish | None = None,
        opt_in: bool = False,
        actions: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "doc", doc)
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "finish", finish)
        object.__setattr__(self, "opt_in", opt_in)
        object.__setattr__(self, "actions", actions)

    @property
    def title(self) -> str:
        """The first line of the documentation."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name


#: SQL reserved words that must be quoted when used as identifiers
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


@lru_cache(maxsize=4096)
def qi(name: str | None) -> str:
    """Quote an identifier for messages and suggested SQL when it needs quoting."""
    if not name:
        return "?"
    if name.isidentifier() and name.isascii() and name.islower() and name not in RESERVED:
        return name  # the common case, without splitting
    parts = name.split(".")
    out = []
    for part in parts:
        simple = part.replace("_", "a").isalnum() and part == part.lower() and not part[0].isdigit()
        plain = simple and part.isascii() and part not in RESERVED
        out.append(part if plain else '"' + part.replace('"', '""') + '"')
    return ".".join(out)


def constraint_label(table: str, con: Constraint) -> tuple[str, str]:
    """How messages name a constraint: (words for the message, name for suggested SQL).

    A named constraint is its quoted name in both. An unnamed one reads
    ``package_revision_id_fkey (unnamed; PostgreSQL's default name)``; when the default cannot
    be told (a table-level CHECK), the message says ``(unnamed)`` and the SQL shows ``<name>``.
    """
    if con.name:
        return qi(con.name), qi(con.name)
    default = default_constraint_name(table, con.kind, con.columns)
    if default is None:
        return "(unnamed)", "<name>"
    return f"{qi(default)} (unnamed; PostgreSQL's default name)", qi(default)
