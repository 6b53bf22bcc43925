"""Facts about one SQL expression given as text (a column's server default, a backfill value).

The expression is parsed with libpg_query and judged by :func:`migcheck.sql.extract.expr`, the
same facts lint's rules read, so autogenerate and lint agree on what is volatile.
"""

from __future__ import annotations

from migcheck.sql.extract import expr
from migcheck.sql.parser import parse_script


def may_be_volatile(sql: str) -> bool:
    """Whether PostgreSQL may have to evaluate ``sql`` once per row (lint's MC106 would flag it).

    True when it calls a volatile function, a function migcheck cannot classify (user functions
    are VOLATILE unless declared otherwise), or does not parse as an expression at all.
    """
    raws = parse_script(f"SELECT {sql}")
    if len(raws) != 1 or raws[0].tree is None:
        return True
    targets = raws[0].node.get("targetList") or []
    if len(targets) != 1 or "ResTarget" not in targets[0]:
        return True
    facts = expr(targets[0]["ResTarget"].get("val"))
    return bool(facts.volatile or facts.unknown_calls)
