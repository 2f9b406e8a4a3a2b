"""What the bundle analyses share: the `[bundles]` settings, the adaptive thresholds, which
lines are products, the product catalogue and the shop's currency.

`shopinsight.core.bundles` is the public face; mining lives in `bundles_mining`, offers and
per-customer suggestions in `bundles_offers`.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.orders import UTC, local_day

DEFAULTS: dict[str, Any] = {
    "min_orders": 3,
    "min_support": "auto",
    "auto_scale": 0.5,
    "auto_max_pairs": 1000,
    "max_size": 3,
    "min_lift": 1.5,
    "lift_prior_orders": 5.0,
    "discount": 0.10,
    "price_ending": "99",
    "segment_over_index": 1.3,
    "segment_min_customers": 3,
}
"""Fallbacks for settings missing from `[bundles]` (the template holds the documented ones)."""


SMALL_SHOP = 2_500
"""Below this many orders "auto" asks for a share of orders instead of √orders (the two meet
here), so a shop of a few hundred orders is not asked for 10 orders a set."""


def bundle_settings(config: dict[str, Any] | None) -> dict[str, Any]:
    """The `[bundles]` settings over the defaults, checked so a bad value names itself."""
    settings = {**DEFAULTS, **((config or {}).get("bundles") or {})}
    support = settings["min_support"]
    if not (support == "auto" or (_is_number(support) and 0 < support <= 1)):
        raise ConfigError(
            "Bad [bundles] min_support",
            f'min_support = {support!r}: use "auto" or a share of orders between 0 and 1, '
            "e.g. 0.01 for 1%.",
        )
    checks = {
        "min_orders": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "auto_scale": lambda v: _is_number(v) and v > 0,
        "auto_max_pairs": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "max_size": lambda v: v in (2, 3),
        "min_lift": lambda v: _is_number(v) and v >= 0,
        "lift_prior_orders": lambda v: _is_number(v) and v >= 0,
        "discount": lambda v: _is_number(v) and 0 <= v < 1,
        "price_ending": lambda v: v in ("99", "none"),
        "segment_over_index": lambda v: _is_number(v) and v > 0,
        "segment_min_customers": lambda v: isinstance(v, int) and v >= 1,
    }
    for name, ok in checks.items():
        if not ok(settings[name]):
            raise ConfigError(
                f"Bad [bundles] {name}",
                f"{name} = {settings[name]!r} cannot be used; see the comment above it in "
                "shopinsight.toml for the allowed values.",
            )
    return settings


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def resolve_thresholds(
    n_orders: int,
    min_support: float | None,
    min_orders: int | None,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The minimum order count a product set needs, and why.

    An itemset is frequent when it is in at least `min_orders` orders (the floor) and its
    support (orders / all orders) is at least `min_support`. With support "auto" the count is
    `auto_scale × √orders` from 2,500 orders (25 there, 50 at 10,000, 274 at 300,000) and
    `auto_scale / 50` of the orders below (1%: 4 of 400, so a small shop still sees candidates,
    their support shown); `mine_itemsets` raises it when more than `auto_max_pairs` pairs count.
    A `min_orders` given without `min_support` is the count itself (`--min-orders 3` means 3).
    """
    if min_support is not None and not (0 < min_support <= 1):
        raise InputError(
            "Bad --min-support", f"{min_support} is not a share of orders; use e.g. 0.01 for 1%."
        )
    if min_orders is not None and min_orders < 1:
        raise InputError("Bad --min-orders", f"{min_orders}: a product set needs at least 1 order.")
    floor = int(min_orders if min_orders is not None else settings["min_orders"])
    asked = min_support if min_support is not None else settings["min_support"]
    n = max(n_orders, 1)
    if min_orders is not None and min_support is None:  # asked for by name: it is the count
        return {
            "n_orders": n_orders,
            "min_support": floor / n,
            "min_orders": floor,
            "floor_orders": floor,
            "support_orders": floor,
            "auto": False,
            "reason": f"in at least {floor:,} of {n_orders:,} orders ({floor / n:.2%}): "
            f"--min-orders {floor}",
        }
    if asked == "auto":
        scale = settings["auto_scale"]
        if n_orders < SMALL_SHOP:  # √orders asks a small shop for too much: a share instead
            support_orders = max(1, math.ceil(scale * n_orders / math.sqrt(SMALL_SHOP)))
            how = f"auto for a small shop: {scale / math.sqrt(SMALL_SHOP):.0%} of orders"
        else:
            support_orders = max(1, math.ceil(scale * math.sqrt(n_orders)))
            how = f"auto: {scale:g} × √{n_orders:,} orders"
        support = support_orders / n
    else:
        support = float(asked)
        support_orders = _count_for_support(support, n)
        how = f"min support {support:.2%}"
    needed = max(floor, support_orders)
    counted = f"{support_orders} order{'s' if support_orders != 1 else ''}"
    if floor >= support_orders:
        why = f"the floor of {floor} orders is above {how} ({counted})"
    else:
        why = f"{how} = {counted} is above the floor of {floor}"
    return {
        "n_orders": n_orders,
        "min_support": support,
        "min_orders": needed,
        "floor_orders": floor,
        "support_orders": support_orders,
        "auto": asked == "auto",
        "reason": f"in at least {needed:,} of {n_orders:,} orders ({needed / n:.2%}): {why}",
    }


def cap_thresholds(thresholds: dict[str, Any], pairs: pl.DataFrame, cap: int) -> dict[str, Any]:
    """With an auto threshold, raise the count so at most `cap` pairs count (big baskets make
    many pairs common); the result is the same as mining at the raised count."""
    if not thresholds["auto"] or pairs.height <= cap:
        return thresholds
    counts = pairs["orders"].sort(descending=True)
    needed = int(counts[cap]) + 1
    n, was = max(thresholds["n_orders"], 1), int(thresholds["min_orders"])
    return {
        **thresholds,
        "min_orders": needed,
        "min_support": needed / n,
        "support_orders": needed,
        "reason": (
            f"in at least {needed:,} of {n:,} orders ({needed / n:.2%}): auto, raised from "
            f"{was:,} order{'s' if was != 1 else ''} to keep at most {cap:,} pairs (big baskets "
            f"make {pairs.height:,} pairs that common)"
        ),
    }


def _count_for_support(support: float, n: int) -> int:
    """Smallest count c with c / n >= support, computed the way mlxtend compares supports."""
    count = max(1, math.ceil(support * n))
    while count > 1 and (count - 1) / n >= support:
        count -= 1
    while count / n < support:
        count += 1
    return count


def roll_up_variants(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Lines with size and colour variants counted as their product: a variant's `sku` becomes
    the product's first SKU (A–Z), `product_name` the product's name and `variant` keeps which
    variant it was ("Midnight Blue").

    A product is the name without its variant: Shopify names a variant "Product - Variant" (one
    product when two or more names share the part before the last " - "); other exports give the
    variant apart (a name ending in " - <variant>" loses that ending; SKUs of one name with a
    variant each are one product). An Etsy listing title keeps its part before " | " (the rest
    is search words). Unchanged when nothing in the shop has variants.
    """
    return apply_variants(lines, variant_mapping(lines))


def variant_mapping(lines: pl.LazyFrame) -> pl.DataFrame | None:
    """(sku, _product, _base, _detail) for the SKUs `roll_up_variants` changes; None when the
    lines have no product names. Mining keeps it, so the offers roll up without a second pass."""
    names = lines.collect_schema().names()
    if not {"sku", "product_name"} <= set(names):
        return None
    variant = pl.col("variant") if "variant" in names else pl.lit(None, pl.Utf8)
    skus = (
        lines.filter(pl.col("sku").is_not_null() & pl.col("product_name").is_not_null())
        .group_by("sku")
        .agg(pl.col("product_name").last(), variant.drop_nulls().last().alias("_variant"))
        .collect()
    )
    name = pl.col("product_name").str.split(" | ").list.first().str.strip_chars()
    given = pl.col("_variant")
    ends_given = name.str.ends_with(pl.lit(" - ") + given).fill_null(False)
    split = pl.col("_name").str.extract(r"^(.+?) - ([^-]+)$", 1)
    skus = (
        skus.with_columns(name.alias("_name"))
        .with_columns(
            pl.when(ends_given)
            .then(name.str.head(name.str.len_chars() - given.str.len_chars() - 3))
            .alias("_base"),
            pl.when(given.is_null()).then(split).alias("_split"),
        )
        .with_columns(  # a Shopify-style split counts only when siblings share the product
            pl.when(pl.col("_name").n_unique().over("_split") >= 2).then("_split").alias("_split")
        )
        .with_columns(
            pl.coalesce("_base", "_split", "_name").alias("_base"),
            pl.coalesce(
                "_variant",
                pl.when(pl.col("_split").is_not_null()).then(
                    pl.col("_name").str.extract(r" - ([^-]+)$", 1)
                ),
            ).alias("_detail"),
        )
        .with_columns(  # SKUs are one product when a variant says so, not for a name alone
            pl.col("sku")
            .min()
            .over(
                pl.when(given.is_not_null() | pl.col("_split").is_not_null())
                .then(pl.lit("product: ") + pl.col("_base"))
                .otherwise(pl.lit("sku: ") + pl.col("sku"))
            )
            .alias("_product")
        )
    )
    return skus.filter(
        (pl.col("_product") != pl.col("sku")) | (pl.col("_base") != pl.col("product_name"))
    ).select("sku", "_product", "_base", "_detail")


def apply_variants(lines: pl.LazyFrame, mapping: pl.DataFrame | None) -> pl.LazyFrame:
    """`roll_up_variants` with its `variant_mapping` already made."""
    if mapping is None or mapping.height == 0:
        return lines
    names = lines.collect_schema().names()
    detail = pl.coalesce("_detail", "variant") if "variant" in names else pl.col("_detail")
    return (
        lines.join(mapping.lazy(), on="sku", how="left")
        .with_columns(
            pl.coalesce("_product", "sku").alias("sku"),
            pl.coalesce("_base", "product_name").alias("product_name"),
            detail.alias("variant"),
        )
        .drop("_product", "_base", "_detail")
    )


def product_baskets(lines: pl.LazyFrame, distinct: bool = True) -> pl.LazyFrame:
    """Distinct (source, order_id, sku) of real products in orders that were not cancelled.

    Pseudo-lines (line_kind other than "product"), lines without a SKU, return documents
    (status "returned") and return lines (quantity <= 0) are left out.
    """
    kept = lines.filter(
        (pl.col("line_kind") == "product")
        & pl.col("sku").is_not_null()
        & pl.col("order_id").is_not_null()
        & _not_cancelled_or_returned(lines)
        & in_basket()
    ).select("source", "store", "order_id", "sku")
    return kept.unique() if distinct else kept


def in_basket() -> pl.Expr:
    """A sold product line that puts its product in the basket: not a return line."""
    return (pl.col("quantity") > 0).fill_null(True)


def product_lines(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Real product lines of orders that were not cancelled and are not return documents."""
    return lines.filter(
        (pl.col("line_kind") == "product")
        & pl.col("sku").is_not_null()
        & _not_cancelled_or_returned(lines)
    )


_NO_SALE = ("cancelled", "returned")


def _not_cancelled_or_returned(lines: pl.LazyFrame | None = None) -> pl.Expr:
    """Orders that sold something: not cancelled, not a return document (credit note).

    The workspace's status is an Enum holding both: compared as it is (a quarter of the time
    of casting a million statuses to text first)."""
    status = pl.col("status")
    dtype = lines.collect_schema().get("status") if lines is not None else None
    if not (isinstance(dtype, pl.Enum) and set(_NO_SALE) <= set(dtype.categories.to_list())):
        status = status.cast(pl.Utf8)
    return ~status.is_in(list(_NO_SALE)).fill_null(False)


def other_currency_orders(lines: pl.LazyFrame, currency: str | None) -> int:
    """Orders with products in another currency than `currency`: left out of bundle prices."""
    if currency is None:
        return 0
    return (
        product_lines(lines)
        .filter(pl.col("currency").is_not_null() & (pl.col("currency") != currency))
        .select(pl.struct("source", "store", "order_id").hash().n_unique())
        .collect()
        .item()
    )


def product_catalogue(
    lines: pl.LazyFrame, currency: str | None = None, names_only: bool = False, tz: str = UTC
) -> pl.DataFrame:
    """One row per product: sku, product_name, category, unit_price, currency, orders, last_sold.

    (Orders are counted as distinct hashes of the order key: half the CPU of distinct structs.)

    unit_price is the median unit price of the product's paid-for lines (price > 0, orders not
    cancelled) in `currency`, or in the product's own most common currency when not given;
    product_name and category are the latest seen, preferring lines in `currency` (a SKU sold on
    Taobao and Shopify keeps its shop-language name); orders counts distinct orders; last_sold
    is the shop's day (`tz`) of the product's latest order.
    `names_only`: sku, product_name and unit_price alone (what the bundle offers show).
    """
    product = product_lines(lines)
    order: list[str | pl.Expr] = ["ordered_at"]
    if currency:
        order = [(pl.col("currency") == currency).fill_null(False), "ordered_at"]
    described = product.group_by("sku").agg(
        pl.col("product_name").sort_by(order).drop_nulls().last(),
        *(
            []
            if names_only
            else [
                pl.col("category").sort_by(order).drop_nulls().last(),
                pl.struct("source", "store", "order_id")
                .hash()
                .n_unique()
                .cast(pl.Int64)
                .alias("orders"),
                local_day(pl.col("ordered_at").max(), tz).alias("last_sold"),
            ]
        ),
    )
    priced = product.filter((pl.col("unit_price") > 0) & pl.col("currency").is_not_null())
    if currency is not None:
        priced = priced.filter(pl.col("currency") == currency)
    prices = (
        priced.group_by("sku", "currency")
        .agg(pl.col("unit_price").median(), pl.len().alias("n"))
        .sort(["sku", "n", "currency"], descending=[False, True, False])
        .group_by("sku", maintain_order=True)
        .first()
        .drop("n")
    )
    out = described.join(prices, on="sku", how="left")
    if currency is not None:
        out = out.with_columns(pl.lit(currency, pl.Utf8).alias("currency"))
    if names_only:
        return out.select("sku", "product_name", "unit_price").sort("sku").collect()
    return (
        out.select(
            "sku", "product_name", "category", "unit_price", "currency", "orders", "last_sold"
        )
        .sort("sku")
        .collect()
    )
