"""ADD UNIQUE / PRIMARY KEY / EXCLUDE that builds its index under lock.

## What it does
Flags `ADD CONSTRAINT … UNIQUE`, `PRIMARY KEY` or `EXCLUDE` (and inline `UNIQUE`/`PRIMARY KEY` on
an added column) on an existing table, unless the constraint reuses an index built beforehand
(`USING INDEX`).

## Why is this bad
PostgreSQL builds the constraint's index while holding ACCESS EXCLUSIVE on the table: all reads
and writes are blocked for the whole build. `NOT VALID` does not help — PostgreSQL does not allow
it for UNIQUE, PRIMARY KEY or EXCLUDE constraints.

## Example
```sql
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
```

## Use instead
For UNIQUE and PRIMARY KEY, build the index concurrently and attach it (instant):
```sql
DROP INDEX CONCURRENTLY IF EXISTS users_email_key;
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
SET lock_timeout = '2s';
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
```
Alembic:
```python
with op.get_context().autocommit_block():
    op.drop_index("users_email_key", if_exists=True, postgresql_concurrently=True)
    op.create_index("users_email_key", "users", ["email"], unique=True,
                    postgresql_concurrently=True)
op.execute("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key")
```
An EXCLUDE constraint cannot be attached from an existing index: add it while the table is new
or small, or in a maintenance window with `lock_timeout` set.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import constraint_label, qi
from migcheck.sql.facts import Constraint, Kind, Statement, TableChange

_LABEL = {"unique": "UNIQUE", "primary_key": "PRIMARY KEY", "exclude": "EXCLUDE"}


def _hit(table: str, con: Constraint) -> Hit:
    label = _LABEL[con.kind]
    words, name = constraint_label(table, con)
    if con.kind == "exclude":
        fix = (
            "EXCLUDE constraints cannot be added NOT VALID or from an existing index: add it "
            "while the table is new or small, or in a maintenance window with lock_timeout set."
        )
    else:
        fix = (
            f"CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT {name} {label} USING "
            "INDEX (NOT VALID is not allowed for this constraint)."
        )
    return Hit(
        f"Adding {label} constraint {words} on {qi(table)} builds its index under an ACCESS "
        "EXCLUSIVE lock, blocking all reads and writes for the whole build",
        fix,
    )


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag constraints whose index is built while the table is locked."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    for a in s.actions:
        cons = [a.constraint] if a.constraint is not None else []
        if a.column_def is not None:
            cons.extend(a.column_def.constraints)
        for con in cons:
            if con.kind in _LABEL and con.using_index is None:
                yield _hit(s.table, con)


RULE = Rule(
    "MC110",
    "constraint-builds-index-under-lock",
    Severity.ERROR,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_constraint", "add_column"),
)
