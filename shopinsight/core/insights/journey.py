"""Product journey: what customers buy in their second purchase, given their first.

The first and second purchases are a customer's first two distinct days with a counted order;
each is named by the main product of its first order that day (the product line with the most
money, see `drivers.main_products`). Unlike bundle rules, which ignore order sequence, this says
what comes *next*: the product to suggest after a first order.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.insights.drivers import main_products
from shopinsight.core.insights.timeline import buyer_orders, visits
from shopinsight.core.orders import order_key


def purchase_orders(buyers: pl.DataFrame) -> pl.LazyFrame:
    """Order key, customer_id, n: the first order (earliest, then lowest id) of each customer's
    first (n = 1) and second (n = 2) purchase day. `buyers` is `timeline.buyer_orders`."""
    day, first = pl.col("order_day"), pl.col("first_day")
    second = first + pl.duration(days=pl.col("next_gap"))
    return (
        buyers.lazy()
        .filter(pl.col("counted"))
        .with_columns(
            pl.when(day == first).then(1).when(day == second).then(2).cast(pl.Int8).alias("n")
        )
        .filter(pl.col("n").is_not_null())
        .sort("ordered_at", "order_id")
        .unique(["customer_id", "n"], keep="first")
        .select(*order_key(), "customer_id", "n")
    )


def product_journey(
    orders: pl.DataFrame,
    lines: pl.LazyFrame,
    seen: pl.DataFrame | None = None,
    buyers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """first_sku, first_product, next_sku, next_product, customers, share.

    One row per (first product, next product) pair among customers who made a second purchase;
    `share` = customers / customers with that first product who came back; biggest first.
    `seen`/`buyers`: `timeline.visits`/`buyer_orders` when already computed.
    """
    key = order_key()
    if buyers is None:
        buyers = buyer_orders(orders, visits(orders) if seen is None else seen)
    picks = purchase_orders(buyers.filter(pl.col("next_gap").is_not_null()))
    named = picks.join(main_products(lines, picks), on=key, how="inner").select(
        "customer_id", "n", "sku", "product_name"
    )
    first = named.filter(pl.col("n") == 1).select(
        "customer_id",
        pl.col("sku").alias("first_sku"),
        pl.col("product_name").alias("first_product"),
    )
    second = named.filter(pl.col("n") == 2).select(
        "customer_id",
        pl.col("sku").alias("next_sku"),
        pl.col("product_name").alias("next_product"),
    )
    return (
        first.join(second, on="customer_id", how="inner")
        .group_by("first_sku", "next_sku")
        .agg(
            pl.col("first_product").first(),
            pl.col("next_product").first(),
            pl.len().alias("customers"),
        )
        .with_columns(
            (pl.col("customers") / pl.col("customers").sum().over("first_sku"))
            .round(4)
            .alias("share")
        )
        .select("first_sku", "first_product", "next_sku", "next_product", "customers", "share")
        .sort(["customers", "first_sku", "next_sku"], descending=[True, False, False])
        .collect()
    )
