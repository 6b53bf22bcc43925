"""SET NOT NULL without a validated CHECK constraint.

## What it does
Flags `ALTER COLUMN … SET NOT NULL` on an existing table unless a validated
`CHECK (column IS NOT NULL)` is known on that table (added and validated earlier in the file or
in an earlier revision) and the target server is PostgreSQL 12 or newer. A constraint validated
here whose definition migcheck never saw (added by an earlier migration that is not part of the
run) counts when its name says so: it contains the column name and `null` (or `_nn`), as in
`users_email_not_null`. Also flags
`ADD PRIMARY KEY USING INDEX` when a column of that index is known to be nullable: the primary
key sets NOT NULL on it, with the same scan.

## Why is this bad
SET NOT NULL holds ACCESS EXCLUSIVE (all reads and writes blocked) while it scans every row to
prove there are no NULLs. Since PostgreSQL 12 the scan is skipped when a validated CHECK
constraint already proves it.

## Example
```sql
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
```

## Use instead
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD CONSTRAINT users_email_not_null
    CHECK (email IS NOT NULL) NOT VALID;
COMMIT;
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;  -- no blocking lock
ALTER TABLE users ALTER COLUMN email SET NOT NULL;           -- instant: uses the CHECK
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
```
Alembic:
```python
op.create_check_constraint(
    "users_email_not_null", "users", "email IS NOT NULL", postgresql_not_valid=True
)
with op.get_context().autocommit_block():
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null")
op.alter_column("users", "email", nullable=False)
op.drop_constraint("users_email_not_null", "users", type_="check")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Action, Kind, Statement, TableChange


def _primary_key_using_index(table: str, a: Action, ctx: Context) -> Iterator[Hit]:
    """PRIMARY KEY USING INDEX sets NOT NULL on columns known to be nullable: the same scan."""
    con = a.constraint
    if con is None or con.kind != "primary_key" or con.using_index is None:
        return
    state = ctx.schema.tables.get(table)
    if state is None:
        return
    for name in ctx.schema.index_columns.get(con.using_index, ()):
        column = state.columns.get(name)
        if column is None or not column.nullability_known or column.not_null:
            continue
        if ctx.pg_version >= 12 and ctx.schema.validated_not_null_check(table, name):
            continue
        yield Hit(
            f"PRIMARY KEY USING INDEX {qi(con.using_index)} makes the nullable column "
            f"{qi(table)}.{qi(name)} NOT NULL, which scans the whole table under an ACCESS "
            "EXCLUSIVE lock, blocking all reads and writes until it finishes",
            f"Make {qi(name)} NOT NULL first without a scan: CHECK ({qi(name)} IS NOT NULL) "
            "NOT VALID, VALIDATE it in a separate transaction, SET NOT NULL (PostgreSQL 12+), "
            "then add the primary key.",
        )
        return


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag SET NOT NULL that has to scan the table under ACCESS EXCLUSIVE."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    table = ctx.schema.tables.get(s.table)
    for a in s.actions:
        if a.kind == "add_constraint":
            yield from _primary_key_using_index(s.table, a, ctx)
            continue
        if a.kind != "set_not_null" or not a.column:
            continue
        if table is not None and a.column in table.columns:
            column = table.columns[a.column]
            if column.not_null:
                continue
        if ctx.pg_version >= 12 and ctx.schema.validated_not_null_check(s.table, a.column):
            continue
        yield Hit(
            f"SET NOT NULL on {qi(s.table)}.{qi(a.column)} scans the whole table under an "
            "ACCESS EXCLUSIVE lock, blocking all reads and writes until it finishes",
            f"First add CHECK ({qi(a.column)} IS NOT NULL) NOT VALID and VALIDATE it in a "
            "separate transaction; then SET NOT NULL skips the scan (PostgreSQL 12+).",
        )


RULE = Rule(
    "MC105",
    "set-not-null-scans-table",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("set_not_null", "add_constraint"),
)
