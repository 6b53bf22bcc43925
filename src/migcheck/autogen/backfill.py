"""The batched, resumable backfill behind ``op.backfill``.

Rows are updated in batches of consecutive key values (the primary key by default): each batch
picks the next keys above the last one done that still match ``where``, updates them and
commits, under lock_timeout with retries. Batches are paced by :mod:`migcheck.autogen.pacing`:
at most ``batch_size`` rows, fewer while batches take longer than 20 ms (an application write to
a row of the batch waits for at most one batch), and a rest after each batch as long as it took.
A rerun after an interruption only touches rows that still match ``where``, so it resumes.
Offline (``--sql``) the same loop is written as one ``DO`` block that commits after every batch
(PostgreSQL 11+, outside a transaction block), paced the same way.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from migcheck.autogen import sql
from migcheck.autogen.ops import BackfillOp
from migcheck.autogen.pacing import Pacer, plpgsql_declarations, plpgsql_pacing
from migcheck.autogen.runtime import Steps, log
from migcheck.errors import MigcheckError

#: seconds between two progress lines
PROGRESS_EVERY = 2.0
#: the batch's keys, and their column, in the batch statement (names no table column takes)
BATCH = "migcheck_batch"
BATCH_KEY = "migcheck_key"

_PRIMARY_KEY = """
SELECT a.attname
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = to_regclass(:relation) AND i.indisprimary
"""


def run_backfill(steps: Steps, operation: BackfillOp) -> None:
    """Run (or, offline, write) the backfill; called outside the migration's transaction."""
    relation = sql.qualified(operation.table_name, operation.schema)
    placeholders = sorted(operation.placeholders())
    if placeholders:
        message = (
            f"migcheck: FILL_IN placeholder: backfill of {relation}: replace FILL_IN with the "
            f"value existing rows get for {', '.join(placeholders)} (edit the revision file; "
            "migcheck never guesses data)"
        )
        if steps.offline:
            steps.emit(
                f"DO $migcheck$ BEGIN RAISE EXCEPTION {sql.literal(message)}; END $migcheck$"
            )
            return
        raise MigcheckError(message)
    batch_size = operation.batch_size or steps.settings.backfill_batch_size
    if batch_size < 1:
        raise MigcheckError(f"backfill of {relation}: batch_size must be at least 1")
    if steps.offline:
        key = operation.key or model_key(steps, operation.table_name, operation.schema)
        if key is None:
            raise MigcheckError(
                f"backfill of {relation}: --sql output needs key='<primary key column>' in "
                "op.backfill (the models in target_metadata give this table no single-column "
                "primary key)"
            )
        steps.emit(_do_block(operation, relation, key, batch_size, steps.settings.lock_timeout))
        return
    key = operation.key or _primary_key(steps, operation, relation)
    _run_online(steps, operation, relation, key, batch_size)


def _primary_key(steps: Steps, operation: BackfillOp, relation: str) -> str:
    rows = steps.query(_PRIMARY_KEY, relation=relation)
    if len(rows) != 1:
        raise MigcheckError(
            f"backfill of {relation}: the table needs a single-column primary key, "
            "or pass key='<an indexed, unique column>'"
        )
    return str(rows[0][0])


def _table(operation: BackfillOp, key: str) -> sa.TableClause:
    names = dict.fromkeys([key, *operation.values])
    return sa.table(operation.table_name, *(sa.column(n) for n in names), schema=operation.schema)


def unindexed_filter(where: str | None) -> str:
    """``where`` as a condition no index can serve (the key's index finds the rows).

    ``coalesce((where), false)`` filters as ``where`` does, but the planner cannot match it to
    an index: with statistics that call ``new IS NULL`` rare (taken before the column was
    added, or before the rows were reset), it would otherwise read all of the filled column's
    index, every entry of a row not done yet, on every batch.
    """
    return f"coalesce(({where}), false)" if where else "true"


def _condition(operation: BackfillOp) -> sa.ColumnElement[bool]:
    return sa.text(unindexed_filter(operation.where))  # type: ignore[return-value]


def _assignments(operation: BackfillOp, table: sa.TableClause) -> dict[Any, Any]:
    return {
        table.c[name]: value if isinstance(value, sa.ClauseElement) else sa.literal(value)
        for name, value in operation.values.items()
    }


def _run_online(
    steps: Steps, operation: BackfillOp, relation: str, key: str, batch_size: int
) -> None:
    table = _table(operation, key)
    key_column = table.c[key]
    condition = _condition(operation)
    last: Any = None
    done = 0
    pacer = Pacer(batch_size, operation.pause)
    started = reported = time.monotonic()
    what = f"backfill {relation}"
    while True:
        window = condition if last is None else sa.and_(condition, key_column > last)
        statement = _batch_statement(operation, table, key_column, window, pacer.size)
        outcome: dict[str, Any] = {}

        def attempt(statement: Any = statement, outcome: dict[str, Any] = outcome) -> None:
            steps.emit("BEGIN")
            for line in steps._settings(local=True, brief=True):
                steps.emit(line)
            high, count = steps.execute(statement).one()
            steps.emit("COMMIT")
            outcome.update(high=high, count=count)

        began = time.monotonic()
        steps.retrying(what, attempt, cleanup=steps.rollback)
        if outcome["high"] is None:
            break
        rest = pacer.done(time.monotonic() - began)
        last = outcome["high"]
        done += outcome["count"]
        now = time.monotonic()
        if now - reported >= PROGRESS_EVERY:
            log.info(
                "%s: %d rows in %d batches so far (up to %s=%r)",
                what,
                done,
                len(pacer.sizes),
                key,
                last,
            )
            reported = now
        pacer.rest(rest)
    log.info(
        "%s: done, %d rows in %d batches of at most %d rows, %.1fs",
        what,
        done,
        len(pacer.sizes),
        max(pacer.sizes, default=0),
        time.monotonic() - started,
    )


def _batch_statement(
    operation: BackfillOp,
    table: sa.TableClause,
    key_column: sa.ColumnClause[Any],
    window: Any,
    size: int,
) -> sa.Select[Any]:
    """One batch: the next keys in ``window`` (by the key's index), their rows updated by key.

    Returns the batch's highest key and the rows updated. The rows are found by key equality
    only, and ``where`` is a filter no index can serve (:func:`unindexed_filter`): a range condition
    next to ``where`` let the planner combine the key's index with an index on the column being
    filled (``IS NULL`` matching every row not done yet) and read all of that index on every
    batch. ``where`` is checked again on each row, so a row the application changed meanwhile
    (the replacement filled by a sync trigger) is left alone.
    """
    batch = (
        sa.select(key_column.label(BATCH_KEY))
        .where(window)
        .order_by(key_column)
        .limit(size)
        .cte(BATCH)
    )
    updated = (
        sa.update(table)
        .where(key_column == batch.c[BATCH_KEY], _condition(operation))
        .values(_assignments(operation, table))
        .returning(key_column)
        .cte("migcheck_updated")
    )
    return sa.select(
        sa.select(sa.func.max(batch.c[BATCH_KEY])).scalar_subquery(),
        sa.select(sa.func.count()).select_from(updated).scalar_subquery(),
    )


def model_key(steps: Steps, table_name: str, schema: str | None) -> str | None:
    """The single-column primary key the models (env.py's target_metadata) give a table.

    Offline there is no database to ask; env.py passes its models to ``configure`` as usual.
    """
    target = steps.context.opts.get("target_metadata")
    name = f"{schema}.{table_name}" if schema else table_name
    for metadata in target if isinstance(target, (list, tuple)) else [target]:
        table = getattr(metadata, "tables", {}).get(name)
        if table is not None:
            keys = list(table.primary_key.columns)
            return str(keys[0].name) if len(keys) == 1 else None
    return None


def _do_block(
    operation: BackfillOp, relation: str, key_name: str, batch_size: int, lock_timeout: str
) -> str:
    key = sql.quote(key_name)
    table = _table(operation, key_name)
    set_clause = (
        sa.update(table)
        .values(_assignments(operation, table))
        .compile(dialect=sql.DIALECT, compile_kwargs={"literal_binds": True})
    )
    where = unindexed_filter(operation.where)
    window = f"{where} AND (done.high IS NULL OR {key} > done.high)"
    # record variables take the key's type from the queries (no %TYPE: offline output may
    # double percent signs)
    return f"""DO $migcheck$
DECLARE
    done record;
    batch record;
{plpgsql_declarations()}BEGIN
    SELECT max({key}) AS high INTO done FROM {relation} WHERE false;
    migcheck_size := {batch_size};
    LOOP
        migcheck_started := clock_timestamp();
        PERFORM set_config('lock_timeout', {sql.literal(lock_timeout)}, true);
        WITH {BATCH} AS (
            SELECT {key} AS {BATCH_KEY} FROM {relation} WHERE {window}
            ORDER BY {key} LIMIT migcheck_size
        ), migcheck_updated AS (
            {set_clause} FROM {BATCH}
            WHERE {relation}.{key} = {BATCH}.{BATCH_KEY} AND {where} RETURNING 1
        )
        SELECT (SELECT max({BATCH_KEY}) FROM {BATCH}) AS high,
            (SELECT count(*) FROM migcheck_updated) AS updated INTO batch;
        EXIT WHEN batch.high IS NULL;
        done := batch;
        COMMIT;
        {plpgsql_pacing(batch_size, operation.pause)}
    END LOOP;
END
$migcheck$"""
