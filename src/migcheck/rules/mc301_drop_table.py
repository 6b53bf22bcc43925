"""Dropping a table or view.

## What it does
Flags `DROP TABLE` of a table that was not created earlier in the same file or revision, and
`DROP VIEW` / `DROP MATERIALIZED VIEW` likewise (no data is lost, but running code breaks).

## Why is this bad
The data is gone for good, and code that is still running (the previous release during a deploy)
fails on its next query. DROP TABLE also takes ACCESS EXCLUSIVE, blocking all reads and writes
while it waits behind running queries — on the table, and on every table its foreign keys
reference (PostgreSQL drops the FK triggers on those tables too). When the schema knows them (the
table was created earlier in the run, an Alembic history, the live catalog), the message names
them: `DROP TABLE order_lines` locks `orders` as well.

## Example
```sql
DROP TABLE legacy_sessions;
```

## Use instead
Stop using the table in code first (one release), keep a backup, then drop it in a later
migration, guarded and with a lock timeout:
```sql
SET lock_timeout = '2s';
DROP TABLE IF EXISTS legacy_sessions;
```
Alembic: drop in a revision released after the code stops using the table, and suppress with
`# migcheck: ignore[MC301]` on the `op.drop_table(...)` line once that is true.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Drop, Kind, Statement

_VIEWS = {"OBJECT_VIEW": "VIEW", "OBJECT_MATVIEW": "MATERIALIZED VIEW"}


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag dropping existing tables and views."""
    assert isinstance(s, Drop)
    if s.kind is Kind.DROP:
        label = _VIEWS.get(s.object_type)
        if label is None:
            return
        for view in s.names:
            if not ctx.is_new(view):
                yield Hit(
                    f"DROP {label} {qi(view)} breaks running code that still queries it",
                    "Remove all uses from code in an earlier release, then drop it.",
                )
        return
    for table in s.names:
        if ctx.is_new(table):
            continue
        parents = [qi(ref) for ref in ctx.referenced_by(table) if not ctx.is_new(ref)]
        also = ""
        if parents:
            them = "them" if len(parents) > 1 else "it"
            also = (
                f"; it also takes ACCESS EXCLUSIVE on {' and '.join(parents)} (to drop its foreign "
                f"key triggers there), blocking all reads and writes on {them} while it waits"
            )
        yield Hit(
            f"DROP TABLE {qi(table)} deletes its data permanently and breaks running code that "
            f"still queries it{also}",
            "Remove all uses from code in an earlier release, then drop it (and mark the "
            "intent with a migcheck ignore comment).",
        )


RULE = Rule(
    "MC301", "drop-table", Severity.WARNING, __doc__ or "", (Kind.DROP_TABLE, Kind.DROP), check
)
