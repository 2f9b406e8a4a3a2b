"""Each customer's purchase timeline, computed once and shared by every retention insight.

A customer's purchases are their distinct days with a counted order (the shop's one purchase
rule; two orders on one day are one visit). `visits` lists them in order; `buyer_orders` gives
every order (returns included) of customers with a purchase, with their first purchase day.
Both avoid global sorts and window functions over string customer ids: at a million order
lines those dominate the time, so grouping happens once and the rest works on whole columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

import polars as pl

from shopinsight.core.schema import ORDER_KEY

Period = Literal["month", "quarter"]

BUYER_COLUMNS = (
    *ORDER_KEY, "customer_id", "ordered_at", "order_day", "counted", "net_revenue", "country",
    "discount_code", "has_discount",
)  # fmt: skip
"""The order columns the insights read (a narrow frame joins and sorts faster)."""

FIXED_SUMS: Literal["in-memory"] = "in-memory"
"""The engine of queries whose money sums are printed: Polars' default (streaming) engine adds
a group's floats in the order its morsels finish, so a sum's last bits changed from run to run
(cents rounded off half a cent either way, a zero `other` printed as -0.0); the in-memory engine
adds them in row order."""


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


def visits(orders: pl.DataFrame, as_of: dt.date | None = None) -> pl.DataFrame:
    """One row per customer and distinct purchase day, a customer's rows together and in day
    order: customer_id, order_day, n (1 = first), first_day, next_gap (days to the next
    purchase day, null if none yet), tenure (days from this purchase to the as-of day).

    `orders` is one row per order with customer_id, order_day and counted (`shop.orders()`).
    """
    as_of = as_of or cast("dt.date | None", orders.get_column("order_day").max())
    day, n = pl.col("order_day"), pl.col("n")
    return (  # lists per customer, exploded: "the next row" is the next visit when n is one more
        orders.lazy()
        .filter(pl.col("counted"))
        .group_by("customer_id")
        .agg(day.unique().sort())
        .with_columns(pl.int_ranges(1, day.list.len() + 1, dtype=pl.Int32).alias("n"))
        .explode("order_day", "n")
        .with_columns(
            pl.when(n == 1).then(day).forward_fill().alias("first_day"),
            pl.when(n.shift(-1) == n + 1)
            .then((day.shift(-1) - day).dt.total_days())
            .cast(pl.Int32)
            .alias("next_gap"),
            (pl.lit(as_of).cast(pl.Date) - day).dt.total_days().cast(pl.Int32).alias("tenure"),
        )
        .collect()
    )


def first_visits(seen: pl.DataFrame) -> pl.DataFrame:
    """customer_id, first_day, next_gap (to the second purchase), tenure (of the first)."""
    return seen.filter(pl.col("n") == 1).select("customer_id", "first_day", "next_gap", "tenure")


def buyer_orders(orders: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """Every order of the customers with a purchase — return documents, cancelled and refunded
    orders included — with the customer's first_day, next_gap and tenure (see `first_visits`);
    only the `BUYER_COLUMNS` of the orders."""
    wanted = [c for c in orders.columns if c in BUYER_COLUMNS]
    return orders.select(wanted).join(  # in order: money is summed in this order (FIXED_SUMS)
        first_visits(seen), on="customer_id", how="inner", maintain_order="left"
    )
