"""Cohort retention: customers grouped by the period of their first purchase.

A cohort is every customer whose first counted order (the shop's one purchase rule) fell in a
month or quarter. For each later period `k` (0 = the cohort's own), `active[k]` is how many of
them made at least one counted purchase in period cohort + k, and `revenue[k]` the net revenue of
all their orders placed in that period: return documents (negative net) included, so a returned
purchase takes its money back in the period the goods came back. Periods run to the as-of day,
so every cohort has one entry per period it has lived, zeros included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.insights.timeline import (
    FIXED_SUMS,
    Period,
    buyer_orders,
    period_index,
    period_label,
    visits,
)

PERIODS: tuple[str, ...] = ("month", "quarter")


def check_period(by: str) -> Period:
    """`by` as a period name, or a clear error naming the choices."""
    wanted = (by or "").strip().lower()
    if wanted not in PERIODS:
        raise InputError("Bad --by", f"'{by}': cohorts are by month or quarter.")
    return wanted  # type: ignore[return-value]


def cohort_grid(
    orders: pl.DataFrame,
    by: Period = "month",
    as_of: dt.date | None = None,
    seen: pl.DataFrame | None = None,
    buyers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per cohort and period offset, zeros included.

    `orders` has customer_id, order_day, counted and net_revenue (one row per order, e.g.
    `shop.orders()`); `seen` and `buyers` are its `timeline.visits` and `timeline.buyer_orders`
    when already computed. Output: cohort (label), cohort_index, k, customers, active, revenue;
    sorted by cohort then k. Orders placed before a customer's first purchase (a credit note
    for goods bought before the export began) belong to no period of the cohort: left out.
    """
    by = check_period(by)
    if as_of is None:
        as_of = cast("dt.date | None", orders.get_column("order_day").max())
    if as_of is None:
        return _empty_grid()
    seen = visits(orders, as_of) if seen is None else seen
    buyers = buyer_orders(orders, seen) if buyers is None else buyers
    here = period_index(pl.col("order_day"), by)
    cohort = period_index(pl.col("first_day"), by).alias("cohort_index")
    k = (here - period_index(pl.col("first_day"), by)).alias("k")
    active = (  # a customer's rows are in day order: count the first visit in each period
        seen.lazy()
        .filter((pl.col("n") == 1) | (here != here.shift(1)))
        .group_by(cohort, k)
        .agg(pl.len().cast(pl.Int64).alias("active"))
    )
    money = (
        buyers.lazy()
        .group_by(cohort, k)
        .agg(pl.col("net_revenue").sum().alias("revenue"))
        .filter(pl.col("k") >= 0)
    )
    sizes = (
        seen.lazy()
        .filter(pl.col("n") == 1)
        .group_by(cohort)
        .agg(pl.len().cast(pl.Int64).alias("customers"))
    )
    last = period_index(pl.lit(as_of).cast(pl.Date), by)
    return (
        sizes.with_columns(
            pl.int_ranges(0, last - pl.col("cohort_index") + 1, dtype=pl.Int32).alias("k")
        )
        .explode("k")
        .join(active, on=["cohort_index", "k"], how="left")
        .join(money, on=["cohort_index", "k"], how="left")
        .with_columns(
            pl.col("active").fill_null(0),
            pl.col("revenue").fill_null(0.0),
            period_label(pl.col("cohort_index"), by).alias("cohort"),
        )
        .select("cohort", "cohort_index", "k", "customers", "active", "revenue")
        .sort("cohort_index", "k")
        .collect(engine=FIXED_SUMS)
    )


def _empty_grid() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "cohort": pl.Utf8, "cohort_index": pl.Int32, "k": pl.Int32, "customers": pl.Int64,
            "active": pl.Int64, "revenue": pl.Float64,
        }
    )  # fmt: skip


def cohort_rows(grid: pl.DataFrame) -> pl.DataFrame:
    """One row per cohort: cohort, customers, active (list), revenue (list), share (list of
    active / customers) — the shape of the JSON and the heatmap."""
    return (
        grid.group_by("cohort_index", maintain_order=True)
        .agg(
            pl.col("cohort").first(),
            pl.col("customers").first(),
            pl.col("active"),
            pl.col("revenue").round(2),
            (pl.col("active") / pl.col("customers")).round(4).alias("share"),
        )
        .sort("cohort_index")
        .drop("cohort_index")
    )


def cohorts_json(grid: pl.DataFrame) -> list[dict[str, Any]]:
    """The `cohorts --json` contract: [{cohort, customers, active: [...], revenue: [...]}]."""
    rows = cohort_rows(grid).select("cohort", "customers", "active", "revenue")
    return rows.to_dicts()
