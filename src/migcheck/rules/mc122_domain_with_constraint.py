"""CREATE DOMAIN with a CHECK constraint.

## What it does
Flags `CREATE DOMAIN … CHECK (…)`.

## Why is this bad
A constrained domain is hard to change online. Adding or changing its constraint rechecks every
column of every table that uses it under a SHARE lock (writes blocked), and PostgreSQL treats a
conversion to a domain with constraints as a rewriting type change, so moving a column onto it
(`ALTER COLUMN … TYPE the_domain`) copies the whole table under ACCESS EXCLUSIVE.

## Example
```sql
CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);
```

## Use instead
Use the base type and put the CHECK on each column, where it can be added `NOT VALID` and
validated without blocking writes:
```sql
CREATE DOMAIN positive_amount AS numeric(12, 2);
SET lock_timeout = '2s';
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_positive;
```
Alembic:
```python
op.create_check_constraint(
    "payments_amount_positive", "payments", "amount > 0", postgresql_not_valid=True
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
    """Flag a domain created with a CHECK constraint."""
    assert isinstance(s, DomainChange)
    if not s.constraints:
        return
    yield Hit(
        f"Domain {qi(s.domain)} has a CHECK constraint: changing it later rechecks every "
        "table that uses the domain under a SHARE lock, and converting a column to it rewrites "
        "the table",
        "Create the domain without CHECK and put the constraint on the columns (ADD CONSTRAINT "
        "… NOT VALID, then VALIDATE CONSTRAINT).",
    )


RULE = Rule(
    "MC122",
    "domain-with-constraint",
    Severity.WARNING,
    __doc__ or "",
    (Kind.CREATE_DOMAIN,),
    check,
)
