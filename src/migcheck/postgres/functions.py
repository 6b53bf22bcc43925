"""Function volatility: which built-in functions a DEFAULT or a backfill may call cheaply.

A column default that calls a VOLATILE function is evaluated once per existing row, so
``ADD COLUMN … DEFAULT f()`` rewrites the table (PostgreSQL 11+ stores a non-volatile default
once, in the catalog). Names are compared lower-case and without a schema. A function in neither
set is treated as volatile until known (a user function is VOLATILE unless declared otherwise);
the live catalog settles it (``pg_proc.provolatile``).
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
