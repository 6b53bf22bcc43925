"""ADD COLUMN serial / bigserial / identity on an existing table.

## What it does
Flags adding a `serial`, `bigserial`, `smallserial` or `GENERATED … AS IDENTITY` column to a table
that existed before this migration.

## Why is this bad
Every existing row needs its own value from the sequence (a volatile `nextval()` default), so
PostgreSQL rewrites the whole table and its indexes under ACCESS EXCLUSIVE, blocking all reads and
writes for the duration.

## Example
```sql
ALTER TABLE events ADD COLUMN seq bigserial;
```

## Use instead
Add a nullable `bigint`, create the sequence and the default for new rows, backfill in batches:
```sql
SET lock_timeout = '2s';
CREATE SEQUENCE IF NOT EXISTS events_seq_seq;
ALTER TABLE events ADD COLUMN seq bigint;
ALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq');
UPDATE events SET seq = nextval('events_seq_seq') WHERE id BETWEEN 1 AND 10000 AND seq IS NULL;
```
Alembic:
```python
op.execute("CREATE SEQUENCE IF NOT EXISTS events_seq_seq")
op.add_column("events", sa.Column("seq", sa.BigInteger()))
op.alter_column("events", "seq", server_default=sa.text("nextval('events_seq_seq')"))
# backfill in batches outside the revision's transaction
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag serial/identity columns added to an existing table."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        col = a.column_def
        if a.kind != "add_column" or col is None or not (col.serial or col.identity):
            continue
        what = col.type.display if col.serial and col.type else "identity"
        yield Hit(
            f"Adding {what} column {qi(s.table)}.{qi(col.name)} fills every existing row from a "
            "sequence, rewriting the table under an ACCESS EXCLUSIVE lock that blocks all reads "
            "and writes",
            "Add a nullable bigint column, set its default to nextval() of a new sequence, and "
            "backfill existing rows in batches.",
        )


RULE = Rule(
    "MC108",
    "add-column-serial",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column",),
)
