"""Alembic revision that cannot be rendered offline, so only its first part was checked.

## What it does
Reports an Alembic revision whose `upgrade()` raised while migcheck rendered it the way
`alembic upgrade PARENT:REV --sql` does, on the line of the revision that raised: typically a
data step that needs a live database (`sa.inspect(op.get_bind())`, an ORM `Session` on the bind,
reading rows to decide what to do). The statements rendered before that line are checked;
nothing after it is. `migcheck verify` runs the revision for real and checks all of it.

## Why is this bad
No rule saw the rest of the revision's statements, so whatever it does there to the schema
(locks, rewrites, drops) reaches production unreviewed. It also cannot be applied as an offline
`--sql` script, which some deployments (a DBA running the SQL) rely on.

## Example
```python
def upgrade():
    columns = sa.inspect(op.get_bind()).get_columns("orders")
    if "status" not in {c["name"] for c in columns}:
        op.add_column("orders", sa.Column("status", sa.Text()))
```

## Use instead
Keep the schema steps renderable and skip the parts that need a connection when Alembic runs
offline:
```python
from alembic import context

def upgrade():
    op.add_column("orders", sa.Column("priority", sa.Integer()))
    if not context.is_offline_mode():
        backfill_priorities(op.get_bind())
```
or let PostgreSQL make the decision, in SQL passed to `op.execute`:
```sql
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text;
```
A revision that can only ever run online can be left out with `--from`/`--to`, or this finding
silenced with `# migcheck: ignore[MC002]` on the reported line.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.sql.facts import Kind, RenderError, Statement


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Report the revision that could not be rendered and why."""
    assert isinstance(s, RenderError)
    where = f" in {s.function}()" if s.function else ""
    reason = (s.error or "").partition(": ")[2] or (s.error or "")
    yield Hit(
        f"Revision {s.revision} cannot be rendered offline (alembic upgrade --sql), so nothing "
        f"after this line was checked: this line{where} raised {reason}",
        "Skip steps that need a live connection when context.is_offline_mode() (or write them "
        "as op.execute(SQL)), so the revision renders; or leave it out with --from/--to.",
    )


RULE = Rule(
    "MC002", "revision-not-rendered", Severity.WARNING, __doc__ or "", (Kind.RENDER_ERROR,), check
)
