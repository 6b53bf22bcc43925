"""Reading simple CHECK constraints (as pg_get_constraintdef prints them) into bounds."""

from __future__ import annotations

from decimal import Decimal

from migcheck.data.catalog_read import Check
from migcheck.data.checks import Bounds, column_bounds

IN_LIST = (
    "CHECK (((status)::text = ANY "
    "((ARRAY['a'::character varying, 'it''s'::character varying])::text[])))"
)


def _bounds(column: str, definition: str) -> Bounds:
    found = column_bounds([Check("ck", (column,), definition)]).get(column)
    assert found is not None
    return found


def test_comparisons_and_between() -> None:
    bounds = _bounds("price", "CHECK ((price > (0)::numeric))")
    assert (bounds.low, bounds.low_strict) == (Decimal(0), True)
    between = _bounds(
        "w", "CHECK (((w >= (0.5)::double precision) AND (w <= (20)::double precision)))"
    )
    assert (between.low, between.high) == (Decimal("0.5"), Decimal(20))
    reversed_ = _bounds("n", "CHECK ((10 > n))")
    assert (reversed_.high, reversed_.high_strict) == (Decimal(10), True)


def test_in_lists_and_not_null() -> None:
    listed = _bounds("status", IN_LIST)
    assert listed.choices == ("a", "it's")
    assert _bounds("g", "CHECK ((g = ANY (ARRAY[1, 2, 3])))").choices == ("1", "2", "3")
    assert _bounds("x", "CHECK ((x IS NOT NULL)) NOT VALID").not_null


def test_other_forms_are_not_read() -> None:
    assert column_bounds([Check("ck", ("w",), "CHECK ((w ~ '^zz'::text))")]) == {}
    assert column_bounds([Check("ck", ("a", "b"), "CHECK ((a < b))")]) == {}
