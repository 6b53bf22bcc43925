"""timestamp without time zone (opt-in convention).

## What it does
Flags columns declared as `timestamp` (without time zone). Off by default; enable with
`enable = ["MC501"]` in `[tool.migcheck]`.

## Why is this bad
A `timestamp` stores wall-clock time with no zone: values written by servers or sessions in
different time zones cannot be compared, and daylight-saving changes create duplicates and gaps.
Converting later to `timestamptz` rewrites the table under ACCESS EXCLUSIVE (unless the session
time zone is UTC, PostgreSQL 12+).

## Example
```sql
ALTER TABLE users ADD COLUMN last_seen timestamp;
```

## Use instead
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN last_seen timestamptz;
```
Alembic:
```python
op.add_column("users", sa.Column("last_seen", sa.DateTime(timezone=True)))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import column_types, qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag timestamp-without-time-zone columns."""
    assert isinstance(s, TableChange)
    for column, type_ in column_types(s):
        if type_.name == "timestamp":
            yield Hit(
                f"Column {qi(s.table)}.{qi(column)} is timestamp without time zone",
                "Use timestamptz (sa.DateTime(timezone=True)).",
            )


RULE = Rule(
    "MC501",
    "timestamp-without-time-zone",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    opt_in=True,
)
