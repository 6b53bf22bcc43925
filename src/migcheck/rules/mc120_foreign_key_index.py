"""Foreign key without an index on its columns.

## What it does
Flags a foreign key whose columns are not the leading columns of any index on the referencing
table, when migcheck knows the table's indexes (the table was created in this run: this file,
an earlier file of the run, or an earlier revision). Checked at the end of the file or revision,
so an index created after the constraint counts.

## Why is this bad
Every DELETE or key UPDATE on the referenced table must find the referencing rows: without an
index that is a sequential scan of the referencing table per deleted row, holding the locks of
both. Deletes that took milliseconds take minutes, and joins on the key are slow.

## Example
```sql
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id)
);
```

## Use instead
```sql
SET lock_timeout = '2s';
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id)
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
```
(use `CREATE INDEX CONCURRENTLY` when the table already holds data). Alembic:
```python
op.create_index("orders_user_id_idx", "orders", ["user_id"])
```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Constraint, Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterable[Hit]:
    """Remember foreign keys added in this unit; they are checked in :func:`finish`.

    Only those on a table whose indexes migcheck knows: one being created, or created earlier
    in the run (a table of unknown indexes cannot become known later without being dropped,
    and its foreign keys with it).
    """
    assert isinstance(s, TableChange)
    if not s.table:
        return ()
    if s.kind is not Kind.CREATE_TABLE:
        state = ctx.schema.tables.get(s.table)
        if state is None or not state.complete:
            return ()
    found: list[Constraint] = [c for c in s.constraints if c.kind == "foreign_key"]
    for col in s.columns:
        found.extend(c for c in col.constraints if c.kind == "foreign_key")
    for a in s.actions:
        if a.constraint is not None and a.constraint.kind == "foreign_key":
            found.append(a.constraint)
        if a.column_def is not None:
            found.extend(c for c in a.column_def.constraints if c.kind == "foreign_key")
    if found:
        pending = ctx.remember("MC120").setdefault("pending", [])
        pending.extend((s, s.table, con) for con in found)
    return ()


def finish(ctx: Context) -> Iterator[Hit]:
    """Report remembered foreign keys whose columns no known index covers."""
    for s, table, con in ctx.remember("MC120").get("pending", []):
        state = ctx.schema.tables.get(table)
        if state is None or not state.complete or not con.columns:
            continue
        if ctx.schema.has_index_on(table, con.columns):
            continue
        cols = ", ".join(qi(c) for c in con.columns)
        yield Hit(
            f"Foreign key on {qi(table)} ({cols}) has no index on its columns: every DELETE or "
            f"key UPDATE on {qi(con.ref_table)} scans {qi(table)} while holding row locks",
            f"CREATE INDEX (CONCURRENTLY on a populated table) ON {qi(table)} ({cols}).",
            statement=s,
        )


RULE = Rule(
    "MC120",
    "foreign-key-without-index",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    finish,
)
