"""PostgreSQL facts with no I/O, written once and read by lint, autogen and verify.

* :mod:`~migcheck.postgres.locks`: table lock modes, their strength and what each one blocks;
* :mod:`~migcheck.postgres.functions`: which built-in functions are volatile, stable or immutable;
* :mod:`~migcheck.postgres.types`: type names, and which type changes rewrite the table;
* :mod:`~migcheck.postgres.identifiers`: the 63-byte identifier limit and truncation;
* :mod:`~migcheck.postgres.naming`: the names PostgreSQL gives unnamed constraints.
"""
