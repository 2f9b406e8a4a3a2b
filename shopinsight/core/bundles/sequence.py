"""Sequence rules: what customers bought in a *later* order after a product, not in the same
basket. Bundle rules ignore order sequence, so "came back for" is the better next product to
suggest (gifts, win-back notes); `offers.next_products` prefers these and falls back to bundles.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.bundles.basket import product_lines
from shopinsight.core.orders import UTC, local_day

MIN_CUSTOMERS = 3
"""Customers a sequence rule needs (A first, then B) before it suggests B after A."""

_PER_PRODUCT = 50  # sequence rules tried per product: a customer rarely owns all 50 targets
_FIRST_TRY = 4  # ...and rarely the first four: those are tried first, the rest where needed


def _purchase_days(lines: pl.LazyFrame, tz: str = UTC) -> pl.LazyFrame:
    """(customer_id, sku, day, n, last): products per customer and purchase day; n = 1 on the
    first day, 2 on the second (null later: nothing reads further); last marks the latest day.
    Days are the shop's (`tz`, `orders.local_day`): a New York customer's orders at 20:00 and
    21:00 are one purchase day, though the second is the next day in UTC.

    The first, second and last days are a customer's minimum, maximum and minimum past the
    first: three window aggregates, a third cheaper than ranking every day.
    """
    cat = pl.Categorical
    bought = (
        product_lines(lines)
        .filter(pl.col("customer_id").is_not_null() & pl.col("ordered_at").is_not_null())
        .select(
            pl.col("customer_id").cast(cat),
            pl.col("sku").cast(cat),
            local_day(pl.col("ordered_at"), tz).alias("day"),
        )
        .unique()
    )
    day = pl.col("day")
    who = pl.col("customer_id").to_physical()  # windows over the integer codes: 15% faster
    return (
        bought.with_columns(
            day.min().over(who).alias("_first"),
            (day == day.max().over(who)).alias("last"),
        )
        .with_columns(pl.when(day > pl.col("_first")).then(day).min().over(who).alias("_second"))
        .select(
            "customer_id", "sku", "day",
            pl.when(day == pl.col("_first")).then(pl.lit(1, pl.Int32))
            .when(day == pl.col("_second")).then(pl.lit(2, pl.Int32))
            .alias("n"),
            "last",
        )
    )  # fmt: skip


def sequence_rules(lines: pl.LazyFrame, min_customers: int = 3, tz: str = UTC) -> pl.DataFrame:
    """(first, target, customers, came_back, confidence, lift): product A bought on a customer's
    first purchase day, product B first bought on their second (a later order); days on the
    shop's clock (`tz`).

    Like `insights.journey` but over every product of the two days, not only the main one.
    customers = customers with A first and B next; came_back = customers with A first who made a
    second purchase; confidence = customers / came_back; lift = confidence / the share of all
    returning customers whose second purchase brought B. Kept: customers >= min_customers and
    lift > 1 (a bestseller everyone comes back for says nothing about A).
    """
    return _rules(_purchase_days(lines, tz).collect().lazy(), min_customers)


def _rules(days: pl.LazyFrame, min_customers: int) -> pl.DataFrame:
    """`sequence_rules` from `_purchase_days`, best first."""
    first = days.filter(pl.col("n") == 1).select("customer_id", pl.col("sku").alias("first"))
    second = (
        days.filter(pl.col("n") == 2)
        .select("customer_id", pl.col("sku").alias("target"))
        .join(first, left_on=["customer_id", "target"], right_on=["customer_id", "first"],
              how="anti")
    )  # fmt: skip
    returning = days.filter(pl.col("n") == 2).select("customer_id").unique()
    first_back = first.join(returning, on="customer_id", how="semi")
    came_back = first_back.group_by("first").agg(pl.len().alias("came_back"))
    base = second.group_by("target").agg(pl.len().alias("next_buyers"))
    n_back = returning.select(pl.len()).collect().item()
    rules = (
        first_back.join(second, on="customer_id")
        .group_by("first", "target")
        .agg(pl.len().alias("customers"))
        .filter(pl.col("customers") >= min_customers)
        .join(came_back, on="first")
        .join(base, on="target")
        .with_columns((pl.col("customers") / pl.col("came_back")).alias("confidence"))
        .with_columns(
            (pl.col("confidence") / (pl.col("next_buyers") / max(n_back, 1))).alias("lift")
        )
        .filter(pl.col("lift") > 1)
        .select("first", "target", "customers", "came_back", "confidence", "lift")
        .sort(["confidence", "customers", "first", "target"], descending=[True, True, False, False])
    )
    return rules.collect()


def ranked_sequence_rules(
    lines: pl.LazyFrame, min_customers: int = MIN_CUSTOMERS, tz: str = UTC
) -> pl.DataFrame:
    """(rank, first, target, customers, came_back, confidence, lift): `sequence_rules` ranked
    once (rank 0 = best anywhere) with each product's `_PER_PRODUCT` best kept: the rules
    `sequence_next` tries. Learnt from every customer; kept, they let one customer's pick be
    made later from that customer's lines alone. Products as text (a cacheable frame); days on
    the shop's clock (`tz`)."""
    ranked = _ranked(_purchase_days(lines, tz).collect().lazy(), min_customers)
    return ranked.with_columns(pl.col("first", "target").cast(pl.Utf8))


def _ranked(days: pl.LazyFrame, min_customers: int) -> pl.DataFrame:
    """`ranked_sequence_rules` from `_purchase_days`."""
    return (
        _rules(days, min_customers)
        .with_row_index("rank")
        .filter(pl.int_range(pl.len()).over("first") < _PER_PRODUCT)
    )


def sequence_next(
    lines: pl.LazyFrame,
    catalogue: pl.DataFrame,
    min_customers: int,
    customers: pl.Series | None = None,
    rules: pl.DataFrame | None = None,
    tz: str = UTC,
) -> pl.DataFrame:
    """Per customer the strongest sequence rule fired by a product of their first or latest
    purchase day (the shop's day, `tz`) whose target they never bought (higher confidence, then
    more customers).

    Rules are ranked once (rank 0 = best anywhere) and only each product's `_PER_PRODUCT` best
    are tried, so a customer's pick is a group-by minimum over a bounded join, not a sort.
    `customers` limits the picks (not the rules, learnt from everyone) to those ids: the churn
    list needs a few hundred, and trying the rules on 200,000 customers cost seconds.
    `rules` (from `ranked_sequence_rules`) skips learning them: then only the lines of
    `customers` are read (a customer's first, second and last days are their own).
    """
    wanted = None
    if customers is not None:
        wanted = customers.cast(pl.Utf8).drop_nulls().unique().cast(pl.Categorical)
    if rules is None:
        days = _purchase_days(lines, tz).collect().lazy()
        rules = _ranked(days, min_customers)
    else:
        rules = rules.with_columns(pl.col("first", "target").cast(pl.Categorical))
        if wanted is not None:
            lines = lines.filter(pl.col("customer_id").is_in(wanted.cast(pl.Utf8).implode()))
        days = _purchase_days(lines, tz)
    if wanted is not None:
        days = days.join(wanted.to_frame("customer_id").lazy(), on="customer_id", how="semi")
    picked = days.collect()
    owned = picked.select("customer_id", "sku")
    triggers = (
        picked.filter((pl.col("n") == 1) | pl.col("last"))
        .select("customer_id", pl.col("sku").alias("first"))
        .unique()
    )
    best, unsure = _best(triggers, rules, owned, _FIRST_TRY)
    if unsure.height:  # a customer who owns every one of a product's first targets: all 50
        rest, _ = _best(triggers.join(unsure, on="customer_id", how="semi"), rules, owned, None)
        best = pl.concat([best, rest])
    fired = best.join(rules, on="rank").with_columns(
        pl.col("customer_id", "first", "target").cast(pl.Utf8)
    )
    names = catalogue.select("sku", pl.col("product_name").fill_null(pl.col("sku")))
    a = names.rename({"sku": "first", "product_name": "first_name"})
    return (
        fired.join(names.rename({"sku": "target"}), on="target", how="left")
        .join(a, on="first", how="left")
        .select(
            "customer_id",
            pl.col("target").alias("sku"),
            pl.col("product_name").fill_null(pl.col("target")),
            (pl.col("confidence") * pl.col("lift")).alias("score"),
            "confidence",
            "lift",
            pl.concat_list(pl.col("first")).alias("antecedent"),
            pl.format(
                "customers who bought {} came back for {} ({} of {})",
                pl.col("first_name").fill_null(pl.col("first")),
                pl.col("product_name").fill_null(pl.col("target")),
                pl.col("customers"),
                pl.col("came_back"),
            ).alias("reason"),
            pl.lit("sequence").alias("basis"),
        )
    )


def _pair(customer: str, sku: str) -> pl.Expr:
    """One integer per (customer, product): their category codes side by side, so the
    ownership test is a join on one number, not on two columns."""
    code = [pl.col(c).to_physical().cast(pl.UInt64) for c in (customer, sku)]
    return (code[0] * (1 << 32) + code[1]).alias("_pair")


def _best(
    triggers: pl.DataFrame, rules: pl.DataFrame, owned: pl.DataFrame, top: int | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(customer_id, rank) of each customer's best rule among each trigger product's `top`
    best (all when None) whose target they do not own, and the customers this cannot settle:
    those owning all `top` targets of a trigger product that has more rules. A product's best
    free target is among its first `top` unless they are all owned, so the others' minimum is
    exact: the join is a few rows per trigger, not fifty.
    """
    tried = rules.select("rank", "first", "target")
    if top is not None:
        tried = tried.filter(pl.int_range(pl.len()).over("first") < top)
    pairs = owned.select(_pair("customer_id", "sku"))
    tries = triggers.join(tried, on="first").with_columns(_pair("customer_id", "target"))
    best = (
        tries.join(pairs, on="_pair", how="anti").group_by("customer_id").agg(pl.col("rank").min())
    )
    if top is None:
        return best, best.clear().select("customer_id")
    deep = rules.group_by("first").agg(pl.len().alias("_n")).filter(pl.col("_n") > top)
    unsure = (
        tries.join(pairs, on="_pair", how="semi")
        .join(deep.select("first"), on="first", how="semi")
        .group_by("customer_id", "first")
        .agg(pl.len().alias("_owned"))
        .filter(pl.col("_owned") >= top)
        .select("customer_id")
        .unique()
    )
    return best.join(unsure, on="customer_id", how="anti"), unsure
