"""Alembic drops a constraint without a name.

## What it does
Flags `op.drop_constraint(None, "table", type_=…)` in an Alembic revision, in `upgrade()` or
`downgrade()`. `alembic revision --autogenerate` writes it for every constraint it created without
a name (`op.create_foreign_key(None, …)`, `sa.ForeignKey(…)` with no naming convention), most
often in `downgrade()`. SQLAlchemy refuses to compile the DROP (`Can't emit DROP CONSTRAINT …; it
has no name`; Alembic's batch mode: `Constraint must have a name`). In `upgrade()` it is found
while rendering the revision offline, on the op line that raised; in `downgrade()`, which lint
never runs, in the revision's source.

## Why is this bad
The migration can never run: it fails at that line every time, in production during an incident
when a rollback is needed most (downgrade), or halfway through a deploy (upgrade; statements before
it outside a transaction stay applied).

## Example
```python
def downgrade():
    op.drop_constraint(None, "package", type_="foreignkey")
```

## Use instead
Name the constraint: the name it has in the database (PostgreSQL's default for an unnamed foreign
key is `<table>_<columns>_fkey`), or give the MetaData a `naming_convention` so autogenerate writes
names in both directions:
```python
def downgrade():
    op.drop_constraint("package_revision_id_fkey", "package", type_="foreignkey")
```
which renders as
```sql
SET lock_timeout = '2s';
ALTER TABLE package DROP CONSTRAINT package_revision_id_fkey;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import Kind, Statement, UnnamedConstraintDrop

#: ``type_`` of op.drop_constraint -> the constraint kind in the facts
_KINDS = {
    "foreignkey": "foreign_key",
    "unique": "unique",
    "check": "check",
    "primary": "primary_key",
}


def _known_names(s: UnnamedConstraintDrop, ctx: Context) -> list[str]:
    """Names of the table's constraints of that kind this run knows (created or default)."""
    state = ctx.schema.tables.get(s.table) if s.table else None
    kind = _KINDS.get(s.constraint_type or "")
    if state is None or kind is None:
        return []
    return sorted(name for name, con in state.constraints.items() if con.kind == kind)


_WORDS = {
    "foreignkey": "foreign key",
    "primary": "primary key",
    "unique": "unique constraint",
    "check": "check constraint",
}


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Report the op that drops an unnamed constraint."""
    assert isinstance(s, UnnamedConstraintDrop)
    where = f"{s.function}()" if s.function else f"revision {s.revision}"
    table = f" on {qi(s.table)}" if s.table else ""
    kind = _WORDS.get(s.constraint_type or "", s.constraint_type) or "constraint"
    names = _known_names(s, ctx)
    if names:
        known = ", ".join(qi(n) for n in names)
        name = f"its name in the database ({known}, as far as this run knows {qi(s.table)})"
    else:
        name = "its name in the database (an unnamed foreign key is <table>_<columns>_fkey)"
    yield Hit(
        f"{where} drops a {kind}{table} without naming it: rendering it raises "
        f'"{_short(s.error)}", so this migration can never run',
        f"Pass op.drop_constraint {name}; or set a naming_convention "
        "on the MetaData so autogenerate writes names.",
    )


def _short(error: str) -> str:
    """SQLAlchemy's message without the constraint's repr."""
    head, _, tail = error.partition(" for constraint ")
    return f"{head} …; {tail.rpartition('; ')[2]}" if tail else error


RULE = Rule(
    "MC405",
    "unnamed-constraint-drop",
    Severity.ERROR,
    __doc__ or "",
    (Kind.UNNAMED_CONSTRAINT_DROP,),
    check,
)
