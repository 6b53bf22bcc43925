"""varchar(n) instead of text (opt-in convention).

## What it does
Flags columns declared `varchar(n)` / `character varying(n)`. Off by default; enable with
`enable = ["MC503"]`.

## Why is this bad
In PostgreSQL `text` and `varchar` perform the same; the length limit only adds a failure mode.
Raising the limit is free, but lowering it scans the table under ACCESS EXCLUSIVE, and the limit
rarely matches a real rule.

## Example
```sql
ALTER TABLE users ADD COLUMN nickname varchar(50);
```

## Use instead
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD CONSTRAINT users_nickname_len CHECK (length(nickname) <= 50) NOT VALID;
```
Alembic:
```python
op.add_column("users", sa.Column("nickname", sa.Text()))
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
    """Flag varchar(n) columns."""
    assert isinstance(s, TableChange)
    for column, type_ in column_types(s):
        if type_.name == "varchar" and type_.mods:
            yield Hit(
                f"Column {qi(s.table)}.{qi(column)} is {type_.display}; text with a CHECK on "
                "length is as fast and easier to change",
                "Use text (and a CHECK (length(col) <= n) constraint if the limit is a rule).",
            )


RULE = Rule(
    "MC503",
    "prefer-text-to-varchar",
    Severity.INFO,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    opt_in=True,
)
