"""ADD COLUMN with a volatile DEFAULT (table rewrite).

## What it does
Flags `ADD COLUMN … DEFAULT expr` on an existing table when `expr` is volatile (random(),
gen_random_uuid(), clock_timestamp(), nextval(), or a function migcheck cannot classify). Before
PostgreSQL 11 (`pg-version` < 11) any non-NULL default is flagged.

A call is the built-in only when it has the built-in's signature: `now(123)` or
`myschema.now()` is some other function, and every function that is not a known built-in is
VOLATILE until known ("may rewrite"). A `CREATE FUNCTION … STABLE` (or `IMMUTABLE`) earlier in
the run makes it known, as does the live catalog's `pg_proc.provolatile` when the schema has it;
a function declared (or defaulting to) VOLATILE rewrites for sure.

## Why is this bad
A volatile default must be computed per row, so PostgreSQL rewrites the whole table and its
indexes under ACCESS EXCLUSIVE, blocking all reads and writes for the duration. Constant and
stable defaults (`0`, `'x'`, `now()`) are stored in the catalog and cost nothing since PG 11.

## Example
```sql
ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
```

## Use instead
Add the column without a default (or with a constant one), set the default for new rows, and
backfill existing rows in batches:
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN token uuid;
ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();
UPDATE users SET token = gen_random_uuid() WHERE id BETWEEN 1 AND 10000 AND token IS NULL;
-- … repeat per batch, each in its own transaction
```
Alembic:
```python
op.add_column("users", sa.Column("token", sa.Uuid()))
op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))
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
    """Flag a default that forces a rewrite."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        col = a.column_def
        if a.kind != "add_column" or col is None or col.default is None:
            continue
        if col.generated_stored or col.serial or col.identity:
            continue
        default = col.default
        known = {name: ctx.schema.functions.get(name) for name in default.unknown_calls}
        declared = [name for name, volatility in known.items() if volatility == "volatile"]
        unknown = [name for name, volatility in known.items() if volatility is None]
        volatile = default.volatile or bool(declared)
        if default.volatile:
            why = "a volatile DEFAULT"
        elif declared:
            why = f"a DEFAULT calling {declared[0]}(), declared VOLATILE,"
        elif unknown:
            why = f"a DEFAULT calling {unknown[0]}(), which may be volatile, and"
        elif ctx.pg_version < 11:
            why = f"a DEFAULT on PostgreSQL {ctx.pg_version} (before 11)"
        else:
            continue
        verb = "may rewrite" if not volatile and ctx.pg_version >= 11 else "rewrites"
        yield Hit(
            f"Adding {qi(s.table)}.{qi(col.name)} with {why} {verb} the whole table under an "
            "ACCESS EXCLUSIVE lock, blocking all reads and writes until it finishes",
            "Add the column without the default, then SET DEFAULT for new rows and backfill "
            "existing rows in batches.",
        )


RULE = Rule(
    "MC106",
    "add-column-volatile-default",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column",),
)
