"""Retention insights on a hand-made shop: every number below was worked out by hand.

The shop, as of 2025-01-31 (USD):

- a: 2024-01-05 MUG×2 (20, code WELCOME), 01-15 TEA (5), 02-24 MUG (10), 06-03 TEA (5)
  → purchase days 01-05, 01-15, 02-24, 06-03: gaps 10, 40, 100.
- b: 2024-01-20 10:00 TEA (5) and 12:00 MUG (10) — one purchase day — then 02-19 MUG (10) (gap
  30), and 03-20 a cancelled order (not a purchase, 0 money).
- c: 2024-02-10 MUG (10), returned 02-12 by a credit note (-10): one purchase, net 0.
- d: 2024-03-01 TEA refunded in full (not a purchase), 04-05 TEA (5), 12-01 TEA (5) (gap 240).
- e: 2024-12-20 MUG (10): 42 days old at the as-of day.
- an order without a buyer on 2024-05-05 (7).

Days from each first purchase to 2025-01-31: a 392, b 377, c 356, d 301, e 42.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.insights.cohorts import cohort_grid, cohorts_json
from shopinsight.core.insights.drivers import repeat_drivers, wilson
from shopinsight.core.insights.journey import product_journey
from shopinsight.core.insights.repeat import new_vs_returning, repeat_curve, repeat_steps
from shopinsight.core.insights.timeline import visits
from shopinsight.core.orders import orders_frame
from shopinsight.core.shop import Shop
from tests.factories import make_lines

AS_OF = dt.date(2025, 1, 31)


def shop_rows() -> list[dict]:
    mug = {"sku": "MUG", "product_name": "Mug", "category": "Kitchen", "unit_price": 10.0}
    tea = {"sku": "TEA", "product_name": "Tea", "category": "Pantry", "unit_price": 5.0}
    return [
        {"order_id": "A1", "customer_id": "a@x", "ordered_at": "2024-01-05", **mug,
         "quantity": 2, "discount_code": "welcome"},
        {"order_id": "A2", "customer_id": "a@x", "ordered_at": "2024-01-15", **tea},
        {"order_id": "A3", "customer_id": "a@x", "ordered_at": "2024-02-24", **mug},
        {"order_id": "A4", "customer_id": "a@x", "ordered_at": "2024-06-03", **tea},
        {"order_id": "B1", "customer_id": "b@x", "ordered_at": "2024-01-20T10:00:00", **tea},
        {"order_id": "B1b", "customer_id": "b@x", "ordered_at": "2024-01-20T12:00:00", **mug},
        {"order_id": "B2", "customer_id": "b@x", "ordered_at": "2024-02-19", **mug},
        {"order_id": "B3", "customer_id": "b@x", "ordered_at": "2024-03-20", **mug,
         "status": "cancelled"},
        {"order_id": "C1", "customer_id": "c@x", "ordered_at": "2024-02-10", **mug},
        {"order_id": "C1R", "customer_id": "c@x", "ordered_at": "2024-02-12", **mug,
         "quantity": -1, "status": "returned"},
        {"order_id": "D0", "customer_id": "d@x", "ordered_at": "2024-03-01", **tea,
         "status": "refunded", "refunded": 5.0},
        {"order_id": "D1", "customer_id": "d@x", "ordered_at": "2024-04-05", **tea},
        {"order_id": "D2", "customer_id": "d@x", "ordered_at": "2024-12-01", **tea},
        {"order_id": "E1", "customer_id": "e@x", "ordered_at": "2024-12-20", **mug},
        {"order_id": "Z1", "customer_id": None, "ordered_at": "2024-05-05", **mug,
         "unit_price": 7.0},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def lines() -> pl.DataFrame:
    return make_lines(shop_rows())


@pytest.fixture(scope="module")
def orders(lines) -> pl.DataFrame:
    return orders_frame(lines.lazy()).drop("product_skus").collect()


@pytest.fixture
def shop(ws, lines) -> Shop:
    ws.commit(lines, [])
    return Shop.open(ws, as_of=AS_OF)


def test_repeat_steps_by_hand(orders):
    steps = repeat_steps(visits(orders, AS_OF))
    first = steps["first_to_second"]
    assert (first["customers"], first["returned"], first["median_days"]) == (5, 3, 30)
    # ≤30: a and b of all 5 (e is 42 days old); ≤60..180: a, b of a-d; ≤365: a, b of a, b
    assert first["within_days"] == {"30": 0.4, "60": 0.5, "90": 0.5, "180": 0.5, "365": 1.0}
    assert first["eligible"] == {"30": 5, "60": 4, "90": 4, "180": 4, "365": 2}
    second = steps["second_to_third"]  # a (01-15, back in 40), b (02-19), d (12-01, 61 days old)
    assert (second["customers"], second["returned"], second["median_days"]) == (3, 1, 40)
    assert second["within_days"] == {"30": 0.0, "60": 0.3333, "90": 0.5, "180": 0.5, "365": 1.0}
    third = steps["third_to_fourth"]  # a only (02-24, back in 100, 342 days old)
    assert (third["customers"], third["returned"], third["median_days"]) == (1, 1, 100)
    assert third["within_days"] == {"30": 0.0, "60": 0.0, "90": 0.0, "180": 1.0, "365": None}


def test_repeat_curve_by_hand(orders):
    curve = repeat_curve(visits(orders, AS_OF))
    at = {row["day"]: row for row in curve.iter_rows(named=True)}
    assert (at[9]["customers"], at[9]["returned"]) == (5, 0)
    assert at[10]["share"] == pytest.approx(0.2)  # a back on day 10
    assert at[30]["share"] == pytest.approx(0.4)  # the same number as within_days["30"]
    assert (at[43]["customers"], at[43]["share"]) == (4, 0.5)  # e is 42 days old: out
    assert at[240]["share"] == pytest.approx(0.75)  # d back on day 240
    assert (at[302]["customers"], at[302]["returned"]) == (3, 2)  # d (301 days old) out
    assert curve["day"].max() == 392  # a's first purchase is the oldest


def test_cohorts_by_month_by_hand(orders):
    data = {c["cohort"]: c for c in cohorts_json(cohort_grid(orders, "month", AS_OF))}
    assert list(data) == ["2024-01", "2024-02", "2024-04", "2024-12"]
    jan = data["2024-01"]
    assert jan["customers"] == 2 and len(jan["active"]) == 13  # Jan 2024 .. Jan 2025
    assert jan["active"] == [2, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert jan["revenue"] == [40.0, 20.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0, 0, 0, 0, 0, 0]
    assert data["2024-02"]["active"][:2] == [1, 0]
    assert data["2024-02"]["revenue"][0] == 0.0  # c's purchase and its credit note
    apr = data["2024-04"]  # d's refunded March order is before the cohort: left out
    assert apr["active"] == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert apr["revenue"] == [5.0, 0, 0, 0, 0, 0, 0, 0, 5.0, 0]
    assert data["2024-12"] == {"cohort": "2024-12", "customers": 1, "active": [1, 0],
                               "revenue": [10.0, 0.0]}  # fmt: skip


def test_cohorts_by_quarter_by_hand(orders):
    data = {c["cohort"]: c for c in cohorts_json(cohort_grid(orders, "quarter", AS_OF))}
    assert list(data) == ["2024-Q1", "2024-Q2", "2024-Q4"]
    assert data["2024-Q1"]["customers"] == 3
    assert data["2024-Q1"]["active"] == [3, 1, 0, 0, 0]
    assert data["2024-Q1"]["revenue"] == [60.0, 5.0, 0.0, 0.0, 0.0]
    assert data["2024-Q2"]["active"] == [1, 0, 1, 0]


def test_new_vs_returning_by_hand(orders):
    grid = cohort_grid(orders, "month", AS_OF)
    months = {r["month"]: r for r in new_vs_returning(orders, grid).iter_rows(named=True)}
    assert (months["2024-01"]["new"], months["2024-01"]["returning"]) == (40.0, 0.0)
    assert (months["2024-02"]["new"], months["2024-02"]["returning"]) == (0.0, 20.0)
    assert months["2024-02"]["new_customers"] == 1
    assert months["2024-02"]["returning_customers"] == 2
    assert months["2024-05"]["other"] == 7.0  # no buyer
    assert months["2024-06"]["returning"] == 5.0


def test_wilson_interval_textbook_values():
    frame = pl.DataFrame({"k": [5, 0, 10], "n": [10, 10, 10]})
    low, high = wilson(pl.col("k"), pl.col("n"))
    out = frame.select(low.alias("low"), high.alias("high"))
    assert out["low"].to_list() == pytest.approx([0.2366, 0.0, 0.7225], abs=1e-4)
    assert out["high"].to_list() == pytest.approx([0.7634, 0.2775, 1.0], abs=1e-4)


def test_drivers_by_hand(orders, lines):
    # window: 180 days (4 of 5 customers are that old; 365: only 2); e is left out
    table, meta = repeat_drivers(orders, lines.lazy(), AS_OF, "product")
    assert (meta["window_days"], meta["customers"], meta["repeaters"]) == (180, 4, 2)
    assert meta["left_out_recent"] == 1
    # 180-day value: a 20+5+10+5 = 40, b 5+10+10 = 25, c 10-10 = 0, d 5 (D2 is day 240)
    assert meta["value"] == pytest.approx((40 + 25 + 0 + 5) / 4)
    rows = {r["group"]: r for r in table.iter_rows(named=True)}
    assert (rows["Mug"]["customers"], rows["Mug"]["repeaters"]) == (2, 1)  # a, c
    assert rows["Mug"]["value"] == 20.0 and rows["Tea"]["value"] == 15.0  # b, d
    assert rows["Mug"]["small"] and 0 < rows["Mug"]["low"] < 0.5 < rows["Mug"]["high"] < 1
    codes, _ = repeat_drivers(orders, lines.lazy(), AS_OF, "discount")
    by_code = {r["group"]: (r["customers"], r["repeaters"]) for r in codes.iter_rows(named=True)}
    assert by_code == {"WELCOME": (1, 1), "(no discount)": (3, 1)}
    cats, _ = repeat_drivers(orders, lines.lazy(), AS_OF, "category")
    assert set(cats["group"]) == {"Kitchen", "Pantry"}
    # first-order values 20 (a), 5 (b: B1, the first order of the day), 10 (c), 5 (d):
    # nearest-rank quartiles 5, 10, 10 → bands up to 5, 5–10, over 10, in that order
    sizes, _ = repeat_drivers(orders, lines.lazy(), AS_OF, "size")
    assert sizes.select("group", "customers", "repeaters").rows() == [
        ("up to 5.00", 2, 1), ("5.00–10.00", 1, 0), ("over 10.00", 1, 1)
    ]  # fmt: skip
    with pytest.raises(InputError, match="Bad --by"):
        repeat_drivers(orders, lines.lazy(), AS_OF, "colour")


def test_journey_by_hand(orders, lines):
    journey = product_journey(orders, lines.lazy())
    got = {(r["first_sku"], r["next_sku"]): (r["customers"], r["share"]) for r in journey.rows(
        named=True)}  # fmt: skip
    # a: Mug → Tea; b: Tea (the first order of the day) → Mug; d: Tea → Tea
    assert got == {("MUG", "TEA"): (1, 1.0), ("TEA", "MUG"): (1, 0.5), ("TEA", "TEA"): (1, 0.5)}


def test_shop_hands_out_the_same_numbers(shop, orders):
    assert shop.repeat().steps == repeat_steps(visits(orders, AS_OF))
    assert shop.cohorts("quarter").to_json() == cohorts_json(cohort_grid(orders, "quarter", AS_OF))
    assert shop.drivers("discount").meta["window_days"] == 180
    assert shop.journey().height == 3
    # an earlier as-of day sees less: on 2024-02-29, only a and b have come back
    early = Shop.open(shop.ws, as_of="2024-02-29")
    assert early.repeat().steps["first_to_second"]["returned"] == 2
    assert [c["cohort"] for c in early.cohorts().to_json()] == ["2024-01", "2024-02"]


def test_bad_period_is_a_clear_error(shop):
    with pytest.raises(InputError, match="month or quarter"):
        shop.cohorts("week")
