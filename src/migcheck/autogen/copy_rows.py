"""The batched, resumable, verified copy behind ``op.copy_rows``.

Splitting a table, moving a column's data into a new table, filling a replacement table: rows
go from ``source`` to ``target`` in batches of consecutive key values, each batch one short
``INSERT ... SELECT`` transaction under lock_timeout with retries, paced by
:mod:`migcheck.autogen.pacing` (fewer rows while batches take longer than 20 ms, a rest after
each). The copy starts after the
highest key already in the target, so a rerun after an interruption resumes. At the end the
row count and a checksum of the copied values (a sum of per-row hashes, so no ordering or memory
cost) are compared between the source rows and their copies; a difference (rows the application
changed after their batch was copied, without a sync trigger) fails in one line. Offline
(``--sql``) the same loop and check are one ``DO`` block that commits after every batch.
"""

from __future__ import annotations

import time
from typing import Any

from alembic.operations import Operations

from migcheck.autogen import ops, sql
from migcheck.autogen.backfill import model_key, unindexed_filter
from migcheck.autogen.checks import primary_key
from migcheck.autogen.pacing import Pacer, plpgsql_declarations, plpgsql_pacing
from migcheck.autogen.runtime import Steps, log
from migcheck.errors import MigcheckError


def _plan(steps: Steps, operation: ops.CopyRowsOp) -> dict[str, str]:
    """The SQL pieces of the copy: relations, key columns, column lists, filter."""
    source = sql.qualified(operation.source, operation.schema)
    target = sql.qualified(operation.target, operation.schema)
    key = operation.key
    if key is None:
        key = model_key(steps, operation.source, operation.schema)
    if key is None and not steps.offline:
        key = primary_key(steps, source)
    if key is None:
        raise MigcheckError(
            f"copy_rows from {source}: pass key='<the source's primary key column>'"
        )
    copied_as = [
        column
        for column, expression in operation.columns.items()
        if expression.strip() in (key, sql.quote(key))
    ]
    if not copied_as:
        raise MigcheckError(
            f"copy_rows from {source} to {target}: columns must copy the key {key!r} as it is "
            f"(e.g. {{{key!r}: {key!r}}}), which is how an interrupted copy resumes"
        )
    expressions = list(operation.columns.values())
    return {
        "source": source,
        "target": target,
        "key": sql.quote(key),
        "target_key": sql.quote(copied_as[0]),
        "target_columns": ", ".join(sql.quote(c) for c in operation.columns),
        "expressions": ", ".join(f"({e})" for e in expressions),
        "where": unindexed_filter(operation.where),
    }


def _checksums(plan: dict[str, str], into: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """Queries returning (rows, checksum) of the source rows and of their copies.

    ``into`` adds ``INTO <record>`` to each, for the offline ``DO`` block.
    """
    source = (
        f"SELECT count(*) AS n, coalesce(sum(hashtextextended(ROW({plan['expressions']})::text,"
        f" 0)), 0) AS sum {into[0]} FROM {plan['source']} WHERE {plan['where']}"
    )
    target = (
        "SELECT count(*) AS n, coalesce(sum(hashtextextended("
        f"ROW({plan['target_columns']})::text, 0)), 0) AS sum {into[1]} FROM {plan['target']}"
        f" WHERE {plan['target_key']} IN"
        f" (SELECT {plan['key']} FROM {plan['source']} WHERE {plan['where']})"
    )
    return source, target


@Operations.implementation_for(ops.CopyRowsOp)
def copy_rows(operations: Operations, operation: ops.CopyRowsOp) -> None:
    """Copy in key-range batches, then verify count and checksum."""
    steps = Steps(operations)
    batch_size = operation.batch_size or steps.settings.backfill_batch_size
    if batch_size < 1:
        raise MigcheckError(f"copy_rows from {operation.source}: batch_size must be at least 1")
    with steps.outside_transaction():
        plan = _plan(steps, operation)
        if steps.offline:
            steps.emit(_do_block(plan, batch_size, steps.settings.lock_timeout))
            return
        _run_online(steps, plan, batch_size)
        _verify(steps, plan)


def _run_online(steps: Steps, plan: dict[str, str], batch_size: int) -> None:
    what = f"copy rows {plan['source']} -> {plan['target']}"
    (last,) = steps.query(f"SELECT max({plan['target_key']}) FROM {plan['target']}")[0]
    copied = 0
    pacer = Pacer(batch_size)
    while True:
        outcome: dict[str, Any] = {}

        def attempt(last: Any = last, size: int = pacer.size, outcome: Any = outcome) -> None:
            after = "" if last is None else f" AND {plan['key']} > :last"
            params = {} if last is None else {"last": last}
            steps.emit("BEGIN")
            for line in steps._settings(local=True, brief=True):
                steps.emit(line)
            (high,) = steps.query(
                f"SELECT max(k) FROM (SELECT {plan['key']} AS k FROM {plan['source']}"
                f" WHERE {plan['where']}{after} ORDER BY {plan['key']} LIMIT {size})"
                " AS batch",
                **params,
            )[0]
            count = 0
            if high is not None:
                inserted = steps.query(
                    f"WITH copied AS (INSERT INTO {plan['target']} ({plan['target_columns']})"
                    f" SELECT {plan['expressions']} FROM {plan['source']}"
                    f" WHERE {plan['where']}{after} AND {plan['key']} <= :high"
                    " RETURNING 1) SELECT count(*) FROM copied",
                    high=high,
                    **params,
                )
                count = int(inserted[0][0])
            steps.emit("COMMIT")
            outcome.update(high=high, count=count)

        began = time.monotonic()
        steps.retrying(what, attempt, cleanup=steps.rollback)
        if outcome["high"] is None:
            break
        rest = pacer.done(time.monotonic() - began)
        last = outcome["high"]
        copied += outcome["count"]
        pacer.rest(rest)
    log.info(
        "%s: done, %d rows copied in %d batches of at most %d rows",
        what,
        copied,
        len(pacer.sizes),
        max(pacer.sizes, default=0),
    )


def _verify(steps: Steps, plan: dict[str, str]) -> None:
    source_query, target_query = _checksums(plan)
    source = tuple(steps.query(source_query)[0])
    target = tuple(steps.query(target_query)[0])
    if source != target:
        raise MigcheckError(
            f"migcheck: copy_rows {plan['source']} -> {plan['target']}: verification failed:"
            f" {source[0]} source rows, {target[0]} copies, checksums"
            f" {'equal' if source[1] == target[1] else 'differ'}; rows changed after their"
            " batch was copied (keep the target in step with a trigger while copying, or"
            " delete the copies and rerun)"
        )


def _do_block(plan: dict[str, str], batch_size: int, lock_timeout: str) -> str:
    source_query, target_query = _checksums(plan, ("INTO want", "INTO got"))
    message = (
        f"migcheck: copy_rows {plan['source']} -> {plan['target']}: verification failed"
        " (rows changed after their batch was copied)"
    )
    window = f"{plan['where']} AND (done.high IS NULL OR {plan['key']} > done.high)"
    return f"""DO $migcheck$
DECLARE
    done record;
    batch record;
    want record;
    got record;
{plpgsql_declarations()}BEGIN
    SELECT max({plan["target_key"]}) AS high INTO done FROM {plan["target"]};
    migcheck_size := {batch_size};
    LOOP
        migcheck_started := clock_timestamp();
        PERFORM set_config('lock_timeout', {sql.literal(lock_timeout)}, true);
        SELECT max(keys.k) AS high INTO batch FROM (
            SELECT {plan["key"]} AS k FROM {plan["source"]} WHERE {window}
            ORDER BY {plan["key"]} LIMIT migcheck_size
        ) AS keys;
        EXIT WHEN batch.high IS NULL;
        INSERT INTO {plan["target"]} ({plan["target_columns"]})
            SELECT {plan["expressions"]} FROM {plan["source"]}
            WHERE {window} AND {plan["key"]} <= batch.high;
        done := batch;
        COMMIT;
        {plpgsql_pacing(batch_size, None)}
    END LOOP;
    {source_query};
    {target_query};
    IF want.n <> got.n OR want.sum <> got.sum THEN
        RAISE EXCEPTION {sql.literal(message)};
    END IF;
END
$migcheck$"""
