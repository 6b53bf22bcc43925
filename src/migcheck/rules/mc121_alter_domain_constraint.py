"""ALTER DOMAIN that checks every existing value (ADD CONSTRAINT, SET NOT NULL, VALIDATE).

## What it does
Flags, on a domain that existed before this migration, every `ALTER DOMAIN` form that checks the
values already stored: `ADD CONSTRAINT … CHECK (…)` or `… NOT NULL` without `NOT VALID`,
`SET NOT NULL`, and `VALIDATE CONSTRAINT` (before PostgreSQL 19, which validates under SHARE
UPDATE EXCLUSIVE: writes continue). `DROP NOT NULL`, `DROP CONSTRAINT`, defaults and
`ADD … NOT VALID` check nothing and are not flagged.

## Why is this bad
PostgreSQL checks the constraint (or NOT NULL) against every column of every table that uses the
domain,
holding a SHARE lock on each of those tables for its whole scan: all writes to them are blocked
until the last row is checked. The statement does not name those tables, so the review does not
see them either: the message names the columns known to use the domain (from the run, or from the
live catalog in `migcheck verify`).

## Example
```sql
ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
ALTER DOMAIN email_address SET NOT NULL;
```

## Use instead
Add it `NOT VALID` (new values are checked from now on, existing rows are not scanned), then
check existing rows with batched queries and fix them. `ALTER DOMAIN … VALIDATE CONSTRAINT`
scans under the same SHARE lock before PostgreSQL 19, so run it only in a quiet period. Often
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

_FIX = (
    "Add it NOT VALID, check and fix existing rows in batches; or put the CHECK (or NOT NULL) on "
    "the columns themselves with NOT VALID + VALIDATE CONSTRAINT."
)


def _scan(what: str, users: list[str]) -> str:
    """The message; ``users``: the columns known to use the domain (named when known)."""
    known = ""
    if users:
        shown = ", ".join(qi(u) for u in users[:5]) + (", …" if len(users) > 5 else "")
        known = f" (known here: {shown})"
    return (
        f"{what} scans every column of every table that uses the domain{known}, holding a SHARE "
        "lock (all writes blocked) on each table for its whole scan"
    )


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag ALTER DOMAIN forms that scan the columns using an existing domain."""
    assert isinstance(s, DomainChange)
    if ctx.is_new(s.domain):
        return
    users = ctx.schema.domain_users(s.domain)
    if s.action == "set_not_null":
        yield Hit(_scan(f"SET NOT NULL on domain {qi(s.domain)}", users), _FIX)
    elif s.action == "validate_constraint" and ctx.pg_version < 19:
        yield Hit(
            _scan(f"VALIDATE CONSTRAINT {qi(s.constraint_name)} on domain {qi(s.domain)}", users)
            + f" (PostgreSQL {ctx.pg_version}; 19 validates without blocking writes)",
            "Validate in a quiet period, or put the constraint on the columns themselves (NOT "
            "VALID + VALIDATE CONSTRAINT, which lets writes continue).",
        )
    for con in s.constraints:
        if con.kind not in ("check", "not_null") or con.not_valid:
            continue
        name = f" {qi(con.name)}" if con.name else ""
        kind = "CHECK" if con.kind == "check" else "NOT NULL constraint"
        yield Hit(_scan(f"Adding {kind}{name} to domain {qi(s.domain)}", users), _FIX)


RULE = Rule(
    "MC121",
    "alter-domain-add-constraint",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_DOMAIN,),
    check,
)
