"""Checks that stop a migration before it changes anything, with one line saying why.

* :func:`stop`: fail with a message, online (``MigcheckError``) and offline (a ``DO`` block that
  raises);
* ``check_values_fit``: the values that would not fit a narrower type, counted in key-range
  batches (a plain read: the application goes on), with an example key;
* :func:`null_rows`: the NULLs that would make ``add_not_null_constraint`` fail halfway.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations

from migcheck.alembic_project.offline import type_ref_of
from migcheck.autogen import ops, sql
from migcheck.autogen.runtime import Steps
from migcheck.errors import MigcheckError

_PRIMARY_KEY = """
SELECT a.attname
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = to_regclass(:relation) AND i.indisprimary
"""


def stop(steps: Steps, message: str) -> None:
    """Fail with ``message``: a ``MigcheckError`` online, a ``DO`` block that raises offline."""
    if steps.offline:
        steps.emit(f"DO $migcheck$ BEGIN RAISE EXCEPTION {sql.literal(message)}; END $migcheck$")
        return
    raise MigcheckError(message)


def raise_if_found(
    steps: Steps, relation: str, key: str | None, condition: str, message: str
) -> None:
    """Offline: a ``DO`` block counting the rows matching ``condition``, raising when any do.

    The count and an example key are appended to ``message`` (no ``%`` placeholders: offline
    output may double percent signs).
    """
    example = f"min({sql.quote(key)})::text" if key else "''"
    suffix = f" rows (e.g. {key}=" if key else " rows"
    closing = "')'" if key else "''"
    steps.emit(
        f"""DO $migcheck$
DECLARE
    found record;
BEGIN
    SELECT count(*) AS n, {example} AS example INTO found FROM {relation} WHERE {condition};
    IF found.n > 0 THEN
        RAISE EXCEPTION USING MESSAGE = {sql.literal(message + ": ")} || found.n
            || {sql.literal(suffix)} || found.example || {closing};
    END IF;
END
$migcheck$"""
    )


def primary_key(steps: Steps, relation: str) -> str | None:
    """The table's single-column primary key (online); None when there is none."""
    rows = steps.query(_PRIMARY_KEY, relation=relation)
    return str(rows[0][0]) if len(rows) == 1 else None


@Operations.implementation_for(ops.CheckValuesFitOp)
def check_values_fit(operations: Operations, operation: ops.CheckValuesFitOp) -> None:
    """Count, in key-range batches, the values that do not fit; stop when there are any."""
    steps = Steps(operations)
    relation = sql.qualified(operation.table_name, operation.schema)
    new_sql = sql.type_sql(operation.type_)
    new = type_ref_of(new_sql)
    if new is None:
        raise MigcheckError(f"check_values_fit on {relation}: cannot read the type {new_sql}")
    column = operation.column_name
    condition = f"{sql.quote(column)} IS NOT NULL AND {sql.does_not_fit(column, new, new_sql)}"
    message = (
        f"migcheck: narrowing {relation}.{sql.quote(column)} to {new_sql} stopped before "
        "changing anything: fix or shorten these values first (an op.backfill before this line) "
        "or keep the wider type"
    )
    with steps.outside_transaction():
        if steps.offline:
            if operation.key is None:
                raise MigcheckError(
                    f"check_values_fit on {relation}: --sql output needs key='<primary key>'"
                )
            raise_if_found(steps, relation, operation.key, condition, message)
            return
        key = operation.key or primary_key(steps, relation)
        if key is None:
            raise MigcheckError(
                f"check_values_fit on {relation}: the table needs a single-column primary key, "
                "or pass key='<an indexed, unique column>'"
            )
        count, example = _count_in_batches(steps, relation, key, condition)
    if count:
        raise MigcheckError(f"{message}: {count} rows do not fit (e.g. {key}={example})")


def _count_in_batches(steps: Steps, relation: str, key: str, condition: str) -> tuple[int, Any]:
    """The rows matching ``condition`` and the first one's key, read in key-range batches."""
    name = sql.quote(key)
    size = steps.settings.backfill_batch_size
    count, example, last = 0, None, None
    while True:
        after = "" if last is None else f"WHERE {name} > :last"
        params: dict[str, Any] = {} if last is None else {"last": last}
        rows = steps.query(
            f"SELECT count(*) FILTER (WHERE bad), min(k) FILTER (WHERE bad), max(k) FROM"
            f" (SELECT {name} AS k, coalesce({condition}, false) AS bad FROM {relation} {after}"
            f" ORDER BY {name} LIMIT {int(size)}) AS batch",
            **params,
        )
        found, first_bad, high = tuple(rows[0])
        if high is None:
            return count, example
        count += found
        example = example if example is not None else first_bad
        last = high


def null_rows(steps: Steps, table: str, column: str, schema: str | None) -> None:
    """Stop before ``add_not_null_constraint`` changes anything when the column holds NULLs."""
    relation = sql.qualified(table, schema)
    condition = f"{sql.quote(column)} IS NULL"
    message = (
        f"migcheck: NOT NULL on {relation}.{sql.quote(column)} stopped before changing anything: "
        f"give these rows a value first (op.backfill({table!r}, values={{{column!r}: FILL_IN}}, "
        f"where={condition!r}) before this line, or a server_default in the model)"
    )
    stop_if_rows(steps, relation, condition, message, "rows are NULL")


def stop_if_rows(steps: Steps, relation: str, condition: str, message: str, counted: str) -> None:
    """Stop with ``message`` when rows of ``relation`` match ``condition``.

    Online the error ends with their count and an example key (``: 3 rows are NULL (e.g.
    id=7)``, ``counted`` being ``"rows are NULL"``); offline the rendered script checks instead.
    """
    if steps.offline:
        raise_if_found(steps, relation, None, condition, message)
        return
    key = primary_key(steps, relation)
    example = f"min({sql.quote(key)})::text" if key else "NULL"
    rows = steps.query(f"SELECT count(*), {example} FROM {relation} WHERE {condition}")
    count, first = tuple(rows[0])
    if count:
        where = f" (e.g. {key}={first})" if key else ""
        raise MigcheckError(f"{message}: {count} {counted}{where}")
