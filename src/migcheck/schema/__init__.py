"""Schema snapshots read from pg_catalog, and readable differences between two of them.

:mod:`migcheck.schema.snapshot` takes a snapshot in one round trip; :mod:`migcheck.schema.diff`
compares two and says what changed, one line per difference.
"""
