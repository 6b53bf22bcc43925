"""VACUUM FULL, CLUSTER, SET TABLESPACE, SET LOGGED / UNLOGGED (table rewrites).

## What it does
Flags statements that rewrite an existing table by design: `VACUUM FULL`, `CLUSTER`,
`ALTER TABLE … SET TABLESPACE`, `ALTER TABLE … SET LOGGED` and `SET UNLOGGED`,
`ALTER TABLE … SET ACCESS METHOD` (PostgreSQL 15+) and `ALTER COLUMN … SET EXPRESSION` of a
stored generated column (PostgreSQL 17+).

Options are read by their value, as PostgreSQL reads them: `VACUUM (FULL false)`,
`(FULL off)` and `(FULL 0)` are a plain VACUUM (not flagged); `(FULL)`, `(FULL true)`,
`(FULL on)` and `(FULL 1)` are VACUUM FULL.

## Why is this bad
Each copies the whole table (and rebuilds its indexes) while holding ACCESS EXCLUSIVE: all reads
and writes are blocked for the duration, which grows with the table size.

## Example
```sql
VACUUM FULL users;
```

## Use instead
Do not rewrite live tables in a migration. Reclaim space online with an extension such as
`pg_repack` or `pg_squeeze`, run outside the deploy; move tablespaces or change persistence in a
maintenance window. If it must run, set a lock_timeout and do it when traffic is lowest:
```sql
SET lock_timeout = '2s';
-- maintenance window only
VACUUM FULL users;
```
Alembic: keep such statements out of revisions; run them as an operational task.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Maintenance, Statement, TableChange

_ACTIONS = {
    "set_tablespace": "SET TABLESPACE",
    "set_logged": "SET LOGGED",
    "set_unlogged": "SET UNLOGGED",
    "set_expression": "ALTER COLUMN … SET EXPRESSION",
    "set_access_method": "SET ACCESS METHOD",
}


def _hit(what: str, table: str | None, everything: str = "") -> Hit:
    target = qi(table) if table else everything
    return Hit(
        f"{what} rewrites {target} under an ACCESS EXCLUSIVE lock, blocking all reads and "
        "writes until the copy finishes",
        "Do not rewrite live tables in a migration: use pg_repack/pg_squeeze or a maintenance "
        "window.",
    )


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag rewriting statements on existing tables."""
    if isinstance(s, Maintenance):
        if s.kind is Kind.VACUUM and s.full:
            for table in s.tables or (None,):
                if not ctx.is_new(table):
                    yield _hit("VACUUM FULL", table, "every table")
        elif s.kind is Kind.CLUSTER:
            table = s.tables[0] if s.tables else None
            if not ctx.is_new(table):
                yield _hit("CLUSTER", table, "every clustered table")
    elif isinstance(s, TableChange) and s.table and not ctx.is_new(s.table):
        for a in s.actions:
            if a.kind in _ACTIONS:
                yield _hit(f"ALTER TABLE … {_ACTIONS[a.kind]}", s.table)


RULE = Rule(
    "MC117",
    "table-rewrite",
    Severity.ERROR,
    __doc__ or "",
    (Kind.VACUUM, Kind.CLUSTER, Kind.ALTER_TABLE),
    check,
    actions=tuple(_ACTIONS),
)
