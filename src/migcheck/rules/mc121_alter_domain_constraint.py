"""ALTER DOMAIN … ADD CONSTRAINT validated on add.

## What it does
Flags `ALTER DOMAIN … ADD CONSTRAINT … CHECK (…)` without `NOT VALID` on a domain that existed
before this migration.

## Why is this bad
PostgreSQL checks the new constraint against every column of every table that uses the domain,
holding a SHARE lock on each of those tables for its whole scan: all writes to them are blocked
until the last row is checked. The statement does not name those tables, so the review does not
see them either.

## Example
```sql
ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
```

## Use instead
Add it `NOT VALID` (new values are checked from now on, existing rows are not scanned), then
check existing rows with batched queries and fix them. `ALTER DOMAIN … VALIDATE CONSTRAINT`
scans under the same SHARE lock before PostgreSQL 18, so run it only in a quiet period. Often
better: put the CHECK on the columns themselves (`ADD CONSTRAINT … NOT VALID` + `VALIDATE`).
```sql
ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;
```
Alembic:
```python
op.execute(
    "ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID"
)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import DomainChange, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a CHECK added to an existing domain without NOT VALID."""
    assert isinstance(s, DomainChange)
    if ctx.is_new(s.domain):
        return
    for con in s.constraints:
        if con.kind != "check" or con.not_valid:
            continue
        name = f" {qi(con.name)}" if con.name else ""
        yield Hit(
            f"Adding CHECK{name} to domain {qi(s.domain)} scans every column of every table "
            "that uses the domain, holding a SHARE lock (all writes blocked) on each table for "
            "its whole scan",
            "Add it NOT VALID, check and fix existing rows in batches; or put the CHECK on the "
            "columns themselves with NOT VALID + VALIDATE CONSTRAINT.",
        )


RULE = Rule(
    "MC121",
    "alter-domain-add-constraint",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_DOMAIN,),
    check,
)
