"""Each customer's favourite product and category, and how widely they buy: the product
columns of the customer table, from the shop's customer × SKU rows (`ShopData.sku_customers`).
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.shop_data import PRODUCT, ShopData, pair, unpair

__all__ = ["product_stats"]


def product_stats(data: ShopData) -> pl.DataFrame:
    """Favourite product (most orders, then units, then SKU A–Z) and category (most spend),
    distinct SKUs and product purchases (SKU × order) for the explorer tag.

    Speed: from the customer × SKU rows `prepare` made; one group-by per (customer, category)
    pair on a packed integer key, and one per customer after each (favourite and counts
    together; category, its share and the number of categories together)."""
    bought = data.lines.lazy().filter(PRODUCT & pl.col("counted") & pl.col("_sk").is_not_null())
    info = (
        bought.filter(pl.col("_sk").is_first_distinct())
        .select("_sk", "sku", "product_name", "category")
        .with_columns(
            pl.col("sku").rank("dense").cast(pl.UInt32).alias("_sku_rank"),
            pl.col("category").rank("dense").alias("_cat"),
        )
        .collect()
    )
    per_sku = (
        data.sku_customers.lazy()
        .join(info.lazy().select("_sk", "_sku_rank", "_cat"), on="_sk", how="left")
        .collect()
        .lazy()
    )
    low = 2**21 - 1  # most orders, then most units, then the first SKU A-Z, packed in one int
    best = (
        pl.col("n_orders").cast(pl.Int64) * 2**42
        + pl.col("qty").cast(pl.Int64).clip(0, low) * 2**21
        + (low - pl.col("_sku_rank").cast(pl.Int64))
    )
    fav = (
        per_sku.group_by("_ck")
        .agg(
            best.max().alias("_best"),
            pl.len().alias("distinct_skus"),
            pl.col("n_orders").sum().alias("product_purchases"),
        )
        .with_columns((low - pl.col("_best") % 2**21).cast(pl.UInt32).alias("_sku_rank"))
        .join(info.lazy().select("_sku_rank", "sku", "product_name"), on="_sku_rank", how="left")
        .select(
            "_ck",
            "distinct_skus",
            "product_purchases",
            pl.col("sku").alias("favorite_sku"),
            pl.coalesce("product_name", "sku").alias("favorite_product"),
        )
    )
    spend = pl.col("spend")
    names = info.lazy().filter(pl.col("_cat").is_first_distinct()).select("_cat", "category")
    cat = (
        per_sku.filter(pl.col("_cat").is_not_null())
        .group_by(pair("_ck", "_cat").alias("_pc"))
        .agg(spend.sum())
        .with_columns(unpair("_pc", "_ck", "_cat"))
        # most spend, ties: the first category A-Z (a window max: 8× faster than a filter
        # or sort inside the group-by)
        .with_columns(pl.when(spend == spend.max().over("_ck")).then("_cat").alias("_top"))
        .group_by("_ck")
        .agg(
            pl.col("_top").min().alias("_cat"),
            (spend.max() / spend.sum()).alias("top_category_share"),
            pl.len().alias("categories"),
        )
        .join(names, on="_cat", how="left")
        .select(
            "_ck", pl.col("category").alias("favorite_category"), "top_category_share", "categories"
        )
    )
    return fav.join(cat, on="_ck", how="left").collect()
