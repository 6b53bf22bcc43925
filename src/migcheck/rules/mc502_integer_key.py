"""32-bit integer primary key (opt-in convention).

## What it does
Flags primary-key columns of type `integer`, `smallint`, `serial` or `smallserial`. Off by
default; enable with `enable = ["MC502"]`.

## Why is this bad
A 32-bit key runs out at 2,147,483,647 rows (or sequence values, including rolled-back inserts).
Widening it later to `bigint` rewrites the table and every referencing table under ACCESS
EXCLUSIVE — the most painful migration there is.

## Example
```sql
CREATE TABLE events (id serial PRIMARY KEY, payload jsonb);
```

## Use instead
```sql
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb);
```
Alembic:
```python
op.create_table("events", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import ColumnDef, Kind, Statement, TableChange

_SMALL = frozenset({"int4", "int2", "serial", "smallserial"})


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag small integer primary keys."""
    assert isinstance(s, TableChange)
    keys = {c for con in s.constraints if con.kind == "primary_key" for c in con.columns}
    columns: list[ColumnDef] = list(s.columns)
    columns.extend(a.column_def for a in s.actions if a.column_def is not None)
    for col in columns:
        key = col.primary_key or col.name in keys
        if key and col.type is not None and col.type.name in _SMALL and not col.type.array:
            yield Hit(
                f"Primary key {qi(s.table)}.{qi(col.name)} is {col.type.display}: 32-bit keys "
                "run out, and widening later rewrites the table",
                "Use bigint GENERATED ALWAYS AS IDENTITY.",
            )


RULE = Rule(
    "MC502",
    "integer-primary-key",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    opt_in=True,
)
