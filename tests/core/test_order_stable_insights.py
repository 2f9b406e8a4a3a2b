"""The insights give the same numbers on every run of a big shop.

Polars' default (streaming) engine sums a group's floats in whatever order its morsels finish:
the last bits of a sum change from run to run (500k rows: most groups). Rounded to cents they
flip at half a cent (a mean of two customers' spend is often exactly x.xx5) and an `other`
that is zero came out as 0.0 or -0.0; the insights that print money sum in a fixed order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from shopinsight.core.insights.cohorts import cohort_grid
from shopinsight.core.insights.drivers import first_order_facts, repeat_drivers
from shopinsight.core.insights.repeat import new_vs_returning, repeat_curve
from shopinsight.core.insights.timeline import visits

ORDERS = 400_000
CUSTOMERS = 40_000
AS_OF = dt.date(2026, 6, 30)
RUNS = 3


def _orders() -> pl.DataFrame:
    """One row per order as `shop.orders()` has it: cents amounts over two years."""
    rng = np.random.default_rng(5)
    customer = rng.integers(0, CUSTOMERS, ORDERS)
    start = (dt.date(2024, 7, 1) - dt.date(1970, 1, 1)).days
    day = pl.Series("order_day", rng.integers(0, 730, ORDERS) + start).cast(pl.Int32)
    return pl.DataFrame(
        {
            "source": "generic",
            "store": "",
            "order_id": pl.int_range(ORDERS, eager=True).cast(pl.String),
            "customer_id": pl.Series(customer).cast(pl.String),
            "order_day": day.cast(pl.Date),
            "counted": True,
            "net_revenue": rng.integers(100, 50_000, ORDERS) / 100,
            # two customers per country: a group's mean spend is often exactly half a cent
            "country": pl.Series(customer // 2).cast(pl.String),
            "discount_code": None,
            "has_discount": False,
        },
        schema_overrides={"discount_code": pl.String},
    ).with_columns(pl.col("order_day").cast(pl.Datetime("us", "UTC")).alias("ordered_at"))


ORDERS_FRAME = _orders()


def _same(make) -> None:
    first = make()
    for _ in range(RUNS - 1):
        again = make()
        assert again.equals(first), "another result on another run"


def test_first_order_spend_is_the_same_on_every_run():
    _same(lambda: first_order_facts(ORDERS_FRAME, AS_OF)[0].sort("customer_id"))


def test_drivers_are_the_same_on_every_run():
    for by in ("country", "size"):
        _same(lambda by=by: repeat_drivers(ORDERS_FRAME, pl.LazyFrame(), AS_OF, by=by)[0])


def test_new_vs_returning_is_the_same_on_every_run_and_never_minus_zero():
    def split() -> pl.DataFrame:
        return new_vs_returning(ORDERS_FRAME, cohort_grid(ORDERS_FRAME, "month", AS_OF))

    _same(split)
    other = split().get_column("other").to_numpy()
    assert not np.signbit(other[other == 0.0]).any()


def test_cohort_revenue_is_the_same_on_every_run():
    _same(lambda: cohort_grid(ORDERS_FRAME, "month", AS_OF))


def test_repeat_curve_counts_day_by_day():
    """The curve's histograms are cumulated in day order (a join's order is not promised)."""
    seen = visits(ORDERS_FRAME, AS_OF)
    curve = repeat_curve(seen)
    first = seen.filter(pl.col("n") == 1)
    for day in (0, 30, 365, 700):
        old = first.filter(pl.col("tenure") >= day)
        back = old.filter(pl.col("next_gap") <= day).height
        row = curve.filter(pl.col("day") == day).row(0, named=True)
        assert (row["customers"], row["returned"]) == (old.height, back)
