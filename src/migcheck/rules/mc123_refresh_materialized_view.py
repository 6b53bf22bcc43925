"""REFRESH MATERIALIZED VIEW without CONCURRENTLY.

## What it does
Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` on a materialized view that existed
before this migration (and was not just created `WITH NO DATA`).

## Why is this bad
A plain refresh reruns the view's query and swaps in the result while holding ACCESS EXCLUSIVE on
the view: every query reading it waits for the whole refresh, which lasts as long as the query
(often minutes for the aggregates materialized views are made for).

## Example
```sql
REFRESH MATERIALIZED VIEW sales_summary;
```

## Use instead
Give the view a unique index (once) and refresh it concurrently, outside the migration's
transaction if it is long; readers keep seeing the old contents meanwhile:
```sql
DROP INDEX CONCURRENTLY IF EXISTS sales_summary_key;
CREATE UNIQUE INDEX CONCURRENTLY sales_summary_key ON sales_summary (day, region);
REFRESH MATERIALIZED VIEW CONCURRENTLY sales_summary;
```
Alembic:
```python
op.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY sales_summary")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Maintenance, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a refresh that blocks readers of an existing materialized view."""
    assert isinstance(s, Maintenance)
    if s.concurrently or not s.tables or ctx.is_new(s.tables[0]):
        return
    view = s.tables[0]
    yield Hit(
        f"REFRESH MATERIALIZED VIEW {qi(view)} holds ACCESS EXCLUSIVE on the view for the "
        "whole refresh, blocking every query that reads it",
        f"REFRESH MATERIALIZED VIEW CONCURRENTLY {qi(view)} (the view needs a unique index).",
    )


RULE = Rule(
    "MC123",
    "refresh-matview-non-concurrently",
    Severity.WARNING,
    __doc__ or "",
    (Kind.REFRESH,),
    check,
)
