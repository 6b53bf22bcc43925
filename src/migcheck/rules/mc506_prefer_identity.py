"""serial column instead of an identity column (opt-in convention).

## What it does
Flags columns declared `serial`, `bigserial` or `smallserial` in CREATE TABLE or ADD COLUMN. Off
by default; enable with `enable = ["MC506"]`.

## Why is this bad
`serial` is a macro for an integer column with a separately created sequence and a default: the
sequence has its own owner and grants (a role that may insert into the table may still fail on
`nextval`), `pg_dump` and replication treat it as a separate object, and rows inserted with an
explicit id silently leave the sequence behind, so a later insert collides. Identity columns
(PostgreSQL 10+) tie the sequence to the column and can refuse explicit values
(`GENERATED ALWAYS`).

## Example
```sql
CREATE TABLE invoices (id bigserial PRIMARY KEY, total numeric(12, 2));
```

## Use instead
```sql
CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(12, 2));
```
Alembic:
```python
op.create_table("invoices", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.schema import Context
from migcheck.result import Severity
from migcheck.rules.base import Hit, Rule
from migcheck.rules.helpers import qi
from migcheck.sql.facts import ColumnDef, Kind, Statement, TableChange

#: the integer type behind each serial pseudo-type
_BASE = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def check(s: Statement, ctx: Context) -> Iterator[Hit]:
    """Flag serial-family columns."""
    assert isinstance(s, TableChange)
    columns: list[ColumnDef] = list(s.columns)
    columns.extend(a.column_def for a in s.actions if a.column_def is not None)
    for col in columns:
        if col.serial and col.type is not None:
            yield Hit(
                f"Column {qi(s.table)}.{qi(col.name)} is {col.type.name}: a loose sequence with "
                "its own grants that explicit ids silently leave behind",
                f"Use {_BASE[col.type.name]} GENERATED ALWAYS AS IDENTITY (or BY DEFAULT to "
                "allow explicit ids).",
            )


RULE = Rule(
    "MC506",
    "prefer-identity",
    Severity.INFO,
    __doc__ or "",
    (Kind.CREATE_TABLE, Kind.ALTER_TABLE),
    check,
    opt_in=True,
    actions=("add_column",),
)
