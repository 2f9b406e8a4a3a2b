"""The offers' currency without a configured one: one currency with money in it is that one;
otherwise (several, or none sold) the shared main-currency rule over the orders decides."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.bundles.audience import offer_currency
from shopinsight.core.orders import main_currency
from tests.factories import make_lines


def lines_in(currencies: list[str | None], price: float = 10.0) -> pl.LazyFrame:
    rows = [
        dict(order_id=f"o{i}", customer_id=f"c{i}", ordered_at="2024-03-01", sku="A",
             unit_price=price, currency=cur)
        for i, cur in enumerate(currencies)
    ]  # fmt: skip
    return make_lines(rows).lazy()


@pytest.mark.parametrize(
    "currencies",
    [["USD", "USD", "USD"], ["USD", None, "USD"], ["EUR", "USD", "USD"], ["USD", "EUR", "EUR"]],
)
def test_offer_currency_is_the_main_currency(currencies: list[str | None]) -> None:
    lines = lines_in(currencies)
    expected = main_currency(lines)
    assert expected is not None
    assert offer_currency(lines, None) == expected
    as_category = lines.with_columns(pl.col("currency").cast(pl.Categorical))
    assert offer_currency(as_category, None) == expected


def test_one_currency_is_that_one_and_several_go_by_the_rule() -> None:
    assert offer_currency(lines_in(["GBP", None, "GBP"]), None) == "GBP"
    mixed = lines_in(["USD", "EUR", "EUR"])
    assert offer_currency(mixed, None) == main_currency(mixed) == "EUR"


def test_nothing_sold_is_left_to_the_rule() -> None:
    free = lines_in(["USD", "USD"], price=0.0)
    assert offer_currency(free, None) == main_currency(free)
