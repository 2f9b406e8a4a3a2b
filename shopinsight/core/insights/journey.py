"""Product journey: what customers buy in their second purchase, given their first.

The first and second purchases are a customer's first two distinct days with a counted order;
each is named by its main product (the product line with the most money, see
`drivers.main_products`). Unlike bundle rules, which ignore order sequence, this says what comes
*next*: the product to suggest after a first order.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.insights.drivers import main_products
from shopinsight.core.orders import order_key


def purchase_orders(orders: pl.DataFrame, upto: int = 2) -> pl.LazyFrame:
    """Order key, customer_id, n: the first order of each customer's first `upto` purchase
    days (n = 1, 2, …)."""
    key = order_key()
    counted = orders.lazy().filter(pl.col("counted"))
    per_day = (
        counted.sort("customer_id", "ordered_at", "order_id")
        .group_by("customer_id", "order_day", maintain_order=True)
        .first()
        .sort("customer_id", "order_day")
        .with_columns(pl.int_range(1, pl.len() + 1).over("customer_id").alias("n"))
    )
    return per_day.filter(pl.col("n") <= upto).select(*key, "customer_id", "n")


def product_journey(orders: pl.DataFrame, lines: pl.LazyFrame) -> pl.DataFrame:
    """first_sku, first_product, next_sku, next_product, customers, share.

    One row per (first product, next product) pair among customers who made a second purchase;
    `share` = customers / customers with that first product who came back; biggest first.
    """
    key = order_key()
    picks = purchase_orders(orders)
    named = picks.join(main_products(lines, picks), on=key, how="inner").select(
        "customer_id", "n", "sku", "product_name"
    )
    first = named.filter(pl.col("n") == 1).select(
        "customer_id",
        pl.col("sku").alias("first_sku"),
        pl.col("product_name").alias("first_product"),
    )
    second = named.filter(pl.col("n") == 2).select(
        "customer_id", pl.col("sku").alias("next_sku"), pl.col("product_name").alias("next_product")
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
