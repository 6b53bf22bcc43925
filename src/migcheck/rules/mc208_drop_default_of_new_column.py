"""DROP DEFAULT of a NOT NULL column added in the same migration.

## What it does
Flags `ALTER COLUMN f DROP DEFAULT` (Alembic: `op.alter_column(…, server_default=None)`) on a
`NOT NULL` column that the same migration added to an existing table with that default:
`ADD COLUMN f … NOT NULL DEFAULT 'x'` followed by `ALTER COLUMN f DROP DEFAULT`.

It belongs to the family of changes that break the previous release during a deploy (with MC209,
MC201, and MC203/MC302 for renamed and dropped columns): the locks are brief, the break is not.

## Why is this bad
While the migration runs and until every instance runs the new code, the previous release keeps
inserting rows. It does not know `f`, so its INSERTs leave `f` out; with the default gone they fail
with a NOT NULL violation from the moment the migration commits, for the whole rollout.

## Example
```sql
ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';
ALTER TABLE orders ALTER COLUMN channel DROP DEFAULT;
```

## Use instead
Expand and contract: keep the default in this migration (expand), deploy the code that writes
`channel` on every INSERT, then drop the default in a later migration (contract):
```sql
-- migration 1 (expand)
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';
-- migration 2, after every running release writes channel (contract)
ALTER TABLE orders ALTER COLUMN channel DROP DEFAULT;
```
Alembic: the `op.alter_column("orders", "channel", server_default=None)` goes into a later
revision, released after the code that writes the column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Statement, TableChange


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag dropping the default of a NOT NULL column this migration added with it."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    #: (table, column) -> [line added, NOT NULL, has a default]
    added: dict[tuple[str, str], list[Any]] = ctx.remember("MC208").setdefault("added", {})
    for a in s.actions:
        col = a.column_def
        if a.kind == "add_column" and col is not None:
            added[(s.table, col.name)] = [s.line, col.not_null, col.default is not None]
            continue
        known = added.get((s.table, a.column or ""))
        if known is None:
            continue
        if a.kind == "set_not_null":
            known[1] = True
        elif a.kind == "drop_not_null":
            known[1] = False
        elif a.kind == "set_default":
            known[2] = True
        elif a.kind == "drop_default" and known[1] and known[2]:
            known[2] = False
            target = f"{qi(s.table)}.{qi(a.column)}"
            yield Hit(
                f"Dropping the default of {target}, added NOT NULL with it at line {known[0]} of "
                f"this migration: every INSERT from the release still running, which does not "
                f"know {qi(a.column)}, fails with a NOT NULL violation from this moment until "
                "the rollout ends",
                "Keep the default now (expand); drop it in a later migration, released after "
                "the code that writes the column on every INSERT (contract).",
            )


RULE = Rule(
    "MC208",
    "drop-default-of-new-column",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column", "drop_default", "set_default", "set_not_null", "drop_not_null"),
)
