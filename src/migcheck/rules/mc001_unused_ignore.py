"""Suppression comment that silences nothing.

## What it does
Reports a `-- migcheck: ignore …` (SQL) or `# migcheck: ignore[…]` (Alembic revision) comment
that did not silence any finding in this run.

## Why is this bad
Stale ignores hide future problems: once the statement changes, a comment left behind silences
findings nobody has looked at. No lock is involved; this keeps suppressions honest.

## Example
```sql
-- migcheck: ignore MC101
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
```

## Use instead
Delete the comment, or name the rule that really fires on that line:
```sql
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
```
In an Alembic revision the comment goes on the line of the `op.` call:
```python
op.create_index("users_email_idx", "users", ["email"])  # migcheck: ignore[MC101]
```
"""

from __future__ import annotations

from migcheck.result import Severity
from migcheck.rules.base import Rule

RULE = Rule("MC001", "unused-ignore", Severity.WARNING, __doc__ or "")
