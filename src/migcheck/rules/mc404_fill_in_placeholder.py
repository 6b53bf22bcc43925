"""Backfill value still the FILL_IN placeholder.

## What it does
Flags a backfill whose value is still the `FILL_IN` placeholder that
`alembic revision --autogenerate` (with migcheck's plugin) writes when a NOT NULL column is added
to an existing table: `op.backfill(..., values={"col": FILL_IN})`. Offline (`alembic upgrade
--sql`, which is what `migcheck lint --alembic` reads) that backfill is a `DO` block raising
`migcheck: FILL_IN placeholder: …`; the rule reads the message of that `RAISE EXCEPTION` from the
PL/pgSQL parse tree, so it fires on the rendered SQL of a revision and on a saved `--sql` script.

## Why is this bad
Nobody has decided yet which value the existing rows get, and migcheck never guesses data: the
backfill fails at once when the migration runs (online it raises before touching a row, offline
the `DO` block raises), so the deploy stops half-way, after the *expand* revision but before the
*contract* one.

## Example
```python
from migcheck.alembic import FILL_IN

def upgrade():
    op.backfill('order', values={'priority': FILL_IN}, where='priority IS NULL', key='id')
```

## Use instead
Replace `FILL_IN` with the value existing rows get: a Python literal or a SQL expression.
```python
def upgrade():
    op.backfill('order', values={'priority': 0}, where='priority IS NULL', key='id')
    # or: values={'priority': sa.text("CASE WHEN total > 100 THEN 1 ELSE 0 END")}
```
and drop the `from migcheck.alembic import FILL_IN` import. A saved `--sql` script must be
rendered again after that: the `DO` block then updates the rows in batches, each committed on its
own, for example
```sql
UPDATE "order" SET priority = 0
WHERE priority IS NULL AND id > 0 AND id <= 1000;  -- one key range per batch
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import DoBlock, Kind, Statement

#: how the message raised by an unfilled backfill starts (``migcheck.autogen.backfill``)
MARKER = "migcheck: FILL_IN placeholder:"


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag a DO block that raises the FILL_IN placeholder's exception."""
    assert isinstance(s, DoBlock)
    for _line, message in s.raises:
        if message.startswith(MARKER):
            yield Hit(
                "Backfill value is still the FILL_IN placeholder, so the migration fails when it "
                f"runs: {message}",
                "Replace FILL_IN in op.backfill(values={...}) with the value existing rows get "
                "(a literal or sa.text('<SQL expression>')), and remove the FILL_IN import.",
            )


RULE = Rule("MC404", "fill-in-placeholder", Severity.ERROR, __doc__ or "", (Kind.DO,), check)
