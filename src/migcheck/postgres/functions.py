"""Function volatility: which built-in functions a DEFAULT or a backfill may call cheaply.

A column default that calls a VOLATILE function is evaluated once per existing row, so
``ADD COLUMN … DEFAULT f()`` rewrites the table (PostgreSQL 11+ stores a non-volatile default
once, in the catalog). Names are compared lower-case; a name qualified with a schema other than
``pg_catalog`` is not the built-in. A call is the built-in only with an argument count the
built-in accepts (:data:`ARITY`): ``now(123)`` is some other function. A function that is not a
known built-in is treated as volatile until known (a user function is VOLATILE unless declared
otherwise); its CREATE FUNCTION in the run, or the live catalog (``pg_proc.provolatile``),
settles it.
"""

from __future__ import annotations

#: built-ins that are VOLATILE: each call may return a different value
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "gen_random_bytes",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setseed",
        "txid_current",
        "pg_current_xact_id",
    }
)

#: built-ins that are STABLE or IMMUTABLE (a default using them is evaluated once since PG 11)
STABLE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_setting",
        "lower",
        "upper",
        "coalesce",
        "length",
        "abs",
        "concat",
        "to_json",
        "to_jsonb",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "jsonb_build_array",
        "array",
        "make_interval",
        "date_trunc",
        "timezone",
        "to_timestamp",
        "to_char",
        "to_date",
        "md5",
        "greatest",
        "least",
        "nullif",
        "trim",
        "btrim",
        "replace",
        "substring",
        "jsonb_object",
        "json_object",
        "array_fill",
        "round",
        "floor",
        "ceil",
        "ceiling",
        "trunc",
        "sign",
        "power",
        "sqrt",
        "mod",
        "char_length",
        "left",
        "right",
        "lpad",
        "rpad",
        "ltrim",
        "rtrim",
        "initcap",
        "split_part",
        "regexp_replace",
        "format",
        "concat_ws",
        "array_length",
        "array_append",
        "jsonb_set",
        "date_part",
        "make_date",
        "make_time",
        "make_timestamp",
        "make_timestamptz",
        "age",
        "current_database",
        "current_schema",
        "to_number",
        "encode",
        "decode",
        "sha256",
    }
)

#: how many arguments each known built-in takes: (fewest, most), None for no limit. A call with
#: another count is not the built-in (PostgreSQL would look for a function of that signature)
ARITY: dict[str, tuple[int, int | None]] = {
    "now": (0, 0),
    "transaction_timestamp": (0, 0),
    "statement_timestamp": (0, 0),
    "clock_timestamp": (0, 0),
    "timeofday": (0, 0),
    "random": (0, 2),
    "random_normal": (0, 2),
    "gen_random_uuid": (0, 0),
    "uuidv4": (0, 0),
    "uuidv7": (0, 1),
    "uuid_generate_v1": (0, 0),
    "uuid_generate_v1mc": (0, 0),
    "uuid_generate_v4": (0, 0),
    "gen_random_bytes": (1, 1),
    "nextval": (1, 1),
    "setseed": (1, 1),
    "txid_current": (0, 0),
    "pg_current_xact_id": (0, 0),
    "current_setting": (1, 2),
    "current_database": (0, 0),
    "current_schema": (0, 0),
    "lower": (1, 1),
    "upper": (1, 1),
    "coalesce": (1, None),
    "greatest": (1, None),
    "least": (1, None),
    "nullif": (2, 2),
    "length": (1, 2),
    "char_length": (1, 1),
    "abs": (1, 1),
    "concat": (0, None),
    "concat_ws": (1, None),
    "format": (1, None),
    "to_json": (1, 1),
    "to_jsonb": (1, 1),
    "json_build_object": (0, None),
    "jsonb_build_object": (0, None),
    "json_build_array": (0, None),
    "jsonb_build_array": (0, None),
    "json_object": (1, 2),
    "jsonb_object": (1, 2),
    "jsonb_set": (3, 4),
    "make_interval": (0, 7),
    "make_date": (3, 3),
    "make_time": (3, 3),
    "make_timestamp": (6, 6),
    "make_timestamptz": (6, 7),
    "date_trunc": (2, 3),
    "date_part": (2, 2),
    "age": (1, 2),
    "timezone": (2, 2),
    "to_timestamp": (1, 2),
    "to_char": (2, 2),
    "to_date": (2, 2),
    "to_number": (2, 2),
    "md5": (1, 1),
    "sha256": (1, 1),
    "encode": (2, 2),
    "decode": (2, 2),
    "btrim": (1, 2),
    "ltrim": (1, 2),
    "rtrim": (1, 2),
    "lpad": (2, 3),
    "rpad": (2, 3),
    "left": (2, 2),
    "right": (2, 2),
    "replace": (3, 3),
    "regexp_replace": (3, 6),
    "split_part": (3, 3),
    "initcap": (1, 1),
    "substring": (1, 3),
    "round": (1, 2),
    "trunc": (1, 2),
    "floor": (1, 1),
    "ceil": (1, 1),
    "ceiling": (1, 1),
    "sign": (1, 1),
    "sqrt": (1, 1),
    "power": (2, 2),
    "mod": (2, 2),
    "array_length": (2, 2),
    "array_append": (2, 2),
    "array_fill": (2, 3),
}

#: ``pg_proc.provolatile`` and CREATE FUNCTION's words, to one spelling
VOLATILITY = {
    "v": "volatile",
    "s": "stable",
    "i": "immutable",
    "volatile": "volatile",
    "stable": "stable",
    "immutable": "immutable",
}


def builtin_call(schema: str | None, name: str, arguments: int) -> bool:
    """True when a call of ``[schema.]name`` with ``arguments`` arguments is a known built-in."""
    if schema is not None and schema != "pg_catalog":
        return False
    if name not in VOLATILE_FUNCTIONS and name not in STABLE_FUNCTIONS:
        return False
    fewest, most = ARITY.get(name, (0, None))
    return arguments >= fewest and (most is None or arguments <= most)
