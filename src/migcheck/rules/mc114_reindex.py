"""REINDEX without CONCURRENTLY.

## What it does
Flags `REINDEX INDEX|TABLE|SCHEMA|DATABASE` without `CONCURRENTLY`. The option is read by its
value: `REINDEX (CONCURRENTLY false)` (or `off`, `0`) is a plain REINDEX and is flagged;
`REINDEX (CONCURRENTLY)`, `(CONCURRENTLY true)` and `REINDEX INDEX CONCURRENTLY …` are not.

## Why is this bad
A plain REINDEX holds ACCESS EXCLUSIVE on each index being rebuilt and SHARE on its table: writes
are blocked, and so is every query that wants to use the index, for the whole rebuild.

## Example
```sql
REINDEX INDEX users_email_idx;
```

## Use instead
PostgreSQL 12+ rebuilds concurrently (SHARE UPDATE EXCLUSIVE; outside a transaction block):
```sql
REINDEX INDEX CONCURRENTLY users_email_idx;
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.execute("REINDEX INDEX CONCURRENTLY users_email_idx")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Reindex, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag REINDEX without CONCURRENTLY."""
    assert isinstance(s, Reindex)
    if (
        s.concurrently
        or ctx.is_new(s.target)
        or ctx.is_new(ctx.schema.index_tables.get(s.target or ""))
    ):
        return
    what = s.object_type.removeprefix("REINDEX_OBJECT_")
    yield Hit(
        f"REINDEX {what} {qi(s.target)} without CONCURRENTLY locks the index(es) ACCESS EXCLUSIVE "
        "and the table SHARE, blocking writes and queries that use the index during the rebuild",
        "Use REINDEX … CONCURRENTLY (PostgreSQL 12+) outside a transaction block.",
    )


RULE = Rule(
    "MC114", "reindex-non-concurrently", Severity.WARNING, __doc__ or "", (Kind.REINDEX,), check
)
