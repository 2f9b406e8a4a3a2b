"""The customer table: one row per customer as of a day, in the shop's main currency.

Follows LANDSCAPE §4.0: only counted orders (not cancelled, a customer, money kept) make a
customer and count towards recency, frequency and spend; frequency counts distinct order days;
monetary is net of refunds. Refunded orders still count for the refund share. Hours and weekdays
are read in the store's timezone (`shop.timezone`): "ordered at night" means the shop's night.
Group-bys run on the integer keys of `shop_data` (`_ck` customer, `_sk` SKU, `_ok` order).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
import polars as pl

from shopinsight.core.customers.product_stats import product_stats
from shopinsight.core.customers.segments import no_amounts
from shopinsight.core.orders import as_of_end, local_day
from shopinsight.core.schema import PolarsType
from shopinsight.core.shop_data import ShopData

__all__ = ["ORDER_FIELDS", "beside", "customer_table"]

ORDER_FIELDS = sorted(
    {
        "_ck", "_ok", "status", "ordered_at", "counted", "net_revenue", "local_hour",
        "local_weekday", "items", "products", "has_products", "discount_pct", "has_discount",
        "discount_known",
        "gift", "has_note", "night", "early", "weekend", "order_total", "refunded", "has_refund",
        "channel_label", "source", "customer_id", "email", "customer_name", "billing_name",
        "shipping_name", "country", "accepts_marketing",
    }
)  # fmt: skip
"""Every column of `ShopData.orders` the customer table reads."""

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _year_before(moment: dt.datetime) -> dt.datetime:
    """The same instant a calendar year earlier (29 Feb -> 28 Feb): the trailing-12-month start."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def customer_table(
    data: ShopData,
    attrs: pl.LazyFrame | pl.DataFrame | None = None,
    products: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per customer with >= 1 counted order, biggest net spend first (then by
    customer_id; when no customer has any spend, the exports carrying no amounts: most
    orders first, then the latest last order, then customer_id), plus `_ck`, the integer
    customer key the tag features join on.

    Columns: customer_id, email, first_name, last_name, customer_name, country, currency,
    first_order, last_order, orders, frequency, items, monetary, monetary_12m, aov,
    recency_days, tenure_days, typical_gap_days, max_gap_days, favorite_sku, favorite_product,
    favorite_category, top_category_share, categories, distinct_skus, product_purchases,
    discount_share, gift_share, refund_share, note_share, night_share, early_share,
    weekend_share, usual_hour, usual_weekday, channels, marketplaces, accepts_marketing,
    consent_source, existing_tags, phone, and the order counts behind each share.

    `products`: `product_stats(data)` when worked out already (the only part that reads the
    lines: a big shop's lines can then go first); else worked out here.
    """
    as_of = data.as_of
    n = pl.col("orders")
    latest = _latest(data.orders)
    table, slow = _per_customer(data.orders, _year_before(as_of_end(as_of, data.timezone)), latest)
    counted = data.orders.lazy().filter(pl.col("counted"))
    parts = pl.collect_all([_listed(counted, col, name) for col, name in slow])
    products = product_stats(data) if products is None else products
    parts = [_gap_stats(data.gaps), *parts, latest, products]
    table = beside(table, parts)
    share = lambda col: (pl.col(f"{col}_orders") / n).alias(f"{col}_share")  # noqa: E731
    table = (
        table.lazy()
        .with_columns(
            # to the cent: a float sum's last bit depends on the order it adds in, and ranks,
            # VIP cut-offs and ties must be the same on every run
            (pl.col("monetary") + pl.col("_returned")).round(2).alias("monetary"),
            (pl.col("monetary_12m") + pl.col("_returned_12m")).round(2).alias("monetary_12m"),
            (pl.col("refunded_amount") - pl.col("_returned")).alias("refunded_amount"),
        )
        .with_columns(
            (pl.col("_repeat_days").fill_null(0) + 1).alias("frequency"),
            pl.lit(data.currency).alias("currency"),
            (pl.col("monetary") / n).alias("aov"),
            (pl.lit(as_of) - local_day(pl.col("last_order"), data.timezone))
            .dt.total_days()
            .alias("recency_days"),
            (pl.lit(as_of) - local_day(pl.col("first_order"), data.timezone))
            .dt.total_days()
            .alias("tenure_days"),
            *[share(a) for _f, a in _FLAG_COUNTS],
            pl.when(pl.col("gross_spend") > 0)
            .then(pl.col("refunded_amount") / pl.col("gross_spend"))
            .otherwise(0.0)
            .alias("refund_share"),
        )
        .rename({"discounted_share": "discount_share"})
        # in one chunk a column: the default engine cuts its output in pieces, and the next
        # eager step on the table beside other parts (`beside`) copied every column whole
        # into one chunk (1M lines: ~90 MB of fresh pages, ~0.05 s)
        .collect(engine="in-memory")
    )
    return _join_attrs(table, attrs).select("_ck", *_COLUMNS)


def _per_customer(
    orders: pl.DataFrame, year_start: dt.datetime, latest: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """The order figures of each customer with a counted order, one row per `_ck`: first and
    last order, counts, money, the shares' order counts, habits, and the channels and
    marketplaces (or, with more than 63 values, the (column, name) pairs left for
    `_listed`). `_returned` and `_returned_12m` (return documents' money) are to be netted
    into the spend.

    The rows are in the order the profiles list customers when `latest` (`_latest`: each
    key's customer_id) is given: net spend (as the table rounds it) down, then customer_id
    A-Z (no spend at all: most orders first, `_spend_order`); else in key order. Every
    figure is gathered by key anyway, so the order costs one sort of the keys, not a copy
    of the finished table (sorting the finished profiles moved every column, their texts and
    lists included: a fifth of the steps after the table at 1M lines).

    Customer keys are small dense integers (`shop_data`), so each figure is one numpy tally
    into an array indexed by key (bincount, minimum.at, bitwise_or.at): no hashing. (A
    Polars group-by with these ~40 aggregations cost 3×, its habit counts alone half.)"""
    get = lambda col, fill=None: _numpy(orders.get_column(col), fill)  # noqa: E731
    ck_all = get("_ck").astype(np.intp)
    size = int(ck_all.max()) + 1 if orders.height else 1
    status = pl.col("status")
    flags = orders.select(
        (status == "returned").fill_null(False).alias("returned"),
        (~status.is_in(["cancelled", "returned"])).fill_null(False).alias("sold"),
        (status != "cancelled").fill_null(False).alias("kept"),
        (pl.col("ordered_at") >= year_start).fill_null(False).alias("recent"),
        pl.col("counted").fill_null(False),
    )
    returned, sold, kept, recent, counted = (c.to_numpy() for c in flags.iter_columns())
    ck = ck_all[counted]
    orders_n = np.bincount(ck, minlength=size)
    keys = np.flatnonzero(orders_n)
    net_all = get("net_revenue", 0.0)
    net = net_all[counted]
    returns = np.where(returned, net_all, 0.0)  # return documents' money
    at = orders.get_column("ordered_at").to_physical().to_numpy()
    first, last = np.full(size, np.iinfo(np.int64).max), np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(first, ck, at[counted])
    np.maximum.at(last, ck, at[counted])
    if latest is not None:
        keys = keys[_spend_order(keys, ck, net, ck_all, returns, latest, orders_n, last)]

    def total(weights: np.ndarray | None = None, every: bool = False) -> np.ndarray:
        """Per customer with a counted order (in `keys` order): the sum of `weights` (the
        counted orders' values; with `every`, all orders')."""
        return np.bincount(ck_all if every else ck, weights=weights, minlength=size)[keys]

    def usual(col: str, start: int, n: int) -> np.ndarray:
        """The position (0 to n - 1) of each customer's most usual value of `col` (start to
        start + n - 1) in counted orders; ties: the earliest; none at all: 0.

        Tallied for a block of customer keys at a time (a few million cells each): the
        whole customer × value tally held 8 bytes a cell (5M lines, 24 hours: 0.16 GB)."""
        value = orders.get_column(col)
        have = value.is_not_null().to_numpy() & counted
        ck_have = ck_all[have]
        slot = ck_have * n + (value.to_numpy()[have].astype(np.intp) - start)
        block = max(1, _TALLY_CELLS // n)  # customer keys a block
        best = np.empty(size, np.intp)
        for lo in range(0, size, block):
            hi = min(size, lo + block)
            part = slot[(ck_have >= lo) & (ck_have < hi)] - lo * n if lo or hi < size else slot
            tally = np.bincount(part, minlength=(hi - lo) * n).reshape(hi - lo, n)
            best[lo:hi] = tally.argmax(1)
        return best[keys]

    items, products = get("items", 0)[counted], get("products", 0)[counted]
    has_products = get("has_products", False)[counted]
    n, product_n = orders_n[keys], total(has_products)
    with np.errstate(divide="ignore", invalid="ignore"):  # no product order: NaN, then null
        per_product_order = lambda v: total(np.where(has_products, v, 0)) / product_n  # noqa: E731
        units, kinds = per_product_order(items), per_product_order(products)
        mean_discount = total(get("discount_pct", 0.0)[counted]) / n
    when = orders.schema["ordered_at"]
    columns = {
        "_ck": pl.Series(keys, dtype=pl.UInt32),
        "first_order": pl.Series(first[keys]).cast(when),
        "last_order": pl.Series(last[keys]).cast(when),
        "orders": pl.Series(n, dtype=pl.Int64),
        "items": pl.Series(total(items), dtype=pl.Int64),
        "monetary": pl.Series(total(net)),
        "monetary_12m": pl.Series(total(np.where(recent[counted], net, 0.0))),
        **{
            f"{name}_orders": pl.Series(total(get(flag, False)[counted]), dtype=pl.UInt32)
            for flag, name in _FLAG_COUNTS
        },
        # orders whose export says what discount they had (a customer's full_price_loyal
        # needs every one of them known: "none discounted" is no evidence where none is told)
        "discount_known_orders": pl.Series(
            total(get("discount_known", True)[counted])
            if "discount_known" in orders.columns
            else n,
            dtype=pl.UInt32,
        ),  # fmt: skip
        "product_orders": pl.Series(product_n, dtype=pl.UInt32),
        "single_product_orders": pl.Series(total(products == 1), dtype=pl.UInt32),
        "mean_discount_pct": pl.Series(mean_discount),
        "units_per_order": pl.Series(units, nan_to_null=True),
        "products_per_order": pl.Series(kinds, nan_to_null=True),
        "usual_hour": pl.Series(usual("local_hour", 0, 24), dtype=pl.Int8),
        "usual_weekday": pl.Series(WEEKDAYS).gather(pl.Series(usual("local_weekday", 1, 7))),
        # every order (counted or not): spend, refunds, return documents' money
        "gross_spend": pl.Series(total(np.where(sold, get("order_total", 0.0), 0.0), True)),
        "refunded_amount": pl.Series(total(np.where(kept, get("refunded", 0.0), 0.0), True)),
        "refunded_orders": pl.Series(total(get("has_refund", False), True), dtype=pl.UInt32),
        "_returned": pl.Series(total(returns, True)),
        "_returned_12m": pl.Series(total(np.where(returned & recent, net_all, 0.0), True)),
    }
    slow: list[tuple[str, str]] = []
    for col, name in (("channel_label", "channels"), ("source", "marketplaces")):
        value = orders.get_column(col)
        values = value.drop_nulls().unique().sort()
        if values.len() > 63:  # more than a mask holds
            slow.append((col, name))
            continue
        seen = counted & value.is_not_null().to_numpy()
        code = value.cast(pl.Enum(values.to_list())).to_physical().to_numpy()[seen]
        mask = np.zeros(size, np.uint64)
        np.bitwise_or.at(mask, ck_all[seen], np.left_shift(np.uint64(1), code.astype(np.uint64)))
        columns[name] = _lists(mask[keys], values.to_list())
    return pl.DataFrame(columns), slow


def _spend_order(
    keys: np.ndarray,
    ck: np.ndarray,
    net: np.ndarray,
    ck_all: np.ndarray,
    returned: np.ndarray,
    latest: pl.DataFrame,
    orders_n: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    """The order of `keys` by net spend (as `customer_table` rounds it: the counted orders'
    net revenue `net` of keys `ck`, plus `returned`, every order's return-document money, of
    keys `ck_all`) down, then customer_id (`latest`'s, by `_ck`) A-Z.

    When no customer has any spend (exports without amounts: `segments.no_amounts` of the
    table), a column of zeros orders nothing: most counted orders first (`orders_n`, by key),
    then the latest counted order (`last`, by key) first, then customer_id A-Z."""
    size = int(keys.max()) + 1 if keys.size else 1
    spent = pl.Series(np.bincount(ck, weights=net, minlength=size)[keys])
    back = pl.Series(np.bincount(ck_all, weights=returned, minlength=size)[keys])
    latest_ck = latest.get_column("_ck").to_numpy()
    row = np.full(max(size, int(latest_ck.max()) + 1 if latest_ck.size else 0), -1, np.int64)
    row[latest_ck] = np.arange(latest_ck.size)  # each key's row in `latest`
    at = pl.Series(row[keys]).to_frame("r").select(pl.when(pl.col("r") >= 0).then("r"))
    keyed = pl.DataFrame(
        {"monetary": spent, "_back": back, "customer_id": latest["customer_id"].gather(at["r"])}
    )
    spend = (pl.col("monetary") + pl.col("_back")).round(2).alias("monetary")
    keyed = keyed.select(spend, "customer_id")
    if no_amounts(keyed):  # no customer has any spend: no amounts at all
        keyed = keyed.with_columns(
            pl.Series("_orders", orders_n[keys]), pl.Series("_last", last[keys])
        )
        by, down = ["_orders", "_last", "customer_id"], [True, True, False]
    else:
        by, down = ["monetary", "customer_id"], [True, False]
    order = keyed.select(pl.arg_sort_by(by, descending=down))
    return order.to_series().to_numpy()


def _numpy(values: pl.Series, fill: object = None) -> np.ndarray:
    """A column as a numpy array, nulls filled with `fill` first (if it has any)."""
    return (values.fill_null(fill) if values.has_nulls() else values).to_numpy()


def _lists(masks: np.ndarray, values: list[str]) -> pl.Series:
    """Bit masks (bit i: values[i]) to sorted lists of values, decoded once per distinct mask;
    no bit set: a null list.

    The distinct masks' set bits are read in one numpy pass (masks × values) and grouped by
    mask, already in order (one when/then per value over the masks cost 10× with a few
    thousand distinct masks)."""
    if len(values) <= 16:  # few masks possible: tallied (np.unique sorts)
        combos = np.flatnonzero(np.bincount(masks.astype(np.intp), minlength=1 << len(values)))
        inverse = np.zeros(1 << len(values), np.intp)
        inverse[combos] = np.arange(combos.size)
        inverse = inverse[masks.astype(np.intp)]
    else:
        combos, inverse = np.unique(masks, return_inverse=True)
    bits = np.arange(len(values), dtype=np.uint64)
    combo, bit = np.nonzero((combos.astype(np.uint64)[:, None] >> bits) & np.uint64(1))
    lists = (
        pl.DataFrame(
            {
                "c": pl.Series(combo, dtype=pl.Int64),
                "v": pl.Series(values, dtype=pl.Utf8).gather(pl.Series(bit, dtype=pl.Int64)),
            }
        )
        .group_by("c", maintain_order=True)  # combos in order, each one's bits in order
        .agg("v")
    )
    where = np.full(combos.size, -1, np.int64)  # each distinct mask's list (none: no bit)
    where[lists.get_column("c").to_numpy()] = np.arange(lists.height)
    at = pl.Series(where[np.asarray(inverse).ravel()]).to_frame("i")
    return lists.get_column("v").gather(at.select(pl.when(pl.col("i") >= 0).then("i")).to_series())


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
    has them (consent: the latest counted order's flag), one row per `_ck` in key order.

    Each customer's latest row is a numpy maximum of row numbers into an array indexed by
    the dense customer key (`_per_customer`): no hashing, no join."""
    name = pl.coalesce("customer_name", "billing_name", "shipping_name").alias("customer_name")
    cols: list[str | pl.Expr] = ["_ck", "customer_id", "email", name, "country", "counted"]
    ordered = orders.select(
        *cols, "ordered_at", "_ok", pl.col("accepts_marketing").alias("_order_consent")
    )
    if not ordered.get_column("ordered_at").is_sorted():
        ordered = ordered.sort("ordered_at", "_ok")
    ck = ordered.get_column("_ck").to_numpy().astype(np.intp)
    size = int(ck.max()) + 1 if ordered.height else 1

    def latest(rows: pl.Series | None) -> np.ndarray:
        """Each customer's last row (among `rows`), -1 for none."""
        last = np.full(size, -1, np.intp)
        where = np.arange(ck.size) if rows is None else np.flatnonzero(rows.to_numpy())
        np.maximum.at(last, ck[where], where)
        return last

    every = latest(None)
    keys = np.flatnonzero(every >= 0)
    out = {"_ck": pl.Series(keys, dtype=pl.UInt32)}
    for col in ("customer_id", "email", "customer_name", "country", "_order_consent"):
        values = ordered.get_column(col)
        if col == "_order_consent":
            rows = latest(ordered.get_column("counted").fill_null(False))[keys]
        elif values.has_nulls():  # the latest order that has one
            rows = latest(values.is_not_null())[keys]
        else:
            rows = every[keys]
        picked = pl.Series(rows).to_frame("r").select(pl.when(pl.col("r") >= 0).then("r"))
        out[col] = values.rechunk().gather(picked.to_series())  # one chunk: 5× faster
    return pl.DataFrame(out)


_TALLY_CELLS = 1 << 22
"""Cells (customer × value) of one block of the habit tallies (`_per_customer`): 32 MB."""

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
    "discounted_orders", "discount_known_orders", "gift_orders", "note_orders", "night_orders",
    "early_orders",
    "weekend_orders", "refunded_orders", "gross_spend", "refunded_amount", "product_orders",
    "single_product_orders", "mean_discount_pct", "units_per_order", "products_per_order",
]  # fmt: skip


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
        table = table.join(a, on="customer_id", how="left", maintain_order="left")
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
