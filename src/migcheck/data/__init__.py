"""Production-like data for the verify walk: seeded rows and per-column checksums.

::

    from migcheck.data import seed, checksums, compare

    report = seed(connection, {"*": 10_000, "orders": 200_000}, seed=7)
    before = checksums(connection)
    ...                                   # upgrade, downgrade
    for change in compare(before, checksums(connection)):
        print(change.message)             # orders.legacy: 10,000 non-null values lost (…)

``connection`` is a psycopg 3 connection (from SQLAlchemy: ``conn.connection.driver_connection``).
See docs/data.md for what is generated for each type and what is skipped.
"""

from migcheck.data.checksum import ColumnSum, DataChange, TableSum, checksums, compare
from migcheck.data.seed import DEFAULT_ROWS, SeedReport, TableSeed, parse_rows, seed

__all__ = [
    "DEFAULT_ROWS",
    "ColumnSum",
    "DataChange",
    "SeedReport",
    "TableSeed",
    "TableSum",
    "checksums",
    "compare",
    "parse_rows",
    "seed",
]
