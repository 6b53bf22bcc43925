"""CONCURRENTLY (or another no-transaction command) inside a transaction block.

## What it does
Flags `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `DETACH PARTITION … CONCURRENTLY`,
`VACUUM`, `DROP DATABASE`, and before PostgreSQL 12 `ALTER TYPE … ADD VALUE` (of a type not created
in the same migration) when they run inside a transaction: an explicit `BEGIN`, or Alembic's
transaction around a revision.

## Why is this bad
PostgreSQL refuses them (`ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction
block`). The migration fails at deploy time, after any earlier autocommitted statements applied.

## Example
```sql
BEGIN;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
COMMIT;
```

## Use instead
Run the statement on its own, outside the transaction:
```sql
COMMIT;
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
```
Alembic (the block commits the revision's transaction and reopens it afterwards):
```python
with op.get_context().autocommit_block():
    op.create_index("users_email_idx", "users", ["email"], postgresql_concurrently=True)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import EnumChange, Kind, Statement

_WHAT = {
    Kind.CREATE_INDEX: "CREATE INDEX CONCURRENTLY",
    Kind.DROP_INDEX: "DROP INDEX CONCURRENTLY",
    Kind.REINDEX: "REINDEX",
    Kind.ALTER_TABLE: "DETACH PARTITION CONCURRENTLY",
    Kind.VACUUM: "VACUUM",
    Kind.DROP_DATABASE: "DROP DATABASE",
}


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a no-transaction command inside a transaction."""
    if not ctx.in_transaction:
        return
    if isinstance(s, EnumChange):
        if ctx.pg_version >= 12 or ctx.is_new(s.enum):
            return
        what = f"ALTER TYPE … ADD VALUE (before PostgreSQL 12, here {ctx.pg_version})"
    elif not s.no_transaction:
        return
    else:
        what = _WHAT.get(s.kind, s.kind.value)
    yield Hit(
        f"{what} cannot run inside a transaction block; PostgreSQL rejects it and the "
        "migration fails here",
        "Run it outside the transaction (COMMIT first; Alembic: "
        "with op.get_context().autocommit_block():).",
    )


RULE = Rule(
    "MC103",
    "concurrently-in-transaction",
    Severity.ERROR,
    __doc__ or "",
    (
        Kind.CREATE_INDEX,
        Kind.DROP_INDEX,
        Kind.REINDEX,
        Kind.ALTER_TABLE,
        Kind.VACUUM,
        Kind.ALTER_ENUM,
        Kind.DROP_DATABASE,
    ),
    check,
)
