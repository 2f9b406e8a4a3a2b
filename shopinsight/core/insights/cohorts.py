"""Cohort retention: customers grouped by the period of their first purchase.

A cohort is every customer whose first counted order (the shop's one purchase rule) fell in a
month or quarter. For each later period `k` (0 = the cohort's own), `active[k]` is how many of
them made at least one counted purchase in period cohort + k, and `revenue[k]` the net revenue of
all their orders placed in that period: return documents (negative net) included, so a returned
purchase takes its money back in the period the goods came back. Periods run to the as-of day,
so every cohort has one entry per period it has lived, zeros included.

The as-of period is often cut short (Online Retail ends on 9 December 2011: its December has 9
days): a cohort of 9 days' first buyers and a share of 9 days' comeback read as a collapse next
to full months. `partial_period` says so, and the rows mark those cells (`partial_k`).
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


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
"""Month names in English, whatever the machine's locale (`%B` follows it)."""


def _period_bounds(index: int, by: Period) -> tuple[dt.date, dt.date]:
    """The first and last day of the period `index` (`timeline.period_index`)."""
    months = 1 if by == "month" else 3
    month0 = index * months if by == "quarter" else index  # months since year 0
    start = dt.date(month0 // 12, month0 % 12 + 1, 1)
    after = month0 + months
    return start, dt.date(after // 12, after % 12 + 1, 1) - dt.timedelta(days=1)


def partial_period(
    as_of: dt.date, by: Period, data_end: dt.date | None = None
) -> dict[str, Any] | None:
    """The as-of period when the data stops before its last day, else None.

    `data_end` is the day of the last order (the as-of day when None or later). Returns
    cohort (its label), index (`timeline.period_index`), days (of data: the period's first
    day to the data's last, none when the data stopped before the period began), period_days,
    first_day, last_day (of data), said (what the data covers: "The last month, December 2011,
    has data for 9 of its 31 days (1–9 December)") and note: the sentence the cohorts show.
    """
    by = check_period(by)
    end = as_of if data_end is None else min(as_of, data_end)
    index = (as_of.year * 12 + as_of.month - 1) // (1 if by == "month" else 3)
    start, stop = _period_bounds(index, by)
    if end >= stop:
        return None
    days = max((end - start).days + 1, 0)
    period_days = (stop - start).days + 1
    label = f"{as_of.year}-{as_of.month:02d}" if by == "month" else f"{as_of.year}-Q{index % 4 + 1}"
    first, last = _MONTHS[start.month - 1], _MONTHS[end.month - 1]
    if by == "month":
        name = f"{first} {start.year}"
        span = f"{start.day}–{end.day} {first}" if days > 1 else f"{end.day} {first}"
    else:
        name = f"{label} ({first}–{_MONTHS[stop.month - 1]} {stop.year})"
        span = f"{start.day} {first} – {end.day} {last}" if days > 1 else f"{end.day} {last}"
    if days == 0:
        had = f"has no data yet (the last order is on {end.day} {last} {end.year})"
    else:
        had = f"has data for {days} of its {period_days} days ({span})"
    said = f"The last {by}, {name}, {had}"
    note = (
        f"{said}: its cohort and every cohort's cell for it are not a full {by}, so they "
        "cannot be compared with the others yet."
    )
    return {
        "cohort": label,
        "index": index,
        "days": days,
        "period_days": period_days,
        "first_day": start,
        "last_day": end,
        "said": said,
        "note": note,
    }


def _empty_grid() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "cohort": pl.Utf8, "cohort_index": pl.Int32, "k": pl.Int32, "customers": pl.Int64,
            "active": pl.Int64, "revenue": pl.Float64,
        }
    )  # fmt: skip


def cohort_rows(grid: pl.DataFrame, partial_index: int | None = None) -> pl.DataFrame:
    """One row per cohort: cohort, customers, active (list), revenue (list), share (list of
    active / customers) — the shape of the JSON and the heatmap — and partial_k: the offset of
    the cell in the partial as-of period (`partial_period`'s index; 0: the cohort itself is of
    that period), null when it is complete (`partial_index` None)."""
    partial = (
        pl.lit(None, pl.Int32)
        if partial_index is None
        else (pl.lit(partial_index, pl.Int32) - pl.col("cohort_index")).cast(pl.Int32)
    )
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
        .with_columns(partial.alias("partial_k"))
        .drop("cohort_index")
    )


def cohort_label(row: dict[str, Any]) -> str:
    """A `cohort_rows` row's cohort as the views show it: with a * when it is the partial last
    period itself (its first buyers are a part-period's)."""
    return row["cohort"] + ("*" if row.get("partial_k") == 0 else "")


def mark_partial(text: str, row: dict[str, Any], k: int) -> str:
    """A heatmap cell's text as the views show it: the cell of the partial last period
    (`partial_k`) ends with a *, "27*" for "27%" (as wide, so a year still fits 80 columns),
    "412*" for "412"."""
    return text.removesuffix("%") + "*" if k == row.get("partial_k") else text


def cohorts_json(grid: pl.DataFrame) -> list[dict[str, Any]]:
    """The `cohorts --json` contract: [{cohort, customers, active: [...], revenue: [...]}]."""
    rows = cohort_rows(grid).select("cohort", "customers", "active", "revenue")
    return rows.to_dicts()
