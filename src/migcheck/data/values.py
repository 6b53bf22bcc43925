"""SQL expressions that make a column's value from the row index ``i`` of ``generate_series``.

Every value is a pure function of ``i`` and a salt (the seed, table and column hashed in
Python), so the same seed gives the same rows; nothing calls ``random()``. ``mix(i, salt)`` is
the server's seeded hash of ``i``, cut to 32 bits. A *distinct* column (one that keeps a
unique index or primary key distinct) takes a value that is injective in ``i`` instead, and
says how many distinct values it can make.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from psycopg import sql

from migcheck.data.catalog_read import Column
from migcheck.data.checks import Bounds
from migcheck.postgres.types import INTEGER_RANGES

#: the index column of ``generate_series(1, n) AS g(i)``
INDEX = sql.Identifier("g", "i")
_MIXED = 2**32  # mix() is below this
#: a nullable column is NULL in about one row in this many
NULL_ONE_IN = 10
#: default value ranges: integers from 1, decimals from 0, dates and times over six years
_INT_SPAN = 1_000_000
_DECIMAL_SPAN = 10_000
_DAYS = 2192
_SECONDS = _DAYS * 86_400
_TEXT_TYPES = {"text", "varchar", "bpchar", "name", "citext"}


def salt(*parts: object) -> int:
    """A stable number from ``parts`` (the seed, a table, a column): 0 ≤ salt < 10**9."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 1_000_000_000


def mix(key: int, index: sql.Composable = INDEX) -> sql.Composable:
    """A well-spread number in [0, 2**32) from ``index`` and ``key``, the same on every run.

    ``hashint8extended`` is the seeded 64-bit hash PostgreSQL routes hash partitions with, so
    it cannot change between releases without breaking them.
    """
    return sql.SQL("(hashint8extended({}, {}) & 4294967295)").format(index, sql.Literal(key))


@dataclass(frozen=True, slots=True)
class Values:
    """How a column is filled: the expression, and how many distinct values it can take."""

    expression: sql.Composable
    capacity: int | None  # distinct values when injective in ``i``; None: as many as rows


def generate(column: Column, bounds: Bounds, distinct: bool, rows: int, key: int) -> Values | str:
    """The values of ``column`` for ``rows`` rows; a reason when its type is not generated.

    ``distinct`` asks for values injective in ``i`` (a unique or primary key). NULLs are not
    added here (see :func:`with_nulls`).
    """
    element = _element(column, bounds, distinct, rows, key)
    if isinstance(element, str):
        return element
    cast = sql.SQL("CAST({} AS {})").format(
        element.expression, sql.Identifier(column.cast_schema, column.cast_name)
    )
    if not column.type.array:
        return Values(cast, element.capacity)
    if distinct:
        return Values(sql.SQL("ARRAY[{}]").format(cast), element.capacity)
    items = []
    for n in range(1, 4):
        extra = _element(column, bounds, False, rows, salt(key, n))
        assert not isinstance(extra, str)
        items.append(
            sql.SQL("CAST({} AS {})").format(
                extra.expression, sql.Identifier(column.cast_schema, column.cast_name)
            )
        )
    array = sql.SQL("(ARRAY[{}])[1:mod({}, 4)]").format(sql.SQL(", ").join(items), mix(key))
    return Values(array, None)


def with_nulls(expression: sql.Composable, key: int) -> sql.Composable:
    """``expression``, NULL in about one row in :data:`NULL_ONE_IN`."""
    return sql.SQL("CASE WHEN mod({}, {}) = 0 THEN NULL ELSE {} END").format(
        mix(salt(key, "null")), sql.Literal(NULL_ONE_IN), expression
    )


def _element(column: Column, bounds: Bounds, distinct: bool, rows: int, key: int) -> Values | str:
    name = column.type.name
    if bounds.choices is not None:
        return _pick(bounds.choices, distinct, key)
    if column.category == "E":
        return _pick(column.enum_labels, distinct, key)
    if name in INTEGER_RANGES:
        return _integer(name, bounds, distinct, key)
    if name in {"numeric", "float4", "float8", "money"}:
        return _decimal(column, bounds, distinct, key)
    if name in _TEXT_TYPES or column.category == "S":
        return _text(column, distinct, rows, key)
    made = _FIXED.get(name)
    if made is None:
        return f"no generator for type {column.display}"
    expression, capacity = made(distinct, key)
    return Values(expression, capacity)


def _pick(choices: tuple[str, ...], distinct: bool, key: int) -> Values | str:
    if not choices:
        return "no allowed value"
    array = sql.SQL("(ARRAY[{}]::text[])").format(sql.SQL(", ").join(map(sql.Literal, choices)))
    position = (
        INDEX
        if distinct
        else sql.SQL("1 + mod({}, {})").format(mix(key), sql.Literal(len(choices)))
    )
    return Values(sql.SQL("{}[{}]").format(array, position), len(choices))


def _integer(name: str, bounds: Bounds, distinct: bool, key: int) -> Values | str:
    type_low, type_high = INTEGER_RANGES[name]
    one = Decimal(1)
    high = type_high
    if bounds.high is not None:
        high = min(type_high, int(_edge(bounds.high, bounds.high_strict, one)))
    low = 1 if high >= 1 else max(type_low, high - _INT_SPAN + 1)
    if bounds.low is not None:
        low = max(type_low, int(_edge(bounds.low, bounds.low_strict, one, up=True)))
    return _spread(low, high, _INT_SPAN, distinct, key, lambda value: value)


def _decimal(column: Column, bounds: Bounds, distinct: bool, key: int) -> Values | str:
    mods = column.type.mods
    scale = 2
    if column.type.name == "numeric" and mods:
        scale = max(mods[1], 0) if len(mods) == 2 else 0
    unit = Decimal(1).scaleb(-scale)
    limit = Decimal(10).scaleb(mods[0] - scale - 1) * 10 - unit if mods else Decimal(10**15)
    if column.type.name != "numeric":
        limit = Decimal(10**15)
    high = limit
    if bounds.high is not None:
        high = min(limit, _edge(bounds.high, bounds.high_strict, unit))
    low = Decimal(0) if high >= 0 else max(-limit, high - _DECIMAL_SPAN)
    if bounds.low is not None:
        low = max(-limit, _edge(bounds.low, bounds.low_strict, unit, up=True))
    factor = 10**scale

    def wrap(units: sql.Composable) -> sql.Composable:
        return sql.SQL("round(CAST({} AS numeric) / {}, {})").format(
            units, sql.Literal(factor), sql.Literal(scale)
        )

    span = _DECIMAL_SPAN * factor
    return _spread(int(low * factor), int(high * factor), span, distinct, key, wrap)


def _edge(value: Decimal, strict: bool, step: Decimal, up: bool = False) -> Decimal:
    """The first multiple of ``step`` inside a bound at ``value`` (above it when ``up``)."""
    units = (value / step).quantize(Decimal(1), rounding=ROUND_CEILING if up else ROUND_FLOOR)
    if strict and units * step == value:
        units += 1 if up else -1
    return units * step


def _spread(
    low: int,
    high: int,
    default_span: int,
    distinct: bool,
    key: int,
    wrap: Callable[[sql.Composable], sql.Composable],
) -> Values | str:
    """Integers in [low, high], made into the column's values by ``wrap``."""
    if low > high:
        return "the CHECK constraints leave no value to generate"
    if distinct:
        return Values(
            wrap(sql.SQL("({} + {} - 1)").format(sql.Literal(low), INDEX)), high - low + 1
        )
    span = min(high - low + 1, default_span, _MIXED)
    value = sql.SQL("({} + mod({}, {}))").format(sql.Literal(low), mix(key), sql.Literal(span))
    return Values(wrap(value), None)


def _text(column: Column, distinct: bool, rows: int, key: int) -> Values:
    """Text within the declared length: ``name-17`` when distinct, hex otherwise."""
    mods = column.type.mods
    length = mods[0] if mods else (1 if column.type.name == "bpchar" else None)
    digits = len(str(max(rows, 1)))
    if "email" in column.name.lower() and (length is None or length >= digits + 16):
        number = INDEX if distinct else mix(key)
        return Values(sql.SQL("'user' || {} || '@example.com'").format(number), None)
    if distinct:
        prefix = column.name[:24] + "-"
        capacity = None
        if length is not None and length < len(prefix) + digits:
            prefix = prefix[: max(length - digits, 0)]
            capacity = 10**length - 1 if length < digits else None
        return Values(sql.SQL("{} || {}").format(sql.Literal(prefix), INDEX), capacity)
    hexed = sql.SQL("md5(CAST({} AS text))").format(mix(key))
    if length is not None and length < 12:
        return Values(sql.SQL("left({}, {})").format(hexed, sql.Literal(length)), None)
    label = sql.Literal(column.name[:8] + " ")
    cut = sql.Literal(min(length or 24, 24))
    return Values(sql.SQL("left({} || {}, {})").format(label, hexed, cut), None)


def _fixed(distinct_sql: str, spread_sql: str | None = None, capacity: int | None = None) -> _Maker:
    """A type whose values come from a template: ``{i}`` the index, ``{r}`` a mix of it.

    ``spread_sql`` (for a column that need not be distinct) defaults to ``distinct_sql``.
    """

    def make(distinct: bool, key: int) -> tuple[sql.Composable, int | None]:
        template = distinct_sql if distinct or spread_sql is None else spread_sql
        expression = sql.SQL(template).format(i=INDEX, r=mix(key), salt=sql.Literal(str(key)))
        return expression, capacity if distinct else None

    return make


def _moments(start: str, step: str, spread: int) -> tuple[str, str]:
    """One ``step`` per row from ``start`` when distinct; else spread over ``spread`` seconds."""
    return (
        f"{start} + {{i}} * INTERVAL '1 {step}'",
        f"{start} + mod({{r}}, {spread}) * INTERVAL '1 second'",
    )


_Maker = Callable[[bool, int], tuple[sql.Composable, "int | None"]]
_JSON = (
    "jsonb_build_object('n', {i}, 'tag', left(md5(CAST({r} AS text)), 8), 'score', mod({r}, 100))"
)
_TIME = _moments("TIME '00:00'", "millisecond", 86_400)
_FIXED: dict[str, _Maker] = {
    "bool": _fixed("mod({i}, 2) = 0", "mod({r}, 2) = 0", 2),
    "date": _fixed(
        "DATE '2000-01-01' + CAST({i} AS int)",
        f"DATE '2020-01-01' + CAST(mod({{r}}, {_DAYS}) AS int)",
        2_900_000,
    ),
    "timestamp": _fixed(*_moments("TIMESTAMP '2020-01-01'", "second", _SECONDS)),
    "timestamptz": _fixed(*_moments("TIMESTAMPTZ '2020-01-01 00:00+00'", "second", _SECONDS)),
    "time": _fixed(*_TIME, 86_399_999),
    "timetz": _fixed(
        f"CAST({_TIME[0]} AS text) || '+00'", f"CAST({_TIME[1]} AS text) || '+00'", 86_399_999
    ),
    "interval": _fixed(*_moments("INTERVAL '0'", "second", 1_000_000)),
    "uuid": _fixed("CAST(md5({salt} || ':' || {i}) AS uuid)"),
    "jsonb": _fixed(_JSON),
    "json": _fixed(f"CAST({_JSON} AS json)"),
    "bytea": _fixed("decode(md5({salt} || ':' || {i}), 'hex')"),
    "inet": _fixed("INET '10.0.0.0' + {i}", "INET '10.0.0.0' + mod({r}, 16777216)", 16_777_215),
    "cidr": _fixed(
        "set_masklen(INET '10.0.0.0' + {i} * 256, 24)",
        "set_masklen(INET '10.0.0.0' + mod({r}, 65536) * 256, 24)",
        65_535,
    ),
}
