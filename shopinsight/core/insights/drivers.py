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
        .sort([*key, "line_total", "line_no"], descending=[*(False for _ in key), True, False])
        .group_by(key, maintain_order=True)
        .agg(pl.col("sku", "product_name", "category").first())
    )


def first_orders(orders: pl.DataFrame, lines: pl.LazyFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per customer: their first counted order with its descriptors, the next purchase
    day's gap (days, null if none), tenure (days to as-of), and the order key."""
    key = order_key()
    counted = orders.lazy().filter(pl.col("counted"))
    first = (
        counted.sort("customer_id", "ordered_at", "order_id")
        .group_by("customer_id", maintain_order=True)
        .first()
        .select(
            *key, "customer_id", "order_day", "net_revenue", "country", "discount_code",
            "has_discount",
        )
    )  # fmt: skip
    second = (
        counted.join(first.select("customer_id", pl.col("order_day").alias("d0")), on="customer_id")
        .filter(pl.col("order_day") > pl.col("d0"))
        .group_by("customer_id")
        .agg((pl.col("order_day").min() - pl.col("d0").first()).dt.total_days().alias("next_gap"))
    )
    return (
        first.join(main_products(lines, first), on=key, how="left")
        .join(second, on="customer_id", how="left")
        .with_columns(
            (pl.lit(as_of).cast(pl.Date) - pl.col("order_day")).dt.total_days().alias("tenure")
        )
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


def repeat_drivers(
    orders: pl.DataFrame, lines: pl.LazyFrame, as_of: dt.date, by: str = "product"
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Groups of first orders and how their customers came back.

    `orders` as `shop.orders()`, `lines` as `shop.lines()`. Output frame: group, customers,
    repeaters, share, low, high (Wilson 95%), value (mean net revenue within the window after
    the first day), small; biggest groups first (size bands in their own order). Meta: by,
    window_days, customers, repeaters, share, value (the whole shop's baseline), bands.
    """
    by = check_driver(by)
    first = first_orders(orders, lines, as_of)
    window = choose_window(first.get_column("tenure"))
    seen = first.filter(pl.col("tenure") >= window)
    spend = (
        orders.lazy()
        .filter(pl.col("customer_id").is_not_null())
        .join(seen.lazy().select("customer_id", pl.col("order_day").alias("d0")), on="customer_id")
        .filter(
            pl.col("order_day").is_between(pl.col("d0"), pl.col("d0") + pl.duration(days=window))
        )
        .group_by("customer_id")
        .agg(pl.col("net_revenue").sum().alias("value"))
    )
    breaks, labels = _bands(seen.get_column("net_revenue"))
    bands: Any = pl.lit(labels[-1])  # right-closed bands: (a, b] is "a–b"
    for edge, label in reversed(list(zip(breaks, labels, strict=False))):
        bands = pl.when(pl.col("net_revenue") <= edge).then(pl.lit(label)).otherwise(bands)
    people = (
        seen.lazy()
        .join(spend, on="customer_id", how="left")
        .with_columns(
            _group_expr(by, bands).alias("group"),
            (pl.col("next_gap") <= window).fill_null(False).alias("again"),
            pl.col("value").fill_null(0.0),
        )
    )
    n, k = pl.col("customers"), pl.col("repeaters")
    low, high = wilson(k, n)
    table = (
        people.group_by("group")
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
        .collect()
    )
    if by == "size":
        order = {label: i for i, label in enumerate(labels)}
        table = table.sort(pl.col("group").replace_strict(order, default=len(order)))
    else:
        table = table.sort(["customers", "group"], descending=[True, False])
    total, again = seen.height, int(people.select(pl.col("again").sum()).collect().item() or 0)
    value = people.select(pl.col("value").mean()).collect().item()
    meta = {
        "by": by,
        "window_days": window,
        "customers": total,
        "repeaters": again,
        "share": round(again / total, 4) if total else None,
        "value": round(value, 2) if value is not None else None,
        "left_out_recent": first.height - total,
        "small_below": SMALL,
    }
    return table, meta
