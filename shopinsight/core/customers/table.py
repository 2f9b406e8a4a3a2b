"""The customer table: one row per customer as of a day, in the shop's main currency.

Follows LANDSCAPE §4.0: only counted orders (not cancelled, a customer, money kept) make a
customer and count towards recency, frequency and spend; frequency counts distinct order days;
monetary is net of refunds. Refunded orders still count for the refund share. Hours and weekdays
are read in the store's timezone (`shop.timezone`): "ordered at night" means the shop's night.
Group-bys run on the integer keys of `shop_data` (`_ck` customer, `_sk` SKU, `_ok` order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import polars as pl

from shopinsight.core.customers.product_stats import product_stats
from shopinsight.core.orders import as_of_end
from shopinsight.core.schema import PolarsType
from shopinsight.core.shop_data import ShopData

__all__ = ["beside", "customer_table"]

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _year_before(moment: dt.datetime) -> dt.datetime:
    """The same instant a calendar year earlier (29 Feb -> 28 Feb): the trailing-12-month start."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def customer_table(
    data: ShopData, attrs: pl.LazyFrame | pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per customer with >= 1 counted order (plus `_ck`, the integer customer key
    the tag features join on).

    Columns: customer_id, email, first_name, last_name, customer_name, country, currency,
    first_order, last_order, orders, frequency, items, monetary, monetary_12m, aov,
    recency_days, tenure_days, typical_gap_days, max_gap_days, favorite_sku, favorite_product,
    favorite_category, top_category_share, categories, distinct_skus, product_purchases,
    discount_share, gift_share, refund_share, note_share, night_share, early_share,
    weekend_share, usual_hour, usual_weekday, channels, marketplaces, accepts_marketing,
    consent_source, existing_tags, phone, and the order counts behind each share.
    """
    as_of, end = data.as_of, as_of_end(data.as_of)
    orders = data.orders.lazy()
    counted = orders.filter(pl.col("counted"))
    habits = _habits(data.orders)
    n = pl.col("orders")
    base = (
        counted.with_columns(habits.bits)
        .group_by("_ck")
        .agg(
            pl.col("ordered_at").min().alias("first_order"),
            pl.col("ordered_at").max().alias("last_order"),
            pl.len().cast(pl.Int64).alias("orders"),
            pl.col("items").sum().cast(pl.Int64).alias("items"),
            pl.col("net_revenue").sum().alias("monetary"),
            # when/then rather than a filter: a filter inside a group-by costs 4× more
            pl.when(pl.col("ordered_at") >= _year_before(end))
            .then(pl.col("net_revenue"))
            .sum()
            .alias("monetary_12m"),
            *[pl.col(f).sum().alias(f"{a}_orders") for f, a in _FLAG_COUNTS],
            pl.col("has_products").sum().alias("product_orders"),
            (pl.col("products") == 1).sum().alias("single_product_orders"),
            pl.col("discount_pct").mean().alias("mean_discount_pct"),
            pl.when("has_products").then("items").mean().alias("units_per_order"),
            pl.when("has_products").then("products").mean().alias("products_per_order"),
            *habits.aggs,
        )
    )
    # return documents (credit notes) are not purchases, but their negative money nets
    # against the customer's spend: bought and returned the same day spends nothing
    returned = pl.col("status") == "returned"
    sold = ~pl.col("status").is_in(["cancelled", "returned"])  # on the Enum: no text copies
    when = lambda cond, col: pl.when(cond).then(pl.col(col))  # noqa: E731 (not a filter: 4× faster)
    every = orders.group_by("_ck").agg(
        when(sold, "order_total").sum().alias("gross_spend"),
        when(pl.col("status") != "cancelled", "refunded").sum().alias("refunded_amount"),
        pl.col("has_refund").sum().alias("refunded_orders"),
        when(returned, "net_revenue").sum().alias("_returned"),
        when(returned & (pl.col("ordered_at") >= _year_before(end)), "net_revenue")
        .sum()
        .alias("_returned_12m"),
    )
    gap_stats = _gap_stats(data.gaps).lazy()
    share = lambda col: (pl.col(f"{col}_orders") / n).alias(f"{col}_share")  # noqa: E731
    masks = [m for m, _name, _values in habits.masks]
    temporary = [a.meta.output_name() for a in habits.aggs if a.meta.output_name() not in masks]
    base = base.with_columns(habits.finish).drop(temporary)
    listed = [_listed(counted, col, name) for col, name in habits.slow]
    parts = pl.collect_all([base, every, gap_stats, *listed])
    table = _unmask(parts[0], habits.masks)
    table = beside(table, [*parts[1:], _latest(data.orders), product_stats(data)])
    table = (
        table.lazy()
        .with_columns(
            # to the cent: a float sum's last bit depends on the order Polars' threads add in,
            # and ranks, VIP cut-offs and ties must be the same on every run
            (pl.col("monetary") + pl.col("_returned").fill_null(0.0)).round(2).alias("monetary"),
            (pl.col("monetary_12m") + pl.col("_returned_12m").fill_null(0.0))
            .round(2)
            .alias("monetary_12m"),
            (pl.col("refunded_amount") - pl.col("_returned").fill_null(0.0)).alias(
                "refunded_amount"
            ),
        )
        .with_columns(
            (pl.col("_repeat_days").fill_null(0) + 1).alias("frequency"),
            pl.lit(data.currency).alias("currency"),
            (pl.col("monetary") / n).alias("aov"),
            (pl.lit(as_of) - pl.col("last_order").dt.date()).dt.total_days().alias("recency_days"),
            (pl.lit(as_of) - pl.col("first_order").dt.date()).dt.total_days().alias("tenure_days"),
            *[share(a) for _f, a in _FLAG_COUNTS],
            pl.when(pl.col("gross_spend") > 0)
            .then(pl.col("refunded_amount") / pl.col("gross_spend"))
            .otherwise(0.0)
            .alias("refund_share"),
        )
        .rename({"discounted_share": "discount_share"})
        .collect()
    )
    return _join_attrs(table, attrs).select("_ck", *_COLUMNS)


def beside(table: pl.DataFrame, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Each part's columns (one row per `_ck` at most) for the table's customers, set beside
    the table: a left join on `_ck`.

    Customer keys are small dense integers (`shop_data`), so a part's row for a key is read
    from an array indexed by key: no hashing, and the table's columns are not copied (a join
    per part cost 3×)."""
    keys = table.get_column("_ck")
    size = 1 + max(
        cast(int, ids.max() or 0) for ids in [keys, *(p.get_column("_ck") for p in parts)]
    )
    columns: list[pl.Series] = []
    for part in parts:
        rows = part.select(pl.int_range(pl.len(), dtype=pl.UInt32)).to_series()
        where = pl.select(pl.repeat(None, size, dtype=pl.UInt32)).to_series()
        where.scatter(part.get_column("_ck"), rows)
        columns.extend(part.drop("_ck")[where.gather(keys)].iter_columns())
    return table.hstack(columns)


def _gap_stats(gaps: pl.DataFrame) -> pl.DataFrame:
    """_repeat_days, typical_gap_days (median) and max_gap_days per customer; only repeat days
    have a gap (each customer's first day is the one null).

    One sort of the (customer, gap) pairs packed in an integer puts each customer's gaps in a
    sorted run: the median is the mean of the run's middle two, the max its last. (A median
    inside a group-by sorts every group: 4× the cost.)"""
    key = pl.col("_ck").cast(pl.UInt64) * 2**32 + pl.col("gap_days").cast(pl.UInt64)  # gaps > 0
    ranked = (
        gaps.lazy()
        .filter(pl.col("gap_days").is_not_null())
        .select(key.alias("_key"))
        .sort("_key")
        .select(
            (pl.col("_key") // 2**32).cast(gaps.schema["_ck"]).alias("_ck"),
            (pl.col("_key") % 2**32).cast(pl.Int64).alias("gap"),
        )
        .collect()
    )
    ck, gap = ranked.get_column("_ck"), ranked.get_column("gap")
    start = ck.ne_missing(ck.shift()).fill_null(True).arg_true()
    ends = [start.slice(1), pl.Series([ranked.height] if ranked.height else [], dtype=start.dtype)]
    n = pl.concat(ends) - start
    return pl.DataFrame(
        {
            "_ck": ck.gather(start),
            "_repeat_days": n.cast(pl.Int64),
            "typical_gap_days": (gap.gather(start + (n - 1) // 2) + gap.gather(start + n // 2)) / 2,
            "max_gap_days": gap.gather(start + n - 1),
        }
    )


def _latest(orders: pl.DataFrame) -> pl.DataFrame:
    """customer_id, email, name, country and consent from each customer's latest order that
    has them (consent: the latest counted order's flag).

    Columns are picked before each filter and the name worked out after it, so a filter copies
    only what it keeps."""
    name = pl.coalesce("customer_name", "billing_name", "shipping_name").alias("customer_name")
    names = ["customer_name", "billing_name", "shipping_name"]
    cols = ["_ck", "_ok", "ordered_at", "counted", "customer_id", "email", "country", *names]
    ordered = orders.select(*cols, pl.col("accepts_marketing").alias("_order_consent"))
    if not ordered.get_column("ordered_at").is_sorted():
        ordered = ordered.sort("ordered_at", "_ok")
    last = ordered.filter(pl.col("_ck").is_last_distinct())  # filtered eagerly: order matters
    out = last.select("_ck", "customer_id", "email", name, "country")
    for col in ("email", "customer_name", "country"):
        if not out.get_column(col).has_nulls():  # the latest order had it for everyone
            continue
        value = name if col == "customer_name" else pl.col(col)
        have = ordered.select("_ck", value).filter(pl.col(col).is_not_null())
        have = have.filter(pl.col("_ck").is_last_distinct())
        out = out.drop(col).join(have, on="_ck", how="left")
    consent = ordered.select("_ck", "counted", "_order_consent").filter(pl.col("counted"))
    consent = consent.filter(pl.col("_ck").is_last_distinct()).select("_ck", "_order_consent")
    return out.join(consent, on="_ck", how="left")


_FLAG_COUNTS = [
    ("has_discount", "discounted"), ("gift", "gift"), ("has_note", "note"), ("night", "night"),
    ("early", "early"), ("weekend", "weekend"),
]  # fmt: skip

_COLUMNS = [
    "customer_id", "email", "first_name", "last_name", "customer_name", "country", "currency",
    "first_order", "last_order", "orders", "frequency", "items", "monetary", "monetary_12m",
    "aov", "recency_days", "tenure_days", "typical_gap_days", "max_gap_days", "favorite_sku",
    "favorite_product", "favorite_category", "top_category_share", "categories",
    "distinct_skus", "product_purchases", "discount_share", "gift_share", "refund_share",
    "note_share", "night_share", "early_share", "weekend_share", "usual_hour", "usual_weekday",
    "channels", "marketplaces", "accepts_marketing", "consent_source", "existing_tags", "phone",
    "discounted_orders", "gift_orders", "note_orders", "night_orders", "early_orders",
    "weekend_orders", "refunded_orders", "gross_spend", "refunded_amount", "product_orders",
    "single_product_orders", "mean_discount_pct", "units_per_order", "products_per_order",
]  # fmt: skip


_HOURS, _DAYS = range(24), range(1, 8)


@dataclass
class _Habits:
    """The habit columns as parts of the customer group-by (see `_habits`)."""

    bits: list[pl.Expr]  # per order, before the group-by
    aggs: list[pl.Expr]  # in the group-by
    finish: list[pl.Expr]  # on the grouped rows
    masks: list[tuple[str, str, list[str]]]  # (mask column, list name, the values by bit)
    slow: list[tuple[str, str]]  # (column, name) with too many values for a mask


def _habits(orders: pl.DataFrame) -> _Habits:
    """The most usual local hour and weekday (ties: the earliest) from one count per hour and
    weekday, and the sorted channels and marketplaces from a bit mask of the values bought
    through, as aggregations of the one customer group-by.

    Why: a group-by per habit on (customer, value) pairs cost 4× the customer group-by."""
    hours = [pl.col(f"_h{h}") for h in range(24)]
    days = [pl.col(f"_d{d}") for d in range(1, 8)]
    out = _Habits(
        bits=[],
        aggs=[
            *[(pl.col("local_hour") == h).sum().alias(f"_h{h}") for h in range(24)],
            *[(pl.col("local_weekday") == d).sum().alias(f"_d{d}") for d in range(1, 8)],
        ],
        finish=[
            _first_max(hours).alias("usual_hour"),
            _first_max(days)
            .replace_strict(list(range(7)), WEEKDAYS, return_dtype=pl.Utf8)
            .alias("usual_weekday"),
        ],
        masks=[],
        slow=[],
    )
    for col, name in (("channel_label", "channels"), ("source", "marketplaces")):
        values = orders.get_column(col).drop_nulls().unique().sort()
        if values.len() > 63:  # more than a mask holds
            out.slow.append((col, name))
            continue
        mask = f"_m_{name}"
        if values.len() <= 8:  # a few values: one `any` each is 4× cheaper than a bitwise or
            seen = [f"{mask}{i}" for i in range(values.len())]
            out.aggs.extend(
                (pl.col(col) == v).any().alias(b) for v, b in zip(values, seen, strict=True)
            )
            bits = [pl.col(b).cast(pl.UInt64) * 2**i for i, b in enumerate(seen)]
            none = pl.lit(0, pl.UInt64)  # no value at all (every order without one)
            out.finish.append((pl.sum_horizontal(bits) if bits else none).alias(mask))
        else:
            code = pl.col(col).cast(pl.Enum(values.to_list())).to_physical()
            out.bits.append(pl.lit(2, pl.UInt64).pow(code).alias(mask))
            out.aggs.append(pl.col(mask).bitwise_or().fill_null(0))
        out.masks.append((mask, name, values.to_list()))
    return out


def _unmask(table: pl.DataFrame, masks: list[tuple[str, str, list[str]]]) -> pl.DataFrame:
    """Bit masks back to sorted lists of values, decoded once per distinct mask (a customer
    with no value keeps a null list)."""
    decoded = []
    for mask, name, values in masks:
        listed = pl.lit(None, pl.List(pl.Utf8))
        combinations = table.get_column(mask).unique()
        if combinations.len() > 64:  # many: one join instead of a branch each
            lists = pl.concat_list(
                pl.when(pl.col(mask) // 2**i % 2 == 1).then(pl.lit(v)) for i, v in enumerate(values)
            ).list.drop_nulls()
            seen = combinations.to_frame().filter(pl.col(mask) > 0)
            table = table.join(seen.with_columns(lists.alias(name)), on=mask, how="left")
            continue
        for seen in combinations.to_list():
            chosen = [v for i, v in enumerate(values) if seen >> i & 1]
            if chosen:
                listed = pl.when(pl.col(mask) == seen).then(pl.lit(chosen)).otherwise(listed)
        decoded.append(listed.alias(name))
    return table.with_columns(decoded).drop(m for m, _name, _values in masks)


def _first_max(cols: list[pl.Expr]) -> pl.Expr:
    """The position of the first column holding the row's largest value."""
    top = pl.max_horizontal(cols)
    return pl.coalesce(pl.when(c == top).then(pl.lit(i, pl.Int8)) for i, c in enumerate(cols))


def _listed(counted: pl.LazyFrame, col: str, name: str) -> pl.LazyFrame:
    """The sorted distinct values of a column per customer (channels, marketplaces)."""
    return (
        counted.filter(pl.col(col).is_not_null())
        .group_by("_ck", col)
        .len()
        .sort(col)
        .group_by("_ck")
        .agg(pl.col(col).alias(name))
    )


_ATTR_SCHEMA: dict[str, PolarsType] = {
    "customer_id": pl.Utf8, "_a_first": pl.Utf8, "last_name": pl.Utf8, "phone": pl.Utf8,
    "_a_country": pl.Utf8, "_a_email": pl.Utf8, "_a_consent": pl.Boolean,
    "existing_tags": pl.List(pl.Utf8),
}  # fmt: skip


def _join_attrs(table: pl.DataFrame, attrs: pl.LazyFrame | pl.DataFrame | None) -> pl.DataFrame:
    """Names, phone, existing tags and consent from a customers export win over the orders'."""
    a = attrs.lazy().collect() if isinstance(attrs, pl.LazyFrame) else attrs
    if a is None or a.height == 0:  # nothing to join (the usual case): the columns, all null
        empty = [pl.lit(None, t).alias(c) for c, t in _ATTR_SCHEMA.items() if c != "customer_id"]
        table = table.with_columns(empty)
    else:
        a = (
            a.filter(pl.col("customer_id").is_not_null())
            .unique("customer_id", keep="last", maintain_order=True)
            .select(
                "customer_id",
                pl.col("first_name").alias("_a_first"),
                "last_name",
                "phone",
                pl.col("country").alias("_a_country"),
                pl.col("email").alias("_a_email"),
                pl.col("accepts_marketing").alias("_a_consent"),
                "existing_tags",
            )
        )
        table = table.join(a, on="customer_id", how="left")
    first_token = pl.col("customer_name").str.strip_chars().str.split(" ").list.first()
    return table.with_columns(
        pl.coalesce("_a_first", first_token).alias("first_name"),
        pl.coalesce("country", "_a_country").alias("country"),
        pl.coalesce("email", "_a_email").alias("email"),
        pl.coalesce("_a_consent", "_order_consent").alias("accepts_marketing"),
        pl.when(pl.col("_a_consent").is_not_null())
        .then(pl.lit("customers export"))
        .when(pl.col("_order_consent").is_not_null())
        .then(pl.lit("latest order"))
        .alias("consent_source"),
        pl.col("existing_tags").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
    )
