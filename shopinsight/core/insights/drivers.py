"""What makes a repeat buyer: the first order, split by what was in it, against what followed.

Every customer's first purchase (their earliest counted order) is described by its main product
(the product line with the most money), that product's category, the marketplace, the country,
the discount code used and a size band (quartiles of first-order value). For each group: how
many came back within the window and the mean net revenue in that window after the first day
(first order included, returns netted out).

Only customers whose first purchase is at least the window old are compared: a customer who
first bought last week cannot have come back yet, and counting them would favour whatever the
shop sold recently. The window is 365 days when at least half the customers have been around
that long, else the longest of 180/90/60/30 days that half the customers have. The share comes
with a 95% Wilson interval, and groups of fewer than `SMALL` customers say they are small.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.insights.timeline import FIXED_SUMS, buyer_orders, first_visits, visits
from shopinsight.core.orders import order_key

DRIVERS = ("product", "category", "source", "country", "discount", "size")
WINDOWS = (365, 180, 90, 60, 30)
SMALL = 20
"""Groups with fewer customers than this are flagged: their share is mostly noise."""
Z = 1.959963984540054  # 95% two-sided


def check_driver(by: str) -> str:
    """`by` as a driver name, or a clear error naming the choices."""
    wanted = (by or "").strip().lower()
    if wanted not in DRIVERS:
        raise InputError("Bad --by", f"'{by}': use one of {', '.join(DRIVERS)}.")
    return wanted


def main_products(lines: pl.LazyFrame, orders: pl.LazyFrame) -> pl.LazyFrame:
    """Order key + sku, product_name, category of each given order's main product: the product
    line with the most money, the first line on ties (orders without products get none)."""
    key = order_key()
    return (
        lines.filter((pl.col("line_kind") == "product") & pl.col("sku").is_not_null())
        .join(orders.select(key), on=key, how="semi")
        .group_by(key)
        .agg(
            pl.col("sku", "product_name", "category")
            .sort_by(["line_total", "line_no"], descending=[True, False], nulls_last=True)
            .first()
        )
    )


def first_orders(buyers: pl.DataFrame) -> pl.DataFrame:
    """One row per customer: their first counted order (earliest, then lowest order id) with
    its descriptors, first_day, next_gap and tenure. `buyers` is `timeline.buyer_orders`."""
    return (
        buyers.lazy()
        .filter(pl.col("counted") & (pl.col("order_day") == pl.col("first_day")))
        .sort("ordered_at", "order_id")
        .unique("customer_id", keep="first", maintain_order=True)  # a mean sums them in order
        .collect()
    )


def choose_window(tenure: pl.Series) -> int:
    """The longest window (days) that at least half the customers have lived through."""
    for days in WINDOWS:
        if tenure.len() and (tenure >= days).mean() >= 0.5:  # type: ignore[operator]
            return days
    return WINDOWS[-1]


def _group_expr(by: str, bands: pl.Expr) -> pl.Expr:
    if by == "product":
        name = pl.col("product_name").fill_null(pl.col("sku"))
        return pl.when(pl.col("sku").is_null()).then(pl.lit("(no product)")).otherwise(name)
    if by == "category":
        return pl.col("category").fill_null("(no category)")
    if by == "source":
        return pl.col("source")
    if by == "country":
        return pl.col("country").fill_null("(unknown)")
    if by == "discount":
        code = pl.col("discount_code").str.strip_chars().str.to_uppercase()
        return (
            pl.when(code.is_not_null() & (code != ""))
            .then(code)
            .when(pl.col("has_discount"))
            .then(pl.lit("(discount, no code)"))
            .otherwise(pl.lit("(no discount)"))
        )
    return bands


def _bands(values: pl.Series) -> tuple[list[float], list[str]]:
    """Quartile breaks of first-order value and their labels ("up to 12.50", …)."""
    qs = [values.quantile(q) for q in (0.25, 0.5, 0.75)] if values.len() else []
    breaks = sorted({round(float(q), 2) for q in qs if q is not None})
    if not breaks:
        return [], ["all"]
    labels = [f"up to {breaks[0]:,.2f}"]
    labels += [f"{a:,.2f}–{b:,.2f}" for a, b in zip(breaks, breaks[1:], strict=False)]
    labels.append(f"over {breaks[-1]:,.2f}")
    return breaks, labels


def wilson(k: pl.Expr, n: pl.Expr, z: float = Z) -> tuple[pl.Expr, pl.Expr]:
    """The 95% Wilson score interval of k successes in n (honest for small n and 0% or 100%)."""
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z**2 / (4 * n**2)).sqrt()) / denom
    return (centre - half).clip(0.0, 1.0), (centre + half).clip(0.0, 1.0)


def first_order_facts(
    orders: pl.DataFrame,
    as_of: dt.date,
    seen: pl.DataFrame | None = None,
    buyers: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The customers every driver compares, computed once for all of them.

    Output frame: one row per customer whose first purchase is at least the window old, with
    the first order (order key, country, discount_code, has_discount, net_revenue), `again`
    (next purchase within the window) and `value` (net revenue of all their orders from the
    first day to the window's end). `seen`/`buyers`: `timeline.visits`/`buyer_orders` when
    already computed. Meta: window_days, left_out_recent (customers too new to compare).
    """
    seen = visits(orders, as_of) if seen is None else seen
    buyers = buyer_orders(orders, seen) if buyers is None else buyers
    window = choose_window(first_visits(seen).get_column("tenure"))
    old = pl.col("tenure") >= window
    # from the first day on: a credit note dated before it (goods bought before the export
    # began) is in no window of this customer's first purchase, as in the cohorts
    day, first_day = pl.col("order_day"), pl.col("first_day")
    spend = (
        buyers.lazy()
        .filter(old)
        .filter((day >= first_day) & (day <= first_day + pl.duration(days=window)))
        .group_by("customer_id")
        .agg(pl.col("net_revenue").sum().alias("value"))
    )
    first = first_orders(buyers)
    people = (
        first.lazy()
        .filter(old)
        .join(spend, on="customer_id", how="left", maintain_order="left")
        .with_columns(
            (pl.col("next_gap") <= window).fill_null(False).alias("again"),
            pl.col("value").fill_null(0.0),
        )
        .collect(engine=FIXED_SUMS)
    )
    return people, {"window_days": window, "left_out_recent": first.height - people.height}


def repeat_drivers(
    orders: pl.DataFrame,
    lines: pl.LazyFrame,
    as_of: dt.date,
    by: str = "product",
    facts: tuple[pl.DataFrame, dict[str, Any]] | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Groups of first orders and how their customers came back.

    `orders` as `shop.orders()`, `lines` as `shop.lines()`; `facts` from `first_order_facts`
    when already computed (the six drivers share them). Output frame: group, customers,
    repeaters, share, low, high (Wilson 95%), value (mean net revenue within the window after
    the first day), small; biggest groups first (size bands in their own order). Meta: by,
    window_days, customers, repeaters, share and value (the whole shop's baseline),
    left_out_recent, small_below.
    """
    by = check_driver(by)
    people, facts_meta = facts or first_order_facts(orders, as_of)
    if by in ("product", "category"):  # the only drivers that read lines
        people = people.join(
            main_products(lines, people.lazy()).collect(),
            on=order_key(),
            how="left",
            maintain_order="left",
        )
    window = facts_meta["window_days"]
    breaks, labels = _bands(people.get_column("net_revenue"))
    bands: Any = pl.lit(labels[-1])  # right-closed bands: (a, b] is "a–b"
    for edge, label in reversed(list(zip(breaks, labels, strict=False))):
        bands = pl.when(pl.col("net_revenue") <= edge).then(pl.lit(label)).otherwise(bands)
    n, k = pl.col("customers"), pl.col("repeaters")
    low, high = wilson(k, n)
    table = (
        people.lazy()
        .group_by(_group_expr(by, bands).alias("group"))
        .agg(
            pl.len().alias("customers"),
            pl.col("again").sum().alias("repeaters"),
            pl.col("value").mean().round(2).alias("value"),
        )
        .with_columns(
            (k / n).round(4).alias("share"),
            low.round(4).alias("low"),
            high.round(4).alias("high"),
            (n < SMALL).alias("small"),
        )
        .select("group", "customers", "repeaters", "share", "low", "high", "value", "small")
        .collect(engine=FIXED_SUMS)
    )
    if by == "size":
        order = {label: i for i, label in enumerate(labels)}
        table = table.sort(pl.col("group").replace_strict(order, default=len(order)))
    else:
        table = table.sort(["customers", "group"], descending=[True, False])
    total, again = people.height, int(people.get_column("again").sum())
    value = people.get_column("value").mean()
    meta = {
        "by": by,
        "window_days": window,
        "customers": total,
        "repeaters": again,
        "share": round(again / total, 4) if total else None,
        "value": round(float(value), 2) if value is not None else None,  # type: ignore[arg-type]
        "left_out_recent": facts_meta["left_out_recent"],
        "small_below": SMALL,
    }
    return table, meta
