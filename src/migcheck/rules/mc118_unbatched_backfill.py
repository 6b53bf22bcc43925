"""UPDATE or DELETE of a whole existing table in one statement.

## What it does
Flags `UPDATE` and `DELETE` on a table that existed before this migration when the WHERE clause
does not bound a batch (no key range such as `id BETWEEN … AND …`, `id >= … AND id < …` or
`id < …`, no LIMITed subquery). A one-sided bound on a column that is not a key
(`created_at < now() - interval '1 year'`) is not a batch: it can match the whole table.
Tables created earlier in the same file or revision are exempt, and so are rows picked
by a key-like column equal to a constant (`id = 42`, `slug = 'admin'`, `name IN ('a', 'b')`:
`id`, `uuid`, `key`, `name`, `slug`, `code`, `email`, `username`, or a name ending in `_id`,
`_uuid`, `_key`, `_code`, `_slug`, `_name`).

## Why is this bad
One statement touching every row holds ROW EXCLUSIVE plus row locks on every changed row until it
commits: concurrent updates of those rows wait, replicas lag, and the table bloats. Inside a
migration transaction it also extends every other lock the transaction holds.

## Example
```sql
UPDATE users SET status = 'active' WHERE status IS NULL;
```

## Use instead
Backfill in small batches by key range, each in its own short transaction:
```sql
UPDATE users SET status = 'active'
WHERE id >= 1 AND id < 10001 AND status IS NULL;
-- next batch: id >= 10001 AND id < 20001, …
```
Alembic (outside the revision's transaction):
```python
with op.get_context().autocommit_block():
    for start in range(0, max_id + 1, 10_000):
        op.execute(sa.text(
            "UPDATE users SET status = 'active' "
            "WHERE id >= :lo AND id < :hi AND status IS NULL"
        ).bindparams(lo=start, hi=start + 10_000))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import DataChange, Kind, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag an unbatched UPDATE/DELETE of an existing table."""
    assert isinstance(s, DataChange)
    if not s.table or ctx.is_new(s.table) or s.batched:
        return
    scope = "every row" if not s.has_where else "every matching row"
    yield Hit(
        f"{s.kind.sql} of {qi(s.table)} touches {scope} in one transaction, holding row "
        "locks that block concurrent updates of those rows until it commits",
        "Backfill in batches by key range (e.g. WHERE id >= :lo AND id < :hi), one short "
        "transaction per batch, outside the schema-change transaction.",
    )


RULE = Rule(
    "MC118",
    "unbatched-backfill",
    Severity.WARNING,
    __doc__ or "",
    (Kind.UPDATE, Kind.DELETE),
    check,
)
