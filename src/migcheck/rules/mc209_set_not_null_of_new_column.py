"""SET NOT NULL on a column without a default that the previous release does not write.

## What it does
Flags `ALTER COLUMN f SET NOT NULL` on a column of an existing table that has no default and that
the same migration added (so the release still running does not know it, and cannot write it):
`ADD COLUMN f text` then, after a backfill, `ALTER COLUMN f SET NOT NULL`. A default dropped in
the same migration counts as none.

It belongs to the family of changes that break the previous release during a deploy (with MC208,
MC201, and MC203/MC302 for renamed and dropped columns). The table scan SET NOT NULL does is
MC105's business; this rule is about the writes it breaks.

## Why is this bad
The previous release keeps inserting rows until the rollout ends. Its INSERTs leave the new
column out, so from the moment the migration commits each of them fails with a NOT NULL
violation.

## Example
```sql
ALTER TABLE orders ADD COLUMN channel text;
UPDATE orders SET channel = 'web' WHERE channel IS NULL;
ALTER TABLE orders ALTER COLUMN channel SET NOT NULL;
```

## Use instead
Expand and contract: give the column a default first, so old INSERTs get a value; or add the
column and backfill now (expand), and set it NOT NULL in a later migration, released after the
code that writes it on every INSERT (contract):
```sql
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web';
UPDATE orders SET channel = 'web' WHERE channel IS NULL AND id BETWEEN 1 AND 10000;
-- later migration, after every running release writes channel:
ALTER TABLE orders ADD CONSTRAINT orders_channel_nn CHECK (channel IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_channel_nn;
ALTER TABLE orders ALTER COLUMN channel SET NOT NULL;
```
Alembic: `server_default=` on the new column, or the `nullable=False` change in a later revision.
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
    """Flag SET NOT NULL on a column this migration added, while it has no default."""
    assert isinstance(s, TableChange)
    if not s.table or ctx.is_new(s.table):
        return
    #: (table, column) -> [line added, has a default]
    added: dict[tuple[str, str], list[Any]] = ctx.remember("MC209").setdefault("added", {})
    for a in s.actions:
        col = a.column_def
        if a.kind == "add_column" and col is not None:
            if not col.not_null:  # ADD COLUMN … NOT NULL without a default is MC201's
                added[(s.table, col.name)] = [s.line, col.default is not None]
            continue
        known = added.get((s.table, a.column or ""))
        if known is None:
            continue
        if a.kind in ("set_default", "drop_default"):
            known[1] = a.kind == "set_default"
        elif a.kind == "set_not_null" and not known[1]:
            target = f"{qi(s.table)}.{qi(a.column)}"
            yield Hit(
                f"SET NOT NULL on {target}, added without a default at line {known[0]} of this "
                f"migration: every INSERT from the release still running, which does not write "
                f"{qi(a.column)}, fails with a NOT NULL violation from this moment until the "
                "rollout ends",
                f"Give {qi(a.column)} a DEFAULT first, or set it NOT NULL in a later migration, "
                "released after the code that writes it on every INSERT (expand/contract).",
            )


RULE = Rule(
    "MC209",
    "set-not-null-of-new-column",
    Severity.WARNING,
    __doc__ or "",
    (Kind.ALTER_TABLE,),
    check,
    actions=("add_column", "drop_default", "set_default", "set_not_null"),
)
