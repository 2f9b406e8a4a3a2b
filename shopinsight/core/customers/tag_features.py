"""Per-customer inputs for the behavioural tags beyond the customer table, and the shop
numbers the rules compare against (P90 units per order, P40 order value, P75 item price, P95
repeat gap): impulse/deliberate orders, family signals, replenishment rhythm, anniversaries and
the spend rank for VIPs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, cast

import numpy as np
import polars as pl

from shopinsight.core.customers.table import beside
from shopinsight.core.orders import local_day
from shopinsight.core.product_names import spoken_name
from shopinsight.core.shop_data import PRODUCT, ShopData, pair, sorted_diff, unpair

__all__ = ["FILLED", "ORDER_FIELDS", "replenishment", "table_features", "tag_features"]


def _q(values: pl.Series, q: float) -> float:
    v = values.drop_nulls()
    return float(cast(float, v.quantile(q, interpolation="linear"))) if v.len() else 0.0


_ORDER_COLUMNS = [
    "_ok", "_ck", "items", "products", "has_products", "net_revenue", "night", "max_unit_price",
    "local_month", "max_qty",
]  # fmt: skip
_PLACE_COLUMNS = ["_ck", "counted", "shipping_name", "postal_code", "city"]
ORDER_FIELDS = sorted({*_ORDER_COLUMNS, *_PLACE_COLUMNS, "channel_label", "customer_id"})
"""Every column of `ShopData.orders` the tag features read."""


def tag_features(
    data: ShopData, config: dict[str, Any]
) -> tuple[pl.DataFrame, dict[str, float], pl.DataFrame]:
    """Per-customer tag inputs, shop reference numbers, and the replenishment plan.

    Returns (features keyed by `_ck`, stats, replenishment) where replenishment has
    customer_id, sku, product_name, purchases, mean_gap_days, gap_cv, last_bought, due_date.
    Independent of the customer table, so the two can be computed side by side.
    """
    cfg: dict[str, Any] = config.get("tags") or {}
    social = [str(s).lower() for s in cfg.get("social_channels", [])]
    via_social = pl.lit(False)
    if social:  # each distinct channel read once, not each order's
        labels = data.orders.get_column("channel_label").drop_nulls().unique()
        labels = labels.filter(labels.str.to_lowercase().str.contains_any(social))
        via_social = pl.col("channel_label").is_in(labels.implode()).fill_null(False)
    # only numbers are copied out of the counted orders (a filter copies every column it
    # keeps); the text the tags read (product names, variants, categories, recipients'
    # addresses) is read lazily, for the rows that need it: copies of it held ~0.6 GB at 5M
    # lines, beside the customer table built at the same time
    counted = data.orders.lazy().filter(pl.col("counted"))
    orders = counted.select(*_ORDER_COLUMNS, via_social.alias("_social")).collect()
    lines = data.lines.lazy().with_row_index("_i").filter(PRODUCT & pl.col("counted"))
    unit_prices = lines.select("unit_price").collect().to_series()
    with_products = orders.select("items", "products").filter(orders.get_column("has_products"))

    def pct(key: str, default: float) -> float:
        return float(cfg.get(key, default)) / 100

    # per customer (dense key, numpy tallies in key order): orders of each kind
    ck = orders.get_column("_ck").to_numpy()
    size = int(ck.max()) + 1 if ck.size else 1
    n = np.bincount(ck, minlength=size)
    keys = np.flatnonzero(n)
    customers = keys.size
    stats = {
        "p90_units": _q(with_products.get_column("items").cast(pl.Float64), 0.9),
        "p90_products": _q(with_products.get_column("products").cast(pl.Float64), 0.9),
        "p40_order_value": _q(
            orders.get_column("net_revenue"), pct("impulse_price_percentile", 40)
        ),
        "p75_unit_price": _q(unit_prices, pct("deliberate_price_percentile", 75)),
        "p95_gap_days": _q(data.gaps.get_column("gap_days").cast(pl.Float64), 0.95),
        "customers": float(customers),
        "vip_rank_limit": float(math.ceil(float(cfg.get("vip_top_share", 0.05)) * customers)),
    }
    months = [int(m) for m in cfg.get("holiday_months", [11, 12])]
    impulse = (
        (pl.col("products") == 1)
        & (pl.col("items") == 1)
        & (pl.col("net_revenue") <= stats["p40_order_value"])
        & (pl.col("night") | pl.col("_social"))
    )
    kinds = orders.select(
        impulse.fill_null(False).alias("impulse_orders"),
        (pl.col("max_unit_price") > stats["p75_unit_price"])
        .fill_null(False)
        .alias("deliberate_orders"),
        pl.col("local_month").is_in(months).fill_null(False).alias("holiday_orders"),
        (pl.col("max_qty") >= int(cfg.get("bulk_same_sku_qty", 3)))
        .fill_null(False)
        .alias("bulk_sku_orders"),
    )
    per_order = pl.DataFrame(
        [pl.Series("_ck", keys, dtype=pl.UInt32)]
        + [
            pl.Series(kind.name, np.bincount(ck[kind.to_numpy()], minlength=size)[keys]).cast(
                pl.UInt32
            )
            for kind in kinds.iter_columns()
        ]
    )
    replen = replenishment(data, cfg)
    replen_text = (
        replen.lazy()
        .group_by("_ck")
        .agg(
            pl.len().alias("replenish_skus"),
            pl.format(
                "{} every ~{} days ({} buys), {} {}",
                spoken_name(pl.coalesce("product_name", "sku")),
                pl.col("mean_gap_days").round(0).cast(pl.Int64),
                pl.col("purchases"),
                # a due date before the as-of day is not "next": the rhythm was broken
                pl.when(pl.col("due_date") < pl.lit(data.as_of))
                .then(pl.lit("overdue since"))
                .otherwise(pl.lit("next due")),
                pl.col("due_date"),
            )
            .sort_by("due_date")
            .head(3)
            .str.join("; ")
            .alias("replenish_text"),
            pl.col("due_date").min().alias("replenish_next_due"),
        )
    )
    # each part has one row per customer at most: set beside by key (joins cost 3×)
    family, replen_texts = pl.collect_all([_family(data, lines, orders, cfg), replen_text])
    recipients = _recipients(data.orders)
    feats = beside(per_order, [family, recipients, replen_texts])
    return feats, stats, replen.drop("_ck", "_sk")


FILLED = [
    "impulse_orders", "deliberate_orders", "holiday_orders", "bulk_sku_orders",
    "kids_adult_orders", "replenish_skus", "max_recipients_at_address",
]  # fmt: skip
"""Feature counts that are 0 (not null) for a customer without any."""


def table_features(table: pl.DataFrame, as_of: dt.date, tz: str = "UTC") -> pl.DataFrame:
    """Tag inputs computed on the customer table itself: the next first-order anniversary and
    the spend rank (ties share a rank, so a VIP cut never splits equal spenders).

    The anniversary is worked out once per distinct first-order day (a few hundred), not per
    customer: building dates from parts cost more than the rest of the table's features."""
    day = local_day(pl.col("first_order"), tz)  # the shop's day of the first order
    days = table.select(day.unique().alias("_first_day"))
    dates = days.with_columns(_anniversary(pl.col("_first_day"), as_of))
    looked_up = table.select(day.alias("_first_day")).join(
        dates, on="_first_day", how="left", maintain_order="left"
    )
    return table.hstack(looked_up.drop("_first_day")).with_columns(
        pl.col("monetary").rank("min", descending=True).cast(pl.Int64).alias("spend_rank")
    )


def _family(
    data: ShopData, lines: pl.LazyFrame, orders: pl.DataFrame, cfg: dict[str, Any]
) -> pl.LazyFrame:
    """Products bought in several variants (customers with >= 2 orders); orders mixing kids'
    and adults' categories. Text is hashed once and grouped as integers; names are looked up
    only for the few customers that qualify.

    `lines`: the counted product lines of `data.lines`, lazily, with their row there (`_i`);
    `orders`: the counted orders (`_ok`, `_ck`). A counted line's order is counted, so its
    customer is among the orders' (the gather below would fail, not guess, were it not)."""
    ck_orders = orders.get_column("_ck").to_numpy()
    size = 1 + (int(ck_orders.max()) if ck_orders.size else 0)
    repeat = pl.Series(np.bincount(ck_orders, minlength=size) >= 2)  # by the dense customer key
    named = pl.col("variant").is_not_null() & pl.col("product_name").is_not_null()
    # (customer, product) as one integer: the product name's hash mixed with the customer key
    # (a multiplicative hash); rows sorted on it, so a product bought in two variants or more
    # is a run of rows in which some variant differs from the row before. Only integers are
    # filtered and sorted; the text is fetched for the rows that qualify.
    mixed_in = pl.col("_ck").cast(pl.UInt64) * 0x9E3779B97F4A7C15
    keyed = (
        lines.filter(named & pl.lit(repeat).gather(pl.col("_ck")))
        .select(
            "_i",
            (pl.col("product_name").hash() ^ mixed_in).alias("_pk"),
            pl.col("variant").hash().alias("_vk"),
        )
        .sort("_pk")
        .collect()
    )
    pk, vk = keyed.get_column("_pk").to_numpy(), keyed.get_column("_vk").to_numpy()
    starts = np.ones(pk.size, bool)  # the first row of each product's run
    starts[1:] = pk[1:] != pk[:-1]
    run = np.cumsum(starts) - 1
    several = np.zeros(int(run[-1]) + 1 if run.size else 0, bool)
    several[run[1:][~starts[1:] & (vk[1:] != vk[:-1])]] = True
    keep = several[run]
    order = np.argsort(keyed.get_column("_i").to_numpy()[keep])  # fetched in line order
    at = pl.Series(keyed.get_column("_i").to_numpy()[keep][order])
    text = data.lines.select("_ck", "product_name", "variant")[at]
    text = text.with_columns(pl.Series("_pk", pk[keep][order]))
    variants = (
        text.lazy()
        .unique(["_pk", "variant"])
        .sort("_pk", "variant")
        .group_by("_pk", maintain_order=True)
        .agg(pl.col("_ck", "product_name").first(), pl.col("variant"))
        .with_columns(
            pl.format(
                "{} in {} variants ({})",
                spoken_name(pl.col("product_name")),
                pl.col("variant").list.len(),
                pl.col("variant").list.join(", "),
            ).alias("variant_evidence")
        )
        .group_by("_ck")
        .agg(pl.col("variant_evidence").min())
    )
    kids = [str(k).lower() for k in cfg.get("kids_words", [])]
    if not kids:
        return variants.with_columns(pl.lit(0, pl.UInt32).alias("kids_adult_orders"))
    # which categories are kids' is worked out once per distinct category
    categories = lines.select(pl.col("category").drop_nulls().unique()).collect().to_series()
    kid_categories = categories.filter(categories.str.to_lowercase().str.contains_any(kids))
    if kid_categories.len() == 0:  # no order can mix
        none = pl.lit(None, pl.UInt32).alias("kids_adult_orders")
        return variants.select("_ck", none, "variant_evidence")  # as the join below
    kid = pl.col("category").is_in(kid_categories.implode()).alias("kid")
    mixed = (
        lines.filter(pl.col("category").is_not_null())
        .select("_ok", kid)
        .group_by("_ok")
        .agg(pl.col("kid").max().alias("k"), pl.col("kid").min().alias("a"))
        .filter(pl.col("k") & ~pl.col("a"))
        .join(orders.lazy().select("_ok", "_ck"), on="_ok", how="inner")
        .group_by("_ck")
        .agg(pl.len().cast(pl.UInt32).alias("kids_adult_orders"))
    )
    return mixed.join(variants, on="_ck", how="full", coalesce=True)


def _recipients(orders: pl.DataFrame, packed: bool | None = None) -> pl.DataFrame:
    """Most distinct recipient first names at one address (postal code + city), from the
    counted orders' customer key, shipping name, postal code and city (`orders`: `_ck`,
    `counted`, `shipping_name`, `postal_code`, `city`; the texts are read for the repeat
    customers' counted orders only).

    Distinct (customer, address, first name) rows are counted per address; names are listed
    only for each customer's best address (most names, then the first postal code, then the
    first city, none first).

    The text is ranked once (each postal code, city and name by its place among the distinct
    values sorted) and the rows are sorted on (customer, address, name), packed in one integer
    when it fits (addresses numbered densely first if need be; `packed`: None decides), else
    `np.lexsort`: distinct rows, addresses and customers are then runs. (String unique,
    group-by, sort and join cost 2.5× at 1M lines.)"""
    ck_all = orders.get_column("_ck").to_numpy()
    size = int(ck_all.max()) + 1 if ck_all.size else 1  # every order's key: in bounds below
    counted = orders.get_column("counted").fill_null(False).to_numpy()
    repeat = pl.Series(np.bincount(ck_all[counted], minlength=size) >= 2)
    rows = (
        orders.lazy()
        .filter(
            pl.col("counted")
            & pl.col("shipping_name").is_not_null()
            & pl.col("postal_code").is_not_null()
            & pl.lit(repeat).gather(pl.col("_ck"))
        )
        .select("_ck", "postal_code", "city", "shipping_name")
        .collect()
    )
    if rows.height == 0:
        return pl.DataFrame(
            schema={
                "_ck": rows.schema["_ck"],
                "max_recipients_at_address": pl.UInt32,
                "recipient_evidence": pl.Utf8,
            }
        )
    ck = rows.get_column("_ck").to_numpy().astype(np.int64)
    ck_type = rows.schema["_ck"]
    # the texts as their places among their distinct values, which give the texts back at the
    # end: the rows' texts go now (5M lines: ~0.15 GB less held through the sorts below)
    texts = {c: _ranked(rows.get_column(c)) for c in ("shipping_name", "postal_code", "city")}
    del rows
    texts["name"] = _first_names(*texts.pop("shipping_name"))
    city = texts["city"][0]
    cities = int(city.max()) + 1
    place = texts["postal_code"][0].astype(np.int64) * cities + city
    name = texts["name"][0].astype(np.int64)
    customers, spread = int(ck.max()) + 1, int(name.max()) + 1
    numbered = None  # each dense address number's (postal code, city) place, if numbered
    if customers * (int(place.max()) + 1) * spread >= _PACKED_LIMIT:  # numbered densely
        numbered, place = np.unique(place, return_inverse=True)
    places = int(place.max()) + 1
    if packed is None:
        packed = customers * places * spread < _PACKED_LIMIT
    if packed:  # sorted keys unpacked: no row order to gather by
        key = np.sort((ck * places + place) * spread + name)
        ck, rest = np.divmod(key, places * spread)
        place, name = np.divmod(rest, spread)
        del key, rest
    else:
        order = np.lexsort((name, place, ck))
        ck, place, name = ck[order], place[order], name[order]
        del order
    new_place = np.ones(ck.size, bool)  # the first row of each (customer, address) run
    new_place[1:] = (ck[1:] != ck[:-1]) | (place[1:] != place[:-1])
    distinct = new_place.copy()  # ... and of each (customer, address, name) run
    distinct[1:] |= name[1:] != name[:-1]
    # each row's arrays: only the distinct rows' from here
    ck, starts, place, name = ck[distinct], new_place[distinct], place[distinct], name[distinct]
    del new_place, distinct
    address = np.cumsum(starts) - 1  # each distinct row's address run
    names = np.bincount(address)  # distinct names at each address (reused: the count)
    owner = ck[starts]  # each address's customer (runs in customer order)
    new_ck = np.ones(owner.size, bool)
    new_ck[1:] = owner[1:] != owner[:-1]
    first_address = np.flatnonzero(new_ck)
    most = np.maximum.reduceat(names, first_address)
    top = names == np.repeat(most, np.diff(np.append(first_address, owner.size)))
    top_at = np.flatnonzero(top)  # the first address with the most names: ties, the first
    chosen = np.zeros(owner.size, bool)
    chosen[top_at[np.append(True, owner[top_at][1:] != owner[top_at][:-1])]] = True
    keep = chosen[address]
    place = place[keep] if numbered is None else numbered[place[keep]]
    postal, city = np.divmod(place, cities)
    codes = {"name": name[keep], "postal_code": postal, "city": city}
    listed = pl.DataFrame(
        {
            "_ck": pl.Series(ck[keep]).cast(ck_type).set_sorted(),  # runs: a faster group-by
            "n": pl.Series(names[address[keep]]).cast(pl.UInt32),
        }
    ).hstack([_unranked(codes[c], texts[c][1]).alias(c) for c in ("name", "postal_code", "city")])
    return (
        listed.lazy()
        .group_by("_ck", maintain_order=True)
        .agg(pl.col("name"), pl.col("n", "postal_code", "city").first())
        .select(
            "_ck",
            pl.col("n").alias("max_recipients_at_address"),
            pl.format(
                "{} recipients ({}) at {} {}",
                "n",
                pl.col("name").list.join(", "),
                "postal_code",
                pl.col("city").fill_null(""),
            )
            .str.strip_chars()
            .alias("recipient_evidence"),
        )
        .collect()
    )


_PACKED_LIMIT = 2**62
"""(customer, address, name) are packed in one int64 below this many combinations."""


def _ranked(values: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Each value's place among the column's distinct values sorted, from 1 (null: 0), and
    those distinct values (`_unranked` gives the texts back)."""
    distinct = values.drop_nulls().unique().sort()
    code = values.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64) + 1
    return code.fill_null(0).cast(pl.UInt32).to_numpy(), distinct


def _first_names(codes: np.ndarray, shipping: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """The first names (a shipping name's first word) ranked as `_ranked` ranks them, from the
    shipping names ranked: each distinct shipping name is split once, not each order's."""
    first = shipping.str.strip_chars().str.split(" ").list.first()
    distinct = first.drop_nulls().unique().sort()
    code = first.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64) + 1
    by_name = np.concatenate([[0], code.fill_null(0).cast(pl.UInt32).to_numpy()])
    return by_name[codes].astype(np.uint32), distinct


def _unranked(codes: np.ndarray, distinct: pl.Series) -> pl.Series:
    """The values back from their places (`_ranked`): 0 gives null."""
    code = pl.Series(codes).to_frame("c")
    at = code.select(pl.when(pl.col("c") > 0).then(pl.col("c").cast(pl.Int64) - 1)).to_series()
    return distinct.gather(at)


def replenishment(data: ShopData, cfg: dict[str, Any]) -> pl.DataFrame:
    """SKUs a customer rebuys on a steady rhythm, with the date the next one is due.

    A SKU bought on >= replenish_min_purchases days whose gaps have a coefficient of variation
    below replenish_max_cv; due date = last purchase + mean gap.
    """
    min_buys = int(cfg.get("replenish_min_purchases", 3))
    max_cv = float(cfg.get("replenish_max_cv", 0.5))
    packed = pair("_ck", "_sk")
    often = data.sku_customers.filter(pl.col("n_orders") >= min_buys).select(packed).to_series()
    often = often.sort()
    found = (
        data.lines.lazy()
        .filter(PRODUCT & pl.col("counted") & packed.is_in(often.implode()))
        .select(
            packed.alias("_pair"),
            local_day(pl.col("ordered_at"), data.timezone).cast(pl.Int32).alias("day"),
        )
        .drop_nulls()  # (none: the lines are as of a day)
        .collect()
    )
    # each distinct (customer × SKU, day) as one integer, the pair's place among `often` and
    # the day, sorted once: a pair's days are then a sorted run (a unique and a sort on three
    # columns cost 2.5×)
    at = np.searchsorted(often.to_numpy(), found.get_column("_pair").to_numpy())
    day = found.get_column("day").to_numpy().astype(np.int64) + 2**31
    del found
    key = np.sort((at.astype(np.int64) << 32) | day)
    first = np.ones(key.size, bool)  # distinct: the first of each run (np.unique hashed: 9×)
    first[1:] = key[1:] != key[:-1]
    key = key[first]
    runs = pl.DataFrame(
        {
            "_at": pl.Series(key >> 32).cast(pl.UInt32).set_sorted(),
            "day": pl.Series((key & (2**32 - 1)) - 2**31).cast(pl.Int32).cast(pl.Date),
        }
    )
    plan = (
        runs.lazy()
        .with_columns(sorted_diff("day", ["_at"]).alias("gap"))
        .group_by("_at")
        .agg(
            pl.len().alias("purchases"),
            pl.col("gap").mean().alias("mean_gap_days"),
            (pl.col("gap").std() / pl.col("gap").mean()).alias("gap_cv"),
            pl.col("day").max().alias("last_bought"),
        )
        .filter(
            (pl.col("purchases") >= min_buys)
            & (pl.col("mean_gap_days") > 0)
            & (pl.col("gap_cv") < max_cv)
        )
        .with_columns(
            (
                pl.col("last_bought")
                + pl.duration(days=pl.col("mean_gap_days").round(0).cast(pl.Int64))
            ).alias("due_date"),
            pl.lit(often).gather(pl.col("_at")).alias("_pair"),
        )
        .with_columns(unpair("_pair", "_ck", "_sk"))
        .drop("_at", "_pair")
        .collect()
    )
    names = data.lines.lazy().filter(
        PRODUCT & pl.col("_sk").is_in(plan.get_column("_sk").implode())
    )
    sku_names = names.filter(pl.col("_sk").is_first_distinct()).select("_sk", "sku", "product_name")
    ids = data.orders.lazy().filter(pl.col("_ck").is_first_distinct()).select("_ck", "customer_id")
    return (
        plan.lazy()
        .join(sku_names, on="_sk", how="left")
        .join(ids, on="_ck", how="left")
        .sort("customer_id", "due_date", "sku")
        .select(
            "_ck",
            "_sk",
            "customer_id",
            "sku",
            "product_name",
            "purchases",
            "mean_gap_days",
            "gap_cv",
            "last_bought",
            "due_date",
        )
        .collect()
    )


def _anniversary(first: pl.Expr, as_of: dt.date) -> list[pl.Expr]:
    """Days until the next first-order anniversary (today counts) and which year it is, from
    the first order's day. A first order on 29 February has its anniversary on 28 February in
    other years."""

    def on(year: pl.Expr) -> pl.Expr:
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        day = pl.when((first.dt.month() == 2) & (first.dt.day() == 29) & ~leap)
        return pl.date(year, first.dt.month(), day.then(28).otherwise(first.dt.day()))

    year = pl.lit(as_of.year, pl.Int32)
    this_year = on(year)
    passed = this_year < pl.lit(as_of)
    years = year - first.dt.year().cast(pl.Int32)
    date = pl.when(passed).then(on(year + 1)).otherwise(this_year)
    return [
        date.alias("anniversary_date"),
        pl.when(passed).then(years + 1).otherwise(years).alias("anniversary_years"),
        (date - pl.lit(as_of)).dt.total_days().alias("anniversary_in_days"),
    ]
