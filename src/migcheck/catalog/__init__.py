"""Schema snapshots read from pg_catalog, and readable differences between two of them.

:mod:`migcheck.catalog.snapshot` takes a snapshot in one round trip; :mod:`migcheck.catalog.diff`
compares two and says what changed, one line per difference.
"""
