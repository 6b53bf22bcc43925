"""Statement that PostgreSQL cannot parse.

## What it does
Reports a statement that PostgreSQL's own grammar rejects, with the parser's message and the
statement's line. Checking continues with the next statement.

## Why is this bad
The migration fails when it reaches this statement. Inside a transaction everything before it is
rolled back; outside one (psql autocommit, Alembic autocommit blocks) everything before it stays
applied and a rerun may fail on the half-applied state.

## Example
```sql
ALTER TABLE users ADD COLUMNN email text;
```

## Use instead
Fix the statement so that PostgreSQL accepts it:
```sql
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN email text;
```
In Alembic, check the text passed to `op.execute(...)`:
```python
op.add_column("users", sa.Column("email", sa.Text()))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import Kind, ParseError, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Report the parser's error."""
    assert isinstance(s, ParseError)
    yield Hit(
        f"PostgreSQL cannot parse this statement: {s.error}",
        "Fix the syntax; PostgreSQL would reject the statement and stop the migration here.",
    )


RULE = Rule("MC000", "parse-error", Severity.ERROR, __doc__ or "", (Kind.ERROR,), check)
