"""shop_data.prepare: orders from each order's first line, lines narrowed to line-level columns."""

from __future__ import annotations

import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from shopinsight.core.config import defaults
from shopinsight.core.shop_data import prepare
from tests.factories import make_lines

AS_OF = dt.date(2024, 3, 31)

ROWS = [
    dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-02T10:00:00", sku="TEA",
         email="a@x.com", customer_name="Ann", city="Rome", order_note="ring twice"),
    dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-02T10:00:00", sku="MUG",
         email="a@x.com", customer_name="Ann", city="Rome", order_note="ring twice"),
    dict(order_id=2, customer_id="b@x.com", ordered_at="2024-01-05T10:00:00", sku="TEA",
         gift_message="for you", quantity=3),
    dict(order_id=3, customer_id=None, ordered_at="2024-01-06T10:00:00", sku="TEA"),
    dict(order_id=4, customer_id="c@x.com", ordered_at="2024-01-07T10:00:00", sku="MUG",
         currency="EUR"),
    dict(order_id=5, customer_id="a@x.com", ordered_at="2024-02-02T10:00:00", sku="SOAP"),
    dict(order_id=5, customer_id="a@x.com", ordered_at="2024-02-02T10:00:00", sku="SOAP"),
    dict(order_id=6, customer_id="b@x.com", ordered_at="2024-05-01T10:00:00", sku="TEA"),
]  # fmt: skip


def test_orders_read_their_fields_from_the_first_line_and_lines_stay_narrow() -> None:
    data = prepare(make_lines(ROWS).lazy(), AS_OF, defaults())
    orders = data.orders.sort("order_id")
    # anonymous (3), other currency (4) and after the day (6) are left out, with notes
    assert orders["order_id"].to_list() == ["1", "2", "5"]
    assert orders["customer_name"].to_list() == ["Ann", None, None]
    assert orders["city"].to_list() == ["Rome", None, None]
    # texts read only for a flag are not kept: the flags are
    assert orders["has_note"].to_list() == [True, False, False]
    assert orders["gift"].to_list() == [False, True, False]
    assert not {"order_note", "gift_message", "discount_code", "channel"} & set(orders.columns)
    assert orders["items"].to_list() == [2, 3, 2]
    assert orders["products"].to_list() == [2, 1, 1]  # a SKU twice in order 5 counts once
    assert len(data.notes) == 2
    # the lines of kept orders only, without the order-level text repeated on every line
    assert data.lines.height == 5
    assert not {"email", "customer_name", "city", "order_note", "customer_id"} & set(
        data.lines.columns
    )
    assert {"_ok", "_ck", "_sk", "counted", "sku", "product_name", "ordered_at"} <= set(
        data.lines.columns
    )


def test_an_orders_lines_apart_give_the_same_orders_and_lines() -> None:
    """Lines not kept together by order take the general path (fields by first distinct key);
    both paths agree."""
    lines = make_lines(ROWS)
    together = prepare(lines.lazy(), AS_OF, defaults())
    apart = prepare(lines.reverse().lazy(), AS_OF, defaults())
    by_order = lambda f: f.sort("_ok")  # noqa: E731
    assert_frame_equal(by_order(together.orders), by_order(apart.orders), check_row_order=True)
    cols = ["_ok", "sku", "quantity", "counted"]
    assert_frame_equal(together.lines.select(cols).sort(cols), apart.lines.select(cols).sort(cols))
    per_sku = lambda d: d.sku_customers.drop("_sk").sort(pl.all())  # noqa: E731
    assert_frame_equal(per_sku(together), per_sku(apart))
    assert together.lines.schema == apart.lines.schema
    assert pl.Series(together.notes).equals(pl.Series(apart.notes))
