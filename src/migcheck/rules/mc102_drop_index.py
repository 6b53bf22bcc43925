"""DROP INDEX without CONCURRENTLY.

## What it does
Flags `DROP INDEX` without `CONCURRENTLY` for an index that was not created earlier in the same
file or revision.

## Why is this bad
A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. It is quick once it has
the lock, but while it waits behind any long query it blocks all reads and writes queued after it.

## Example
```sql
DROP INDEX users_email_idx;
```

## Use instead
Drop it concurrently, outside a transaction block:
```sql
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.drop_index(
        "users_email_idx", table_name="users",
        postgresql_concurrently=True, if_exists=True,
    )
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Drop, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a non-concurrent DROP INDEX of an index on an existing table."""
    assert isinstance(s, Drop)
    if s.concurrently:
        return
    for name in s.names:
        table = ctx.schema.index_tables.get(name)
        if ctx.is_new(table):
            continue
        where = f" on {qi(table)}" if table else ""
        yield Hit(
            f"DROP INDEX {qi(name)} takes an ACCESS EXCLUSIVE lock{where}, blocking all reads "
            "and writes while it waits and runs",
            "Use DROP INDEX CONCURRENTLY outside a transaction (Alembic: "
            "postgresql_concurrently=True inside op.get_context().autocommit_block()).",
        )


RULE = Rule(
    "MC102",
    "drop-index-non-concurrently",
    Severity.WARNING,
    __doc__ or "",
    (Kind.DROP_INDEX,),
    check,
)
