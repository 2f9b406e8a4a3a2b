"""Each customer's favourite product and category, and how widely they buy: the product
columns of the customer table, from the shop's customer × SKU rows (`ShopData.sku_customers`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from shopinsight.core.shop_data import PRODUCT, ShopData

__all__ = ["product_stats"]


def product_stats(data: ShopData, dense: bool | None = None) -> pl.DataFrame:
    """Favourite product (most orders, then units, then SKU A–Z) and category (most spend),
    distinct SKUs and product purchases (SKU × order) for the explorer tag; one row per
    customer with a SKU bought, in `_ck` order.

    Speed: customer keys are small dense integers (`shop_data`), so every per-customer
    figure is a numpy tally into an array indexed by key (bincount, maximum.at): no hashing,
    no group-by, no join (the Polars group-bys and joins cost 4×). Spend per customer ×
    category is a tally on customer × categories + category when that array stays small
    (`dense`: None decides by size), else on the sorted distinct pairs."""
    bought = data.lines.lazy().filter(PRODUCT & pl.col("counted") & pl.col("_sk").is_not_null())
    info = (
        bought.filter(pl.col("_sk").is_first_distinct())
        .select("_sk", "sku", "product_name", "category")
        .with_columns(
            pl.col("sku").rank("dense").cast(pl.Int64).alias("_sku_rank"),
            (pl.col("category").rank("dense").cast(pl.Int64) - 1).alias("_cat"),
        )
        .sort("_sku_rank")  # one row per SKU text, so row i is rank i + 1
        .collect()
    )
    per = data.sku_customers
    ck = per.get_column("_ck").to_numpy()
    sk = per.get_column("_sk").to_numpy()
    size = int(ck.max()) + 1 if per.height else 1
    info_sk = info.get_column("_sk").to_numpy()
    sk_size = 1 + max(int(sk.max()) if per.height else 0, int(info_sk.max()) if info.height else 0)
    rank_of = np.zeros(sk_size, np.int64)
    cat_of = np.full(sk_size, -1, np.int64)  # -1: no category
    rank_of[info_sk] = info.get_column("_sku_rank").to_numpy()
    cat_of[info_sk] = info.get_column("_cat").fill_null(-1).to_numpy()

    low = 2**21 - 1  # most orders, then most units, then the first SKU A-Z, packed in one int
    best = (
        per.get_column("n_orders").to_numpy().astype(np.int64) * 2**42
        + np.clip(per.get_column("qty").to_numpy().astype(np.int64), 0, low) * 2**21
        + (low - rank_of[sk])
    )
    top = np.full(size, -1, np.int64)
    np.maximum.at(top, ck, best)
    skus = np.bincount(ck, minlength=size)
    keys = np.flatnonzero(skus)  # the customers with a SKU, in key order
    purchases = np.bincount(ck, weights=per.get_column("n_orders").to_numpy(), minlength=size)
    fav_row = pl.Series((low - top[keys] % 2**21) - 1)  # the favourite's row in `info`
    share, first_cat, cats = _top_category(
        ck, cat_of[sk], per.get_column("spend").to_numpy(), size, dense
    )
    named = info.filter(pl.col("_cat").is_first_distinct() & pl.col("_cat").is_not_null())
    names = named.sort("_cat").get_column("category")  # row i is category i; then none
    names = names.append(pl.Series([None], dtype=names.dtype))
    has_cat = pl.col("categories") > 0
    return pl.DataFrame(
        {
            "_ck": pl.Series(keys, dtype=pl.UInt32),
            "distinct_skus": pl.Series(skus[keys], dtype=pl.UInt32),
            "product_purchases": pl.Series(purchases[keys], dtype=pl.UInt32),
            "favorite_sku": info.get_column("sku").gather(fav_row),
            "favorite_product": info.select(pl.coalesce("product_name", "sku"))
            .to_series()
            .gather(fav_row),
            "favorite_category": names.gather(np.minimum(first_cat[keys], names.len() - 1)),
            "top_category_share": share[keys],
            "categories": pl.Series(cats[keys], dtype=pl.UInt32),
        }
    ).with_columns(pl.when(has_cat).then(c).alias(c) for c in ("top_category_share", "categories"))


def _top_category(
    ck: np.ndarray, cat: np.ndarray, spend: np.ndarray, size: int, dense: bool | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer key: the top category's share of the spend, the top category (most
    spend; ties: the first A-Z) and the number of categories, from the customer × SKU rows'
    categories (-1: none)."""
    has = cat >= 0
    ck, cat, spend = ck[has], cat[has], spend[has]
    n_cat = int(cat.max()) + 1 if cat.size else 1
    pair = ck.astype(np.int64) * n_cat + cat
    if dense is None:  # at most 4 cells a row (and a few million cells whatever the rows)
        dense = size * n_cat <= max(1 << 22, 4 * pair.size)
    if dense:  # a tally per customer × category
        seen = np.zeros(size * n_cat, bool)  # the cells bought in (a byte a cell, not 8)
        seen[pair] = True
        where = np.flatnonzero(seen)
        del seen
        summed = np.bincount(pair, weights=spend, minlength=size * n_cat)[where]
    else:  # many categories: the distinct pairs, sorted
        where, inverse = np.unique(pair, return_inverse=True)
        summed = np.bincount(inverse, weights=spend, minlength=where.size)
    g_ck, g_cat = where // n_cat, where % n_cat
    most = np.full(size, -np.inf)
    np.maximum.at(most, g_ck, summed)
    first = np.full(size, n_cat, np.int64)
    at_top = summed == most[g_ck]
    np.minimum.at(first, g_ck[at_top], g_cat[at_top])
    total = np.bincount(g_ck, weights=summed, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = most / total
    return share, first, np.bincount(g_ck, minlength=size)
