"""Identifier longer than 63 bytes (opt-in convention).

## What it does
Flags table, column, index and constraint names longer than 63 bytes (PostgreSQL's NAMEDATALEN
limit). Off by default; enable with `enable = ["MC505"]`.

## Why is this bad
PostgreSQL silently truncates the name to 63 bytes. Later migrations that use the full name
(Alembic's `op.drop_constraint("…")`, autogenerate comparisons) fail or see a difference that
never goes away, and two long names can collide after truncation.

## Example
```sql
CREATE INDEX index_on_the_orders_table_for_customer_id_and_created_at_and_status_columns
    ON orders (customer_id, created_at, status);
```

## Use instead
```sql
CREATE INDEX CONCURRENTLY orders_customer_created_status_idx
    ON orders (customer_id, created_at, status);
```
Alembic: pass a short explicit `name=` (or set a naming convention that stays under 63 bytes).
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.postgres.identifiers import MAX_BYTES, untruncated
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import IndexBuild, Kind, Rename, Statement, TableChange


def _names(s: Statement) -> Iterator[str]:
    if isinstance(s, IndexBuild):
        if s.index:
            yield s.index
        return
    if isinstance(s, Rename):
        if s.new_name:
            yield s.new_name
        return
    assert isinstance(s, TableChange)
    if s.kind is Kind.CREATE_TABLE and s.table:
        yield s.table.split(".")[-1]
    for col in s.columns:
        yield col.name
    for con in s.constraints:
        if con.name:
            yield con.name
    for a in s.actions:
        if a.column_def is not None:
            yield a.column_def.name
        if a.constraint is not None and a.constraint.name:
            yield a.constraint.name


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag names PostgreSQL would truncate."""
    for short in _names(s):
        name = untruncated(short, s.text)
        size = len(name.encode("utf-8"))
        if size > MAX_BYTES:
            yield Hit(
                f"Identifier {name[:40]}… is {size} bytes; PostgreSQL truncates names to "
                f"{MAX_BYTES} bytes silently (to {short})",
                f"Use a name of at most {MAX_BYTES} bytes.",
            )


RULE = Rule(
    "MC505",
    "identifier-too-long",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE, Kind.CREATE_INDEX, Kind.RENAME),
    check,
    opt_in=True,
)
