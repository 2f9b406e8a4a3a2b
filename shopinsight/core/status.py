"""The shop at a glance: what `shopinsight status` and the overview screen show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from shopinsight.core.orders import lines_as_of, orders_frame, parse_as_of
from shopinsight.core.workspace import Workspace


def shop_status(ws: Workspace, as_of: str | dt.date | None = None) -> dict[str, Any]:
    """Counts, date range, net revenue per currency, repeat rate, AOV, monthly revenue, imports.

    Net revenue is order total minus refunds, cancelled orders excluded, per currency (never
    summed across currencies).
    """
    lines = ws.lines()
    day = parse_as_of(as_of)
    if day is not None:
        lines = lines_as_of(lines, day)
    orders = (
        orders_frame(lines)
        .collect()
        .with_columns(
            pl.col("currency").fill_null("unknown")  # an export that did not say, no setting either
        )
    )
    counted = orders.filter(pl.col("counted"))
    per_customer = counted.group_by("customer_id").agg(pl.col("order_day").n_unique().alias("n"))
    customers = per_customer.height
    repeat = per_customer.filter(pl.col("n") >= 2).height
    revenue = (
        orders.filter(pl.col("status") != "cancelled")
        .group_by("currency")
        .agg(pl.col("net_revenue").sum().round(2), pl.len().alias("orders"))
        .sort("net_revenue", descending=True)
    )
    open_orders = orders.filter(
        (pl.col("status") == "paid") & ~pl.col("fulfilled").fill_null(True)
    ).height
    monthly = (
        counted.group_by(pl.col("ordered_at").dt.strftime("%Y-%m").alias("month"), "currency")
        .agg(pl.col("net_revenue").sum().round(2).alias("revenue"))
        .sort("month", "currency")
    )
    first = orders["ordered_at"].min() if orders.height else None
    last = orders["ordered_at"].max() if orders.height else None
    no_buyer = orders.filter(pl.col("customer_id").is_null()).height
    return {
        "workspace": str(ws.root),
        "as_of": (day or (last.date() if last else None)),
        "lines": lines.select(pl.len()).collect().item(),
        "orders": orders.height,
        "counted_orders": counted.height,
        "customers": customers,
        "repeat_customers": repeat,
        "repeat_rate": round(repeat / customers, 4) if customers else 0.0,
        "aov": {
            r["currency"]: round(r["aov"], 2)
            for r in counted.group_by("currency")
            .agg(pl.col("net_revenue").mean().alias("aov"))
            .iter_rows(named=True)
        },
        "open_orders": open_orders,
        "orders_without_buyer": no_buyer,
        "first_order": first,
        "last_order": last,
        "sources": sorted(orders["source"].unique().to_list()) if orders.height else [],
        "net_revenue": {r["currency"]: r["net_revenue"] for r in revenue.iter_rows(named=True)},
        "revenue_by_month": monthly.to_dicts(),
        "imports": ws.ledger(),
    }
