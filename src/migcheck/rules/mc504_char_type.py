"""char(n) column (opt-in convention).

## What it does
Flags columns declared `char(n)` / `character(n)`. Off by default; enable with
`enable = ["MC504"]`.

## Why is this bad
`char(n)` pads values with spaces, compares ignoring trailing spaces, and is no faster than
`text`: surprising results in comparisons, joins and application code.

## Example
```sql
CREATE TABLE countries (code char(2) PRIMARY KEY);
```

## Use instead
```sql
CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2));
```
Alembic:
```python
op.create_table("countries", sa.Column("code", sa.Text(), primary_key=True))
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
    """Flag char(n) columns."""
    assert isinstance(s, TableChange)
    for column, type_ in column_types(s):
        if type_.name == "bpchar":
            yield Hit(
                f"Column {qi(s.table)}.{qi(column)} is {type_.display}: blank-padded, compares "
                "ignoring trailing spaces",
                "Use text (with a CHECK on length if needed).",
            )


RULE = Rule(
    "MC504",
    "no-char-type",
    Severity.INFO,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    opt_in=True,
)
