"""Who a bundle is for: customers who own part of it (reach), the segments that buy it more
than their share, and which variant of each item sells most — on integer codes for customers,
SKUs, sets and orders, as grouping on their text cost more than the rest of the offers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.bundles.basket import product_lines
from shopinsight.core.orders import main_currency, net_revenue_expr, order_key

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "bought_in_sets", "bought_in_sold", "customer_orders", "most_bought", "offer_currency",
    "over_index", "reach",
]  # fmt: skip

_ORDER = pl.struct("source", "store", "order_id").hash()  # one integer per order


def _bought_members(lines: pl.LazyFrame, skus: pl.Enum) -> pl.LazyFrame:
    """Product lines with a customer whose SKU is in some set (the rest cannot matter), with the
    SKU's code `_s`."""
    return (
        product_lines(lines)
        .filter(pl.col("customer_id").is_not_null())
        .filter(pl.col("sku").is_in(skus.categories.implode()))
        .with_columns(pl.col("sku").cast(skus).to_physical().alias("_s"))
    )


def _set_skus(sets: pl.DataFrame) -> pl.Enum:
    return pl.Enum(sets["items"].explode().unique().sort())


def bought_in_sets(lines: pl.LazyFrame, sets: pl.DataFrame) -> pl.DataFrame:
    """The product lines with a customer whose SKU is in some set, as (_order: a hash of the
    order key, _s: the SKU's code in `_set_skus`, _c: the customer's code, customer_id): read
    once for `reach` and `over_index`."""
    customer = pl.col("customer_id").cast(pl.Categorical).to_physical()
    return (
        _bought_members(lines, _set_skus(sets))
        .select(_ORDER.alias("_order"), "_s", customer.alias("_c"), "customer_id")
        .collect()
    )


def bought_in_sold(sold: pl.DataFrame, sets: pl.DataFrame) -> pl.DataFrame:
    """`bought_in_sets` from mining's sold lines (`Itemsets.sold_lines`): the same lines, with
    mining's order number as `_order` (no text read or hashed again)."""
    skus = _set_skus(sets)
    in_sets = pl.Series(skus.categories, dtype=pl.Categorical).to_physical()
    customer = pl.col("customer_id").cast(pl.Categorical).to_physical()
    return (
        sold.lazy()
        .filter(pl.col("customer_id").is_not_null())
        .filter(pl.col("sku").to_physical().is_in(in_sets.implode()))
        .select(
            pl.col("oid").cast(pl.UInt64).alias("_order"),
            pl.col("sku").cast(pl.Utf8).cast(skus).to_physical().alias("_s"),
            customer.alias("_c"),
            "customer_id",
        )
        .collect()
    )


def reach(
    lines: pl.LazyFrame, sets: pl.DataFrame, bought: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """(key, reach_customers): customers who bought some of a set's items but not all.

    Counted without a row per (set, customer): some-but-not-all is |A ∪ B| − |A ∩ B| =
    |A| + |B| − 2|AB| for a pair and |A| + |B| + |C| − |AB| − |AC| − |BC| for a triple, where
    |A| counts A's buyers and |AB| the customers who bought both (in any orders). The pairs of
    products a customer bought are walked like the orders' pairs in mining. `bought` is
    `bought_in_sets(lines, sets)` when read already."""
    skus = _set_skus(sets)
    if bought is None:
        bought = bought_in_sets(lines, sets)
    m1 = len(skus.categories) + 1
    coded = _set_codes(sets, skus, m1)
    sub_pairs = coded.select(pl.concat_list("ab", "ac", "bc").list.drop_nulls()).to_series()
    from shopinsight.core.bundles.walk import (
        Walk,
        code_counts,
        distinct_rows,
        pair_counts,
        unique_keys,
    )

    wanted = unique_keys(sub_pairs.explode())
    # each customer's distinct SKUs, by customer (a sort of one packed integer)
    customers, codes = distinct_rows(bought["_c"].to_numpy(), bought["_s"].to_numpy())
    both = pair_counts(Walk(customers, codes), m1, wanted)
    buyers = code_counts(codes, m1 - 1).lazy()
    out = coded.lazy()
    for col in ("a", "b", "c"):
        out = out.join(buyers.rename({"_s": col, "n": f"n_{col}"}), on=col, how="left")
    for col in ("ab", "ac", "bc"):
        out = out.join(both.lazy().rename({"key": col, "n": f"n_{col}"}), on=col, how="left")
    n = {c: pl.col(f"n_{c}").fill_null(0) for c in ("a", "b", "c", "ab", "ac", "bc")}
    shared = pl.when(pl.col("size") == 2).then(2 * n["ab"]).otherwise(n["ab"] + n["ac"] + n["bc"])
    return out.select(
        "key", (n["a"] + n["b"] + n["c"] - shared).cast(pl.Int64).alias("reach_customers")
    )


def _set_codes(sets: pl.DataFrame, skus: pl.Enum, m1: int) -> pl.DataFrame:
    """Per set: key, size, its items' codes + 1 (a < b < c; c null for a pair), the keys of its
    pairs ab, ac, bc as `mining._key_expr` makes them (ac, bc null for a pair) and abc."""
    if sets.height and sets["size"].max() > 3:  # type: ignore[operator]
        raise ValueError("bundle sets have 2 or 3 items")
    code = pl.col("items").list.eval(pl.element().cast(skus).to_physical().cast(pl.UInt64) + 1)
    a, b, c = (pl.col("_codes").list.get(i, null_on_oob=True) for i in range(3))
    return (
        sets.select("key", "size", code.list.sort().alias("_codes"))
        .select(
            "key", "size",
            (a - 1).alias("a"), (b - 1).alias("b"), (c - 1).alias("c"),
            (a * m1 + b).alias("ab"), (a * m1 + c).alias("ac"), (b * m1 + c).alias("bc"),
            ((a * m1 + b) * m1 + c).alias("abc"),
        )
    )  # fmt: skip


def over_index(
    lines: pl.LazyFrame,
    sets: pl.DataFrame,
    customers: pl.DataFrame | pl.LazyFrame,
    settings: dict[str, Any],
    orders_per_customer: pl.LazyFrame | None = None,
    bought: pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """(key, segments_over_index, segment_note): segments whose share of the orders holding the
    whole set is at least `segment_over_index` × their share of all orders.

    `orders_per_customer` is `customer_orders(lines)` when made already (`lines` may then hold
    only the lines of the sets' products); `bought` is `bought_in_sets(lines, sets)`.

    Orders, not customers, are the base: frequent buyers own more of everything, so a share of
    owners would make the busiest segment over-index on every bundle. The excess must also be
    beyond chance: at least three standard deviations (Poisson) above the expected orders, as
    every bundle is checked against every segment.
    """
    seg = customers.lazy().select("customer_id", "segment").filter(pl.col("segment").is_not_null())
    if orders_per_customer is None:
        orders_per_customer = customer_orders(lines)
    base = (  # orders per segment, counted per customer before the join (fewer rows to look up)
        orders_per_customer.join(seg, on="customer_id")
        .group_by("segment")
        .agg(pl.col("base").sum())
        .with_columns((pl.col("base") / pl.col("base").sum()).alias("base_share"))
    )
    skus = _set_skus(sets)
    if bought is None:
        bought = bought_in_sets(lines, sets)
    from shopinsight.core.bundles.walk import numbered

    # orders numbered 0, 1, … (by hash), and each order's customer (its first line's)
    order, buyers = numbered(bought["_order"], bought["customer_id"])
    holding = (
        _holding(order, bought["_s"].to_numpy(), sets, skus)
        .join(buyers.lazy(), on="_order")
        .join(seg, on="customer_id")
    )
    return (
        holding.group_by("key", "segment")
        .agg(pl.len().alias("orders"), pl.col("customer_id").n_unique().alias("customers"))
        .with_columns(pl.col("orders").sum().over("key").alias("total"))
        .join(base, on="segment")
        .with_columns((pl.col("total") * pl.col("base_share")).alias("expected"))
        .with_columns((pl.col("orders") / pl.col("expected")).alias("index"))
        .filter(
            (pl.col("index") >= settings["segment_over_index"])
            & (pl.col("customers") >= settings["segment_min_customers"])
            & (pl.col("orders") - pl.col("expected") >= 3 * pl.col("expected").sqrt())
        )
        .sort(["key", "index", "segment"], descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("segment").alias("segments_over_index"),
            pl.format("{} {}×", pl.col("segment"), pl.col("index").round(1))
            .str.join(", ")
            .alias("segment_note"),
        )
    )


def _holding(
    order: np.ndarray, code: np.ndarray, sets: pl.DataFrame, skus: pl.Enum
) -> pl.LazyFrame:
    """(key, _order): the orders holding every item of a set, found from the pairs each order
    holds (walked as in mining): a pair set's own pair; for a triple a < b < c, the pairs
    (a, b) and (a, c) in one order (the order then holds all three). `order` and `code` are
    the order number and SKU code of each line."""
    m1 = len(skus.categories) + 1
    coded = _set_codes(sets, skus, m1)
    from shopinsight.core.bundles.walk import Walk, distinct_rows, holding_pairs, unique_keys

    wanted = unique_keys(pl.concat([coded["ab"], coded["ac"]]))
    walk = Walk(*distinct_rows(order, code))
    pairs = (
        holding_pairs(walk, m1, wanted)
        .lazy()
        .with_columns((pl.col("pair") // m1).alias("a"), (pl.col("pair") % m1).alias("b"))
    )
    triples = (
        pairs.join(pairs, on=["_order", "a"], suffix="_c")
        .filter(pl.col("b") < pl.col("b_c"))
        .select("_order", ((pl.col("a") * m1 + pl.col("b")) * m1 + pl.col("b_c")).alias("abc"))
    )
    by_size = coded.lazy()
    return pl.concat(
        [
            pairs.join(by_size.filter(pl.col("size") == 2), left_on="pair", right_on="ab").select(
                "key", "_order"
            ),
            triples.join(by_size.filter(pl.col("size") == 3), on="abc").select("key", "_order"),
        ]
    )


def customer_orders(lines: pl.LazyFrame) -> pl.LazyFrame:
    """(customer_id, base): orders with products per customer, for `over_index`'s base.

    One row per order (an order has one customer), found by a hash of the order key; lines
    without an order id are no order. `mining.mine_itemsets` counts the same on its way."""
    return (
        product_lines(lines)
        .filter(pl.col("customer_id").is_not_null() & pl.col("order_id").is_not_null())
        .select(_ORDER.alias("_order"), "customer_id")
        .unique("_order", keep="any")
        .group_by("customer_id")
        .agg(pl.len().alias("base"))
    )


def most_bought(lines: pl.LazyFrame, sets: pl.DataFrame) -> pl.LazyFrame:
    """(key, most_bought): each item's most bought variant with its share of the item's units,
    "Leila Pants: Noire / S (31%)", for the items sold in two or more variants."""
    skus = sets["items"].explode().unique().implode()
    units = pl.col("quantity").fill_null(1).clip(1)
    per_variant = (
        product_lines(lines)
        .filter(pl.col("sku").is_in(skus) & pl.col("variant").is_not_null())
        .group_by("sku", "variant")
        .agg(units.sum().alias("units"), pl.col("product_name").first())
    )
    top = (
        per_variant.with_columns(
            (pl.col("units") / pl.col("units").sum().over("sku")).alias("share"),
            pl.len().over("sku").alias("variants"),
        )
        .filter(pl.col("variants") >= 2)
        .sort(["sku", "units", "variant"], descending=[False, True, False])
        .group_by("sku", maintain_order=True)
        .first()
        .select(
            pl.col("sku").alias("_item"),
            pl.format(
                "{}: {} ({}%)",
                pl.coalesce("product_name", "sku"),
                "variant",
                (pl.col("share") * 100).round(0).cast(pl.Int64),
            ).alias("most_bought"),
        )
    )
    return (
        sets.lazy()
        .select("key", pl.col("items").alias("_item"))
        .with_columns(pl.int_ranges(pl.col("_item").list.len()).alias("_pos"))
        .explode("_item", "_pos")
        .join(top, on="_item")
        .sort("key", "_pos")
        .group_by("key", maintain_order=True)
        .agg(pl.col("most_bought").str.join(", "))
    )


def offer_currency(lines: pl.LazyFrame, config: dict[str, Any] | None) -> str | None:
    """The shared main-currency rule over one row per order, found by a hash of the order key
    (grouping a million lines on three text columns cost more than the rest of the offers)."""
    if str(((config or {}).get("shop") or {}).get("currency") or "").strip():
        return main_currency(lines, config)  # set (a `Shop` always sets it): the fast path
    names = lines.collect_schema().names()
    key = [c for c in order_key() if c in names]
    if not key or not {"order_total", "refunded", "status", "currency"} <= set(names):
        return main_currency(lines, config)
    currency = pl.col("currency")
    # one currency when the lowest is the highest (a tenth of the time of finding the distinct
    # ones); text compares as text, other types are listed
    text = lines.collect_schema()["currency"] == pl.Utf8
    span, sold = pl.collect_all(
        [
            lines.select(currency.min().alias("lo"), currency.max().alias("hi"))
            if text
            else lines.select(currency.drop_nulls().unique().implode().alias("lo"), pl.lit(None)),
            lines.select(((net_revenue_expr() > 0) & currency.is_not_null()).any()),
        ]
    )
    lo, hi = span.row(0)
    if not text:
        lo, hi = (lo[0], lo[0]) if len(lo) == 1 else (None, None)
    if lo is not None and lo == hi and sold.item():  # one currency with money in it: that one
        return str(lo)
    orders = lines.select(
        pl.struct(key).hash().alias("_order"),
        "currency",
        pl.col("customer_id") if "customer_id" in names else pl.lit(None, pl.Utf8),
        net_revenue_expr().alias("net_revenue"),
    ).unique("_order", keep="any")
    return main_currency(orders.drop("_order"), config)
