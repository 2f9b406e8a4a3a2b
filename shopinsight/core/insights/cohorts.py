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
from typing import Any, Literal

import polars as pl

from shopinsight.core.errors import InputError

Period = Literal["month", "quarter"]
PERIODS: tuple[str, ...] = ("month", "quarter")


def check_period(by: str) -> Period:
    """`by` as a period name, or a clear error naming the choices."""
    wanted = (by or "").strip().lower()
    if wanted not in PERIODS:
        raise InputError("Bad --by", f"'{by}': cohorts are by month or quarter.")
    return wanted  # type: ignore[return-value]


def period_index(day: pl.Expr, by: Period) -> pl.Expr:
    """A running number of the period a day falls in (months or quarters since year 0), so the
    distance between two periods is a subtraction."""
    if by == "month":
        return day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1
    return day.dt.year().cast(pl.Int32) * 4 + day.dt.quarter().cast(pl.Int32) - 1


def period_label(index: pl.Expr, by: Period) -> pl.Expr:
    """ "YYYY-MM" or "YYYY-Qn" of a period index."""
    per = 12 if by == "month" else 4
    year = (index // per).cast(pl.Utf8)
    part = (index % per + 1).cast(pl.Utf8)
    if by == "month":
        return pl.concat_str(year, pl.lit("-"), part.str.zfill(2))
    return pl.concat_str(year, pl.lit("-Q"), part)


def first_purchases(orders: pl.DataFrame) -> pl.DataFrame:
    """customer_id, first_day: the day of each customer's first counted order."""
    return (
        orders.lazy()
        .filter(pl.col("counted"))
        .group_by("customer_id")
        .agg(pl.col("order_day").min().alias("first_day"))
        .collect()
    )


def cohort_grid(
    orders: pl.DataFrame, by: Period = "month", as_of: dt.date | None = None
) -> pl.DataFrame:
    """One row per cohort and period offset, zeros included.

    `orders` has customer_id, order_day, counted and net_revenue (one row per order, e.g.
    `shop.orders()`). Output: cohort (label), cohort_index, k, customers, active, revenue; sorted
    by cohort then k. Orders placed before a customer's first purchase (a credit note for goods
    bought before the export began) belong to no period of the cohort and are left out.
    """
    by = check_period(by)
    known = orders.lazy().filter(pl.col("customer_id").is_not_null())
    first = first_purchases(orders).lazy()
    if as_of is None:
        as_of = orders.get_column("order_day").max()
    if as_of is None:
        return _empty_grid()
    last = pl.lit(as_of).cast(pl.Date)
    per_customer = (
        known.join(first, on="customer_id", how="inner")
        .with_columns(
            period_index(pl.col("first_day"), by).alias("cohort_index"),
            (period_index(pl.col("order_day"), by) - period_index(pl.col("first_day"), by)).alias(
                "k"
            ),
        )
        .filter(pl.col("k") >= 0)
    )
    cells = per_customer.group_by("cohort_index", "k").agg(
        pl.col("customer_id").filter(pl.col("counted")).n_unique().alias("active"),
        pl.col("net_revenue").sum().alias("revenue"),
    )
    sizes = first.group_by(period_index(pl.col("first_day"), by).alias("cohort_index")).agg(
        pl.len().alias("customers")
    )
    grid = (
        sizes.with_columns(
            pl.int_ranges(
                0, period_index(last, by) - pl.col("cohort_index") + 1, dtype=pl.Int32
            ).alias("k")
        )
        .explode("k")
        .join(cells, on=["cohort_index", "k"], how="left")
        .with_columns(
            pl.col("active").fill_null(0).cast(pl.Int64),
            pl.col("revenue").fill_null(0.0),
            period_label(pl.col("cohort_index"), by).alias("cohort"),
            pl.col("customers").cast(pl.Int64),
        )
        .select("cohort", "cohort_index", "k", "customers", "active", "revenue")
        .sort("cohort_index", "k")
        .collect()
    )
    return grid


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
