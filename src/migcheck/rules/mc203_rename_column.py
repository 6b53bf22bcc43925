"""Renaming a column.

## What it does
Flags `ALTER TABLE … RENAME COLUMN … TO …` on a table that existed before this migration.

## Why is this bad
Running application code (the previous release keeps serving during a deploy) selects and writes
the old column name and fails at once. The rename takes ACCESS EXCLUSIVE (reads and writes
blocked while it waits for running queries).

## Example
```sql
ALTER TABLE users RENAME COLUMN name TO full_name;
```

## Use instead
Expand and contract across releases: add the new column, dual-write (trigger or code), backfill in
batches, switch reads, and drop the old column in a later migration.
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN full_name text;
-- trigger copying name → full_name, batched backfill, deploy code reading full_name
-- later migration: ALTER TABLE users DROP COLUMN name;
```
Alembic:
```python
op.add_column("users", sa.Column("full_name", sa.Text()))
# dual-write trigger + batched backfill; a later revision drops "name"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Rename, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag column renames on existing tables."""
    assert isinstance(s, Rename)
    if s.object_type != "OBJECT_COLUMN" or not s.table or ctx.is_new(s.table):
        return
    yield Hit(
        f"Renaming column {qi(s.table)}.{qi(s.old_name)} to {qi(s.new_name)} breaks running "
        "code that still uses the old name",
        "Add the new column, dual-write and backfill, switch the code, then drop the old column "
        "in a later migration.",
    )


RULE = Rule("MC203", "rename-column", Severity.WARNING, __doc__ or "", (Kind.RENAME,), check)
