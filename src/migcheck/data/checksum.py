"""Per-table, per-column checksums computed on the server, and what changed between two.

One scan per table: ``count(*)``, and per column ``count(col)`` (the non-NULL values) and
``sum(hashtextextended(col::text, 0))``, a 64-bit hash of each value's text summed over the
rows. The sum does not depend on row order, so no key or sort is needed, and any value that
changes its text (a rounded numeric, a truncated string, a shifted timestamp) changes it.
Values are compared as text in the session's settings (TimeZone, extra_float_digits): take
both checksums over connections with the same settings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from migcheck.data.catalog_read import read_tables
from migcheck.data.seed import EXCLUDE


@dataclass(frozen=True, slots=True)
class ColumnSum:
    """One column's values in one checksum: how many are not NULL, and their hash sum."""

    non_null: int
    digest: int
    type: str  # format_type(), for messages


@dataclass(frozen=True, slots=True)
class TableSum:
    """One table in one checksum: its row count and a :class:`ColumnSum` per column."""

    rows: int
    columns: Mapping[str, ColumnSum]


#: table name (``orders``, ``schema.table`` outside public) → its checksum
Checksums = dict[str, TableSum]


@dataclass(frozen=True, slots=True)
class DataChange:
    """Rows or values that one checksum has and the next one lost or changed."""

    table: str
    column: str | None  # None: the table's rows
    kind: str  # "table dropped", "rows lost", "rows added", "column dropped",
    #            "values lost", "values changed"
    before: int  # rows, or non-NULL values, before
    after: int  # … and after
    message: str


def checksums(
    connection: psycopg.Connection[Any],
    tables: Collection[str] | None = None,
    *,
    exclude: Collection[str] = EXCLUDE,
) -> Checksums:
    """Row counts and per-column checksums of ``tables`` (default: every user table)."""
    result: Checksums = {}
    for table in read_tables(connection, exclude):
        if tables is not None and table.name not in tables:
            continue
        aggregates: list[sql.Composable] = [sql.SQL("count(*)")]
        for column in table.columns:
            name = sql.Identifier(column.name)
            aggregates.append(sql.SQL("count({})").format(name))
            aggregates.append(
                sql.SQL("coalesce(sum(hashtextextended(CAST({} AS text), 0)), 0)").format(name)
            )
        row = connection.execute(
            sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(aggregates), sql.Identifier(table.schema, table.table)
            )
        ).fetchone()
        assert row is not None
        result[table.name] = TableSum(
            rows=int(row[0]),
            columns={
                column.name: ColumnSum(int(row[1 + 2 * n]), int(row[2 + 2 * n]), column.display)
                for n, column in enumerate(table.columns)
            },
        )
    return result


def compare(before: Checksums, after: Checksums) -> list[DataChange]:
    """What ``after`` lost or changed of ``before``'s data, table by table, column by column.

    Tables and columns only ``after`` has are not changes of data; a table that went while one
    only ``after`` has holds exactly its data was renamed, not lost, and so was a column that went
    while a column of its table holds exactly its values (renamed, or a replacement column
    swapped in under the old name: expand/contract's ``op.replace_column``). A table whose row
    count changed is reported once for its rows; of its columns, only a drop and values lost
    beyond the rows that went are reported (which values changed cannot be told apart then).
    """
    changes: list[DataChange] = []
    for table, old in before.items():
        new = after.get(table)
        if new is None:
            if old.rows and not _renamed_table(old, after, before):
                changes.append(
                    DataChange(
                        table,
                        None,
                        "table dropped",
                        old.rows,
                        0,
                        f"{table}: table dropped with its {old.rows:,} rows",
                    )
                )
            continue
        if new.rows != old.rows:
            kind = "rows lost" if new.rows < old.rows else "rows added"
            changes.append(
                DataChange(
                    table,
                    None,
                    kind,
                    old.rows,
                    new.rows,
                    f"{table}: {abs(old.rows - new.rows):,} {kind} "
                    f"({old.rows:,} before, {new.rows:,} after)",
                )
            )
        gone = max(old.rows - new.rows, 0)
        for column, sums in old.columns.items():
            if column not in new.columns and _same_data(sums, list(new.columns.values())):
                continue  # renamed, or a replacement swapped in under the old name
            change = _column_change(table, column, sums, new.columns.get(column), gone)
            if change is not None and (new.rows == old.rows or change.kind != "values changed"):
                changes.append(change)
    return changes


def _same_data(sums: ColumnSum, candidates: list[ColumnSum]) -> bool:
    return any(
        other.non_null == sums.non_null and other.digest == sums.digest for other in candidates
    )


def _renamed_table(old: TableSum, after: Checksums, before: Checksums) -> bool:
    """A table only ``after`` has holds the same rows and column values as ``old``."""
    digests = sorted((c.non_null, c.digest) for c in old.columns.values())
    return any(
        name not in before
        and new.rows == old.rows
        and sorted((c.non_null, c.digest) for c in new.columns.values()) == digests
        for name, new in after.items()
    )


def _column_change(
    table: str, column: str, old: ColumnSum, new: ColumnSum | None, rows_gone: int
) -> DataChange | None:
    where = f"{table}.{column}"
    if new is None:
        if not old.non_null:
            return None
        return DataChange(
            table,
            column,
            "column dropped",
            old.non_null,
            0,
            f"{where}: {old.non_null:,} non-null values lost (column dropped)",
        )
    lost = old.non_null - new.non_null
    if lost > rows_gone:
        return DataChange(
            table,
            column,
            "values lost",
            old.non_null,
            new.non_null,
            f"{where}: {lost:,} non-null values lost ({old.non_null:,} before, "
            f"{new.non_null:,} after)",
        )
    if new.non_null == old.non_null and new.digest != old.digest:
        retyped = f"; type {old.type} → {new.type}" if new.type != old.type else ""
        return DataChange(
            table,
            column,
            "values changed",
            old.non_null,
            new.non_null,
            f"{where}: values changed ({old.non_null:,} non-null values{retyped})",
        )
    return None
