"""CREATE INDEX without CONCURRENTLY on an existing table.

## What it does
Flags `CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on a table that was not created earlier in
the same file or revision. `CREATE INDEX … ON ONLY parent` (an index on a partitioned table that
covers no partition yet) is not flagged: it is the first step of the partitioned-table recipe.

## Why is this bad
A plain `CREATE INDEX` takes a SHARE lock on the table for the whole index build. SHARE blocks
every INSERT, UPDATE and DELETE (reads still work) for as long as the build takes: seconds to
hours on a large table. While it waits for the lock, it also queues every later writer.

## Example
```sql
CREATE INDEX users_email_idx ON users (email);
```

## Use instead
Build the index concurrently, outside any transaction block (SHARE UPDATE EXCLUSIVE: reads and
writes continue). If a concurrent build fails it leaves an INVALID index; drop it before retrying.
```sql
SET lock_timeout = '2s';
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.drop_index("users_email_idx", if_exists=True, postgresql_concurrently=True)
    op.create_index(
        "users_email_idx", "users", ["email"], postgresql_concurrently=True,
    )
```
A partitioned table cannot be indexed concurrently as a whole: create the index `ON ONLY` the
parent, build each partition's index concurrently, then attach them:
```sql
CREATE INDEX IF NOT EXISTS events_ts_idx ON ONLY events (ts);
DROP INDEX CONCURRENTLY IF EXISTS events_2024_ts_idx;
CREATE INDEX CONCURRENTLY events_2024_ts_idx ON events_2024 (ts);
ALTER INDEX events_ts_idx ATTACH PARTITION events_2024_ts_idx;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import IndexBuild, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a non-concurrent index build on an existing table."""
    assert isinstance(s, IndexBuild)
    if s.concurrently or s.only or not s.table or ctx.is_new(s.table):
        return
    name = f"{qi(s.index)} " if s.index else ""
    yield Hit(
        f"CREATE INDEX {name}on {qi(s.table)} takes a SHARE lock for the whole build, "
        "blocking all writes (INSERT, UPDATE, DELETE) on the table until it finishes",
        "Use CREATE INDEX CONCURRENTLY outside a transaction (Alembic: "
        "postgresql_concurrently=True inside op.get_context().autocommit_block()).",
    )


RULE = Rule(
    "MC101",
    "create-index-non-concurrently",
    Severity.ERROR,
    __doc__ or "",
    (Kind.CREATE_INDEX,),
    check,
)
