"""From frequent product sets to things a merchant can act on.

A bundle offer prices a strong set at its usual combined price less a discount, says how many
customers already own part of it (the people to show it to), and which segments buy it more
than their share. `next_products` turns the rules into one suggestion per customer (gifts and
win-back notes use it), and `product_catalogue` gives every product's usual price.

"Strong" guards against rare sets: each item's lift is shrunk toward 1 by `lift_prior_orders`
pseudo-orders of no association before it is compared with `min_lift`, so a pair seen 3 times
with lift 30 ranks below a pair seen 300 times with lift 4.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from shopinsight.core.bundles.audience import (
    bought_in_sets,
    bought_in_sold,
    customer_orders,
    most_bought,
    offer_currency,
    over_index,
)
from shopinsight.core.bundles.audience import reach as reach_of
from shopinsight.core.bundles.basket import (
    apply_variants,
    bundle_settings,
    product_catalogue,
    product_lines,
    roll_up_variants,
)
from shopinsight.core.bundles.mining import Itemsets
from shopinsight.core.bundles.sequence import sequence_next
from shopinsight.core.orders import UTC

_SEP = "\x1f"  # joins the SKUs of a set into one key; never part of a SKU in practice


def _set_metrics(itemsets: Itemsets, prior: float) -> pl.DataFrame:
    """Per set of 2+ items: lift and score (the weakest item's plain and shrunk lift), the best
    rule, and every rule as a list of structs."""
    n = itemsets.n_orders
    rules = itemsets.rules.with_columns(
        pl.concat_list("antecedent", "consequent").list.sort().list.join(_SEP).alias("key"),
        (
            (pl.col("orders") + prior)
            / (pl.col("antecedent_support") * pl.col("consequent_support") * n + prior)
        ).alias("shrunk"),
        (pl.col("consequent").list.len() == 1).alias("single"),
        pl.col("antecedent").list.join(_SEP).alias("ant"),
    )
    by, descending = ["confidence", "lift", "ant"], [True, True, False]
    return rules.group_by("key").agg(
        pl.col("lift").filter(pl.col("single")).min().alias("lift"),
        pl.col("shrunk").filter(pl.col("single")).min().alias("score"),
        pl.col("confidence").max().alias("confidence_best"),
        pl.struct("antecedent", "consequent", "confidence", "lift")
        .sort_by(by, descending=descending)
        .first()
        .alias("best"),
        pl.struct("antecedent", "consequent", "confidence", "lift")
        .sort_by(by, descending=descending)
        .alias("rules"),
    )


_OFFER_COLUMNS = [
    "source", "store", "order_id", "line_kind", "status", "customer_id", "ordered_at", "sku",
    "product_name", "variant", "quantity", "unit_price", "currency",
]  # fmt: skip
"""What the offers read of a product line (product_lines' own filter columns included)."""
_ITEM_COLUMNS = [
    c for c in _OFFER_COLUMNS if c not in ("source", "store", "order_id", "customer_id")
]
"""... when mining's sold lines give each set's buyers and orders (`Itemsets.sold_lines`)."""


def _bundle_price(combined: pl.Expr, discount: float, ending: str) -> pl.Expr:
    """Combined price less the discount, on a price ending shoppers expect (17.99, 7.59)."""
    p = combined * (1 - discount)
    if ending == "none":
        return p.round(2)
    return (
        pl.when(p >= 10)
        .then((p + 1e-9).floor() - 0.01)
        .when(p >= 1)
        .then(((p * 10) + 1e-9).floor() / 10 - 0.01)
        .otherwise(((p * 100) + 1e-9).floor() / 100)
        .round(2)
    )


def _names_and_prices(sets: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """(key, names, combined_price): names in item order; price null if an item has none."""
    return (
        sets.select("key", pl.col("items").alias("sku"))
        .with_columns(pl.int_ranges(pl.col("sku").list.len()).alias("pos"))
        .explode("sku", "pos")
        .join(catalogue.select("sku", "product_name", "unit_price"), on="sku", how="left")
        .sort("key", "pos")
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("product_name").fill_null(pl.col("sku")).alias("names"),
            pl.when(pl.col("unit_price").is_null().any())
            .then(None)
            .otherwise(pl.col("unit_price").sum())
            .alias("combined_price"),
        )
    )


def bundle_offers(
    lines: pl.LazyFrame,
    itemsets: Itemsets,
    config: dict[str, Any] | None,
    customers: pl.DataFrame | None = None,
    min_lift: float | None = None,
) -> pl.DataFrame:
    """A bundle offer per strong set of 2+ products, best first (by score).

    Output: items, names, size, orders, support, lift, score, confidence_best, combined_price,
    bundle_price, currency, reach_customers, segments_over_index, reason, rules (list of
    antecedent, consequent, confidence, lift). lift is the weakest item's lift — for a pair the
    pair's lift, for a triple the lowest lift of "other two -> this one" — and score the same
    lift shrunk toward 1; a set is offered when score >= min_lift. `customers`
    (customer_id, segment) is optional; without it segments_over_index is empty.
    """
    settings = bundle_settings(config)
    # as mined: variants count as their product (the mapping mining made, else made here)
    known = itemsets.variants is not None
    lines = apply_variants(lines, itemsets.variants) if known else roll_up_variants(lines)
    floor = settings["min_lift"] if min_lift is None else min_lift
    metrics = _set_metrics(itemsets, float(settings["lift_prior_orders"]))
    sets = (
        itemsets.itemsets.filter(pl.col("size") >= 2)
        .with_columns(pl.col("items").list.join(_SEP).alias("key"))
        .join(metrics, on="key")
        .filter(pl.col("score") >= floor)
    )
    currency = offer_currency(lines, config)
    # the product lines are read once, with the columns the offers use: the catalogue, reach,
    # segments and variants below each read them again (a workspace's Parquet, decoded each
    # time). Only the lines of the sets' products matter to them; of the rest, the segments'
    # base needs only each customer's number of orders, counted in the same pass.
    sold = itemsets.sold_lines  # buyers and orders as mining read them, when it could
    columns = _OFFER_COLUMNS if sold is None else _ITEM_COLUMNS
    product = product_lines(lines)
    in_sets = product.filter(
        pl.col("sku").is_in(sets["items"].explode().unique().implode())
    ).select(c for c in columns if c in lines.collect_schema().names())
    per_customer = itemsets.customer_orders  # counted while mining, when it could be
    if customers is None or per_customer is not None:
        lines = in_sets.collect().lazy()
    else:
        set_lines, per_customer = pl.collect_all([in_sets, customer_orders(lines)])
        lines = set_lines.lazy()
    catalogue = product_catalogue(lines, currency, names_only=True)
    # read once for reach and segments
    bought = bought_in_sets(lines, sets) if sold is None else bought_in_sold(sold, sets)
    reach = reach_of(lines, sets, bought)
    segment_cols = pl.DataFrame(
        schema={"key": pl.Utf8, "segments_over_index": pl.List(pl.Utf8), "segment_note": pl.Utf8}
    ).lazy()
    if customers is not None:
        assert per_customer is not None
        segment_cols = over_index(
            lines, sets, customers, settings, per_customer.lazy(), bought=bought
        )
    names = _names_and_prices(sets, catalogue).lazy()
    offers = (
        sets.lazy()
        .join(names, on="key", how="left")
        .join(most_bought(lines, sets), on="key", how="left")
        .join(reach, on="key", how="left")
        .join(segment_cols, on="key", how="left")
        .with_columns(
            pl.lit(currency, pl.Utf8).alias("currency"),
            _bundle_price(
                pl.col("combined_price"), settings["discount"], settings["price_ending"]
            ).alias("bundle_price"),
            pl.col("reach_customers").fill_null(0),
            pl.col("segments_over_index").fill_null(pl.lit([], pl.List(pl.Utf8))),
        )
        .with_columns(_offer_reason(itemsets.n_orders, catalogue).alias("reason"))
        .sort(["score", "orders", "key"], descending=[True, True, False])
    )
    return offers.select(
        "items", "names", "size", "orders", "support", "lift", "score", "confidence_best",
        "combined_price", "bundle_price", "currency", "reach_customers",
        "segments_over_index", "reason", "rules",
    ).collect()  # fmt: skip


def _offer_reason(n_orders: int, catalogue: pl.DataFrame) -> pl.Expr:
    """'bought together in 41 of 9,835 orders (0.42%), lift 3.2 (2.9 allowing for rarity);
    64% of orders with Mug also had Tea'."""
    skus = catalogue["sku"]
    names = catalogue["product_name"].fill_null(skus)
    best = pl.col("best")

    def named(field: str) -> pl.Expr:
        return (
            best.struct.field(field).list.eval(pl.element().replace(skus, names)).list.join(" + ")
        )

    parts = [
        pl.format(
            "bought together in {} of {} orders ({}%), lift {} ({} allowing for rarity)",
            pl.col("orders"),
            pl.lit(f"{n_orders:,}"),
            (pl.col("support") * 100).round(2),
            pl.col("lift").round(1),
            pl.col("score").round(1),
        ),
        pl.format(
            "{}% of orders with {} also had {}",
            (best.struct.field("confidence") * 100).round(0).cast(pl.Int64),
            named("antecedent"),
            named("consequent"),
        ),
        pl.when(pl.col("combined_price").is_null()).then(
            pl.when(pl.col("currency").is_null())
            .then(pl.lit("no bundle price (no prices in a known currency)"))
            .otherwise(pl.format("no usual price for every item in {}", pl.col("currency")))
        ),
        pl.when(pl.col("most_bought").is_not_null()).then(
            pl.format("most bought: {}", pl.col("most_bought"))
        ),
        pl.when(pl.col("segment_note").is_not_null()).then(
            pl.format("over-indexes in {}", pl.col("segment_note"))
        ),
    ]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def next_products(
    lines: pl.LazyFrame,
    rules: pl.DataFrame,
    catalogue: pl.DataFrame | None = None,
    min_customers: int = 3,
    customers: pl.Series | None = None,
    sequence: pl.DataFrame | None = None,
    tz: str = UTC,
) -> pl.DataFrame:
    """The best product each customer has not bought yet: what came *next* for others first.

    Order sequence beats baskets: a sequence rule A -> B (`sequence.sequence_rules`) whose A
    the customer bought on their first or latest purchase day wins; customers without one fall
    back to the basket rules (`_basket_next`). Never a product the customer already bought.
    `customers` limits the suggestions (not the rules) to those ids; `sequence`, the shop's
    `ranked_sequence_rules`, saves learning them again (each customer's pick then reads only
    their own lines). Output: customer_id, sku, product_name, score, confidence, lift,
    antecedent, reason, basis ("sequence" or "basket") — one row per customer with a
    suggestion. A purchase day is the shop's (`tz`, `[shop] timezone`).
    """
    if catalogue is None:
        catalogue = product_catalogue(lines, tz=tz)
    seq = sequence_next(lines, catalogue, min_customers, customers, sequence, tz)
    if customers is not None:
        ids = customers.cast(pl.Utf8).drop_nulls().unique().implode()
        lines = lines.filter(pl.col("customer_id").is_in(ids))
    # only customers without a sequence pick are scored on baskets (each customer's pick reads
    # only their own lines): on a 1M-line shop most have one, and scoring them cost ~5 s
    rest = lines.join(seq.select("customer_id").lazy(), on="customer_id", how="anti")
    basket = _basket_next(rest, rules, catalogue)
    return pl.concat(
        [seq, basket.with_columns(pl.lit("basket").alias("basis"))], how="vertical_relaxed"
    ).sort("customer_id")


def _basket_next(lines: pl.LazyFrame, rules: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """The best product each customer has not bought yet, from the basket rules their history
    fires (bought together, order sequence ignored).

    A rule fires when the customer bought every antecedent item (in any orders); only rules with
    one consequent and lift > 1 count. Score = confidence × lift; ties go to the higher
    confidence, then the SKU. Output: customer_id, sku, product_name, score, confidence, lift,
    antecedent, reason — one row per customer with a firing rule.
    """
    cat = pl.Categorical  # integer joins and group-bys on customers and SKUs
    bought = (
        product_lines(lines)
        .filter(pl.col("customer_id").is_not_null())
        .select(pl.col("customer_id").cast(cat), pl.col("sku").cast(cat))
        .unique()
    )
    ranked = (  # rank 0 is the best rule anywhere, so a customer's best is their lowest rank
        rules.filter((pl.col("consequent").list.len() == 1) & (pl.col("lift") > 1))
        .with_columns(
            pl.col("consequent").list.first().alias("target"),
            (pl.col("confidence") * pl.col("lift")).alias("score"),
            pl.col("antecedent").list.join(_SEP).alias("ant_key"),
        )
        .sort(["score", "confidence", "target", "ant_key"], descending=[True, True, False, False])
        .with_row_index("rank")
    )
    triggers = ranked.lazy().select(
        "rank",
        pl.col("target").cast(cat),
        pl.col("antecedent").list.len().alias("needs"),
        pl.col("antecedent").alias("sku"),
    )
    single = bought.join(
        triggers.filter(pl.col("needs") == 1).explode("sku").with_columns(pl.col("sku").cast(cat)),
        on="sku",
    ).select("customer_id", "rank", "target")
    several = (
        bought.join(
            triggers.filter(pl.col("needs") > 1)
            .explode("sku")
            .with_columns(pl.col("sku").cast(cat)),
            on="sku",
        )
        .group_by("customer_id", "rank")
        .agg(pl.len().alias("have"), pl.col("needs", "target").first())
        .filter(pl.col("have") == pl.col("needs"))
        .select("customer_id", "rank", "target")
    )
    best = (
        pl.concat([single, several])
        .join(
            bought, left_on=["customer_id", "target"], right_on=["customer_id", "sku"], how="anti"
        )
        .group_by("customer_id")
        .agg(pl.col("rank").min())
        .with_columns(pl.col("customer_id").cast(pl.Utf8))
        .collect()
    )
    names = catalogue.select("sku", pl.col("product_name").fill_null(pl.col("sku")))
    picked = best.join(ranked, on="rank").rename({"target": "sku"})
    because = (
        picked.select("customer_id", pl.col("antecedent").alias("ant"))
        .with_columns(pl.int_ranges(pl.col("ant").list.len()).alias("pos"))
        .explode("ant", "pos")
        .join(names.rename({"sku": "ant"}), on="ant", how="left")
        .group_by("customer_id")
        .agg(pl.col("product_name").fill_null(pl.col("ant")).sort_by("pos").str.join(" and "))
        .rename({"product_name": "because"})
    )
    return (
        picked.join(names, on="sku", how="left")
        .join(because, on="customer_id", how="left")
        .select(
            "customer_id",
            "sku",
            pl.col("product_name").fill_null(pl.col("sku")),
            "score",
            "confidence",
            "lift",
            "antecedent",
            pl.format(
                "bought {}; {}% of {} buyers also buy {} (lift {})",
                pl.col("because"),
                (pl.col("confidence") * 100).round(0).cast(pl.Int64),
                pl.col("because"),
                pl.col("product_name").fill_null(pl.col("sku")),
                pl.col("lift").round(1),
            ).alias("reason"),
        )
        .sort("customer_id")
    )
