"""Insights against hand computations on tiny shops built in the test (red team, round 2)."""

from __future__ import annotations

import datetime as dt

import pytest

from shopinsight.core.insights.drivers import repeat_drivers
from shopinsight.core.orders import orders_frame
from tests.factories import make_lines

AS_OF = dt.date(2024, 12, 31)


def test_drivers_value_leaves_out_returns_before_the_first_purchase():
    # a's credit note of 2024-01-05 is for goods bought before the export began: it is before
    # a's first purchase (2024-02-01), so it is in no window "from the first day". Online Retail
    # has 80 such customers: the 180-day value was 1,367.74 and is 1,369.20 by hand.
    lines = make_lines(
        [
            {"order_id": "C1", "customer_id": "a", "ordered_at": "2024-01-05", "status": "returned",
             "product_name": "Mug", "quantity": -1, "unit_price": 30.0, "order_total": -30.0},
            {"order_id": "A1", "customer_id": "a", "ordered_at": "2024-02-01",
             "product_name": "Mug", "unit_price": 50.0},
            {"order_id": "B1", "customer_id": "b", "ordered_at": "2024-02-01",
             "product_name": "Tea", "unit_price": 20.0},
            {"order_id": "B2", "customer_id": "b", "ordered_at": "2024-03-01",
             "product_name": "Tea", "unit_price": 20.0},
        ]
    )  # fmt: skip
    orders = orders_frame(lines.lazy()).drop("product_skus").collect()
    table, meta = repeat_drivers(orders, lines.lazy(), AS_OF, "product")
    assert (meta["window_days"], meta["customers"], meta["repeaters"]) == (180, 2, 1)
    assert meta["value"] == pytest.approx((50 + 40) / 2)  # was (50 - 30 + 40) / 2
    values = dict(table.select("group", "value").iter_rows())
    assert values == {"Mug": 50.0, "Tea": 40.0}
