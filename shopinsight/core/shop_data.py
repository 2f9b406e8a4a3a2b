"""The shop's orders and lines as customer analyses see them: as of a day, in the main
currency, with a customer, with the per-order flags (local hour, gift, note, discount) that the
customer table and the tags share.

Speed: a 200,000-customer shop has ~1M lines, and grouping on text keys is what costs. So the
order, customer and SKU keys become integer codes once (`_ok`, `_ck`, `_sk`) and every group-by
runs on those; the lines' order in the store (each order's lines together) gives each line its
order's row without grouping (see `_orders`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shopinsight.core.orders import (
    counted_expr,
    lines_as_of,
    local_day,
    local_time,
    net_revenue_expr,
    order_key,
    order_runs,
    run_sums,
    shop_tz,
)
from shopinsight.core.orders import main_currency as shared_main_currency
from shopinsight.core.orders import one_chunk as _one_chunk
from shopinsight.core.schema import LINE_SCHEMA
from shopinsight.core.shop_facts import NO_CURRENCY

__all__ = [
    "PRODUCT",
    "ShopData",
    "code",
    "main_currency",
    "money_str",
    "order_day_gaps",
    "pair",
    "prepare",
    "sorted_diff",
    "unpair",
]

PRODUCT = pl.col("line_kind") == "product"

_LINE_COLUMNS = [
    "source", "store", "order_id", "line_kind", "ordered_at", "customer_id", "email",
    "customer_name", "shipping_name", "billing_name", "country", "city", "postal_code", "sku",
    "product_name", "variant", "category", "quantity", "unit_price", "line_total", "order_total",
    "order_discount", "refunded", "currency", "status", "discount_code", "order_note",
    "gift_message", "is_gift", "accepts_marketing", "channel", "fulfilled",
]  # fmt: skip
_LINE_LEVEL = [
    "line_kind", "ordered_at", "sku", "product_name", "variant", "category", "quantity",
    "unit_price", "line_total",
]  # fmt: skip
"""What `ShopData.lines` keeps of each line (besides its keys and flags): the order-level
fields are read from each order's first line only, into `ShopData.orders`. At 5M lines the
whole width (31 columns, names, e-mails and addresses repeated on every line) held ~4 GB while
the customer table was built."""
_ORDER_FIELDS = [
    "_ok", "_ck", "source", "order_id", "customer_id", "ordered_at", "currency", "status",
    "order_total", "refunded", "discount_code", "order_discount", "is_gift", "gift_message",
    "order_note", "shipping_name", "billing_name", "customer_name", "email", "country", "city",
    "postal_code", "channel", "accepts_marketing", "fulfilled",
]  # fmt: skip


_SPENT = ["currency", "order_discount"]
"""Order fields `prepare` reads for the flags (`has_discount`, `subtotal`, `discount_pct`),
the main currency and the orders kept, then drops."""
_READ_AS_FLAGS = ["discount_code", "is_gift", "gift_message", "order_note", "channel"]
"""Order fields only read for a flag (`_coded`, `gift`, `has_note`, `channel_label`): the
flags are worked out as the first lines are read, the texts never held (at 5M lines gift
messages, notes, codes and channels cost ~0.2 GB through `prepare`)."""


def _text(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.len_chars().fill_null(0) > 0


def _head_fields(config: dict[str, Any]) -> list[pl.Expr]:
    """What `ShopData.orders` reads of each order's first line: its fields, and in place of
    the texts read only for a flag, the flags."""
    gift = pl.col("is_gift").fill_null(False) | _text("gift_message")
    pattern = _gift_pattern(config)
    if pattern:
        gift = gift | pl.col("order_note").str.contains(pattern).fill_null(False)
    fields = [c for c in _ORDER_FIELDS if c != "_ck" and c not in _READ_AS_FLAGS]
    return [
        *map(pl.col, fields),
        pl.col("discount_code").is_not_null().alias("_coded"),
        gift.alias("gift"),
        _text("order_note").alias("has_note"),
        pl.coalesce("channel", "source").alias("channel_label"),
    ]


_NO_SKU = 2**32 - 1  # stands for "no SKU" among the integer SKU codes


def code(expr: pl.Expr) -> pl.Expr:
    """An integer code per distinct text value (null stays null), for fast grouping."""
    return expr.cast(pl.Categorical).to_physical()


@dataclass
class ShopData:
    """The shop's lines and orders as of a day, restricted to what customer analyses may use."""

    lines: pl.DataFrame
    """Lines of analysable orders (main currency, with a customer): `_ok`, `_ck`, `_sk` keys
    and a `counted` flag."""
    orders: pl.DataFrame
    """One row per analysable order: net_revenue, counted, items, products, local time, flags."""
    gaps: pl.DataFrame
    """_ck, order_day, gap_days (null on a customer's first day): see `order_day_gaps`."""
    sku_customers: pl.DataFrame
    """One row per customer × SKU bought in counted orders: _ck, _sk, n_orders (distinct
    orders), qty, spend (the favourite product and the replenishment candidates both start
    from it)."""
    currency: str
    timezone: str
    """The shop's clock (`[shop] timezone`): `order_day` and every day or month read from
    an order time is the shop's (`orders.local_day(expr, data.timezone)`)."""
    as_of: dt.date
    notes: list[str] = field(default_factory=list)
    discounts_known: bool = True
    """Whether any order says what discount it had (a discount amount, even 0, or a code):
    exports without a discount column (Online Retail, CDNOW, member visits) leave every order's
    `order_discount` unknown, and "never used a discount" is then no evidence. Per order:
    `orders.discount_known` (an eBay or Taobao export beside a Shopify one)."""


def _section(config: dict[str, Any], name: str) -> dict[str, Any]:
    return config.get(name) or {}


def main_currency(orders: pl.DataFrame, config: dict[str, Any]) -> str:
    """The currency of the customer analyses: the shared rule (`orders.main_currency`) over
    counted orders; `shop_facts.NO_CURRENCY` (as `status` says) when no order and no setting
    names one."""
    # one row per order already: without the order key columns the shared rule does not group
    # them again, and the integer customer key counts customers as well as the id text does
    counted = orders.lazy().filter(pl.col("counted"))
    picked = counted.select("currency", pl.col("_ck").alias("customer_id"), "net_revenue")
    return shared_main_currency(picked, config) or NO_CURRENCY


def _gift_pattern(config: dict[str, Any]) -> str | None:
    from re import escape

    words = [str(w).strip() for w in _section(config, "tags").get("gift_words", [])]
    words = [w for w in words if w]
    return "(?i)" + "|".join(escape(w) for w in words) if words else None


def _customer_key(expr: pl.Expr) -> pl.Expr:
    """A dense integer per customer id (null stays null): the rank of its 64-bit hash.

    Why not `code`: a Categorical builds a dictionary of every distinct id (0.11 s for 200k
    ids, a hash and a rank 0.045 s). Two ids sharing a hash (odds ~1e-9 for 200k customers)
    would merge, the bet the order key already makes."""
    return pl.when(expr.is_not_null()).then(expr.hash()).rank("dense")


def pair(a: str | pl.Expr, b: str | pl.Expr) -> pl.Expr:
    """Two integer keys (each < 2³²) packed in one u64: one integer column groups faster."""
    hi, lo = (pl.col(k) if isinstance(k, str) else k for k in (a, b))
    return hi.cast(pl.UInt64) * 2**32 + lo.cast(pl.UInt64)


def unpair(key: str, a: str, b: str) -> list[pl.Expr]:
    """The two u32 keys back from `pair`."""
    return [
        (pl.col(key) // 2**32).cast(pl.UInt32).alias(a),
        (pl.col(key) % 2**32).cast(pl.UInt32).alias(b),
    ]


_SKU_OR_NONE = pl.col("_sk").fill_null(_NO_SKU)


# a product line whose SKU is new in its order's run (`orders.order_runs`; no SKU counts as one)
_NEW_SKU = (PRODUCT & pair("_oi", _SKU_OR_NONE).is_first_distinct()).alias("_new_sku")


def _orders(
    lines: pl.DataFrame, source: pl.LazyFrame, fields: list[pl.Expr], tz: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per order, with the same definitions as `orders.orders_frame` (net revenue,
    counted, items, products, has_discount), computed on integer keys; and the lines, with
    the row of their order (`_oi`) and `_new_sku` right.

    `lines` holds the line-level columns only; `source` is the same lines, every column, as a
    lazy frame with `_ok`: the order-level fields are read from it for each order's first line
    alone (never every column of every line at once).

    Speed: the store keeps each order's lines together (sorted by time, then order), so an
    order's first line is where the key changes, its row is the running count of those
    changes, and its distinct SKUs are the first of each (row, SKU) pair: no order-preserving
    group-by (2× the cost) and no distinct count per group (as much again). Checked: as many
    runs as orders, else (one order's lines apart) the general path."""
    product = lambda e: pl.when(PRODUCT).then(e)  # noqa: E731
    sums = [
        product(pl.col("quantity")).otherwise(0).sum().alias("items"),
        product(pl.col("line_total")).sum().alias("subtotal"),
        product(pl.col("unit_price")).max().alias("max_unit_price"),
        product(pl.col("quantity")).max().alias("max_qty"),
    ]
    has_products = PRODUCT.any().alias("has_products")
    # each run's first line picked by its position (known from `lines`): a filter on a
    # shift of the key needed every column of every line at once (~3 GB at 5M lines)
    starts = lines.get_column("_start").arg_true()
    first = source.with_row_index("_r").filter(pl.col("_r").is_in(starts.implode()))
    heads = first.select(fields).collect()
    same = heads.get_column("_ok").equals(lines.get_column("_ok").gather(starts))
    apart = lines.get_column("_ok").n_unique() != starts.len()
    if not apart and same:
        products = pl.col("_new_sku").sum().cast(pl.UInt32).alias("products")
        per_order = run_sums(lines, [*sums, products, has_products])
    else:  # an order's lines apart: group on it
        per_order = (
            lines.lazy()
            .group_by("_ok", maintain_order=True)
            .agg(
                *sums,
                # distinct SKUs of the product lines; a product line without SKU counts as one
                product(_SKU_OR_NONE).drop_nulls().n_unique().alias("products"),
                has_products,
            )
            .drop("_ok")
            .collect()
        )
        heads = source.filter(pl.col("_ok").is_first_distinct()).select(fields).collect()
        index = heads.select("_ok", pl.int_range(pl.len(), dtype=pl.UInt32).alias("_oi"))
        lines = (
            lines.drop("_oi")
            .join(index, on="_ok", how="left", maintain_order="left")
            .with_columns(_NEW_SKU)
        )
    # both in first-seen order on either path (runs by `_oi`; else first-distinct and an
    # order-keeping group-by): row for row
    columns = [*heads.get_columns(), *per_order.get_columns()]
    del heads, per_order  # the parts' chunks now only in `columns`
    orders = (
        _one_chunk(columns)
        .with_columns(
            _customer_key(pl.col("customer_id")).alias("_ck"),
            local_day(pl.col("ordered_at"), tz).alias("order_day"),
            net_revenue_expr().alias("net_revenue"),
            (pl.col("_coded") | (pl.col("order_discount").fill_null(0) > 0)).alias("has_discount"),
            # the export says what discount the order had (an amount, even 0, or a code)
            (pl.col("_coded") | pl.col("order_discount").is_not_null()).alias("discount_known"),
        )
        .with_columns(counted_expr().alias("counted"))
    )
    return orders.select("_ok", "_ck", pl.exclude("_ok", "_ck", "_coded")), lines


def _sku_customers(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per customer × SKU of counted orders' product lines: orders (the lines whose
    SKU is new in their order, `_NEW_SKU`), units, spend; grouped on the pair packed in one
    integer, straight from the lines (no SKU × order frame in between)."""
    return (
        lines.lazy()
        .filter(PRODUCT & pl.col("counted") & pl.col("_sk").is_not_null())
        .group_by(pair("_ck", "_sk").alias("_pair"))
        .agg(
            pl.col("_new_sku").sum().cast(pl.UInt32).alias("n_orders"),
            pl.col("quantity").sum().alias("qty"),
            pl.col("line_total").sum().alias("spend"),
        )
        .select(
            *unpair("_pair", "_ck", "_sk"),
            "n_orders",
            "qty",
            "spend",
        )
        .collect()
    )


def prepare(lines: pl.LazyFrame, as_of: dt.date, config: dict[str, Any]) -> ShopData:
    """Lines and orders as of `as_of`, in the main currency, with a customer; notes say what
    was left out and why."""
    tz = shop_tz(config)
    have = set(lines.collect_schema().names())
    cols = lambda names: [  # noqa: E731
        pl.col(c) if c in have else pl.lit(None, LINE_SCHEMA[c]).alias(c) for c in names
    ]
    keyed = lambda names: (  # noqa: E731
        lines_as_of(lines, as_of, tz)
        .select(cols(names))
        .with_columns(pl.struct(order_key()).hash().alias("_ok"))
    )
    # in one chunk a column at a time now, while little else is held: the customer key and
    # flag set beside them below (one chunk) would otherwise have every column copied at the
    # peak, with the orders' fields (5M lines: ~0.4 GB of freed chunks not yet given back)
    all_lines = _one_chunk(
        keyed([*order_key(), *_LINE_LEVEL])
        .drop(order_key())
        .with_columns(code(pl.col("sku")).alias("_sk"))
        .with_columns(order_runs("_ok"))
        .with_columns(_NEW_SKU)
        .collect()
        .get_columns()
    )
    all_orders, all_lines = _orders(all_lines, keyed(_LINE_COLUMNS), _head_fields(config), tz)
    row = all_lines.get_column("_oi")  # the customer key and purchase flag of each line's order
    columns = all_lines.with_columns(
        all_orders.get_column(c).gather(row) for c in ("_ck", "counted")
    ).get_columns()
    del all_lines  # its chunks now only in `columns`
    all_lines = _one_chunk(columns)
    currency = main_currency(all_orders, config)
    notes: list[str] = []
    anonymous = all_orders.filter(pl.col("customer_id").is_null()).height
    if anonymous:
        notes.append(
            f"{anonymous} order(s) have no buyer identity (e.g. Amazon 'All Orders') and are "
            "left out of customer analyses."
        )
    other = all_orders.filter(
        pl.col("customer_id").is_not_null() & (pl.col("currency") != currency)
    )
    if other.height:
        codes = ", ".join(sorted(other.get_column("currency").drop_nulls().unique().to_list()))
        notes.append(
            f"{other.height} order(s) in other currencies ({codes}) are left out; "
            f"customer money is in {currency}."
        )
    same = pl.col("currency").is_null() | (pl.col("currency") == currency)  # none given: main
    keep = pl.col("customer_id").is_not_null() & same
    everything = not (anonymous or other.height)  # then skip copying the frames
    orders = all_orders if everything else all_orders.filter(keep)
    # a line goes with its order (the order-level fields are its first line's)
    kept_lines = (
        all_lines if everything else all_lines.filter(all_orders.select(keep)[:, 0].gather(row))
    )
    per_sku = _sku_customers(kept_lines)
    kept_lines = kept_lines.drop("_oi", "_start", "_new_sku")
    # the fields read only to work out the flags, the currency and which orders to keep: no
    # reader of `ShopData.orders` wants them (a text column costs 16 bytes a row even when
    # empty: ~0.2 GB at 5M lines, held while the customer table is built)
    discounts_known = orders.height == 0 or bool(orders.get_column("discount_known").any())
    flagged = _order_flags(orders, tz, config).drop(_SPENT)
    gaps = order_day_gaps(flagged)
    return ShopData(kept_lines, flagged, gaps, per_sku, currency, tz, as_of, notes, discounts_known)


def _order_flags(orders: pl.DataFrame, tz: str, config: dict[str, Any]) -> pl.DataFrame:
    """Per-order values the habits and tags need: local hour/weekday, discount % (the gift
    and note flags are worked out as the first lines are read: `_head_fields`)."""
    tags = _section(config, "tags")
    night_start, night_end = int(tags.get("night_start", 22)), int(tags.get("night_end", 5))
    local = local_time(pl.col("ordered_at"), tz)
    hour = pl.col("local_hour")
    return (
        orders.lazy()
        .with_columns(
            local.dt.hour().alias("local_hour"),
            local.dt.weekday().alias("local_weekday"),
            local.dt.month().alias("local_month"),
            pl.coalesce(
                "subtotal",
                pl.col("order_total").fill_null(0.0) + pl.col("order_discount").fill_null(0.0),
            ).alias("subtotal"),
            ((pl.col("refunded").fill_null(0.0) > 0) & (pl.col("status") != "cancelled")).alias(
                "has_refund"
            ),
        )
        .with_columns(
            ((hour >= night_start) | (hour < night_end)).alias("night"),
            ((hour >= 5) & (hour < 9)).alias("early"),
            (pl.col("local_weekday") >= 6).alias("weekend"),
            pl.when(pl.col("subtotal") > 0)
            .then(pl.col("order_discount").fill_null(0.0) / pl.col("subtotal"))
            .otherwise(0.0)
            .alias("discount_pct"),
        )
        .collect()
    )


def order_day_gaps(orders: pl.DataFrame) -> pl.DataFrame:
    """_ck, order_day, gap_days: days since the customer's previous counted order day.

    Customer and day are packed in one integer (customer × 2³² + day), so the distinct
    pairs and their order come from one sort of one integer column (5× faster than a
    two-column unique and sort; repeats are then neighbours, no hashing); unpacked afterwards."""
    day = pl.col("order_day").cast(pl.Int32).cast(pl.Int64) + 2**31  # days since 1970, ≥ 0
    key = pl.col("_ck").cast(pl.UInt64) * 2**32 + day.cast(pl.UInt64)
    return (
        orders.lazy()
        .filter(pl.col("counted"))
        .select(key.alias("_key"))
        .sort("_key")
        .filter(pl.col("_key").ne_missing(pl.col("_key").shift()).fill_null(True))  # distinct
        .select(
            (pl.col("_key") // 2**32).cast(orders.schema["_ck"]).alias("_ck"),
            ((pl.col("_key") % 2**32).cast(pl.Int64) - 2**31)
            .cast(pl.Int32)
            .cast(pl.Date)
            .alias("order_day"),
        )
        .with_columns(sorted_diff("order_day", ["_ck"]).alias("gap_days"))
        .collect()
    )


def sorted_diff(col: str, keys: list[str]) -> pl.Expr:
    """Days since the previous row of the same group, on a frame sorted by keys + col.

    (A shift compared with the keys; much faster than `diff().over(keys)`.)"""
    same = pl.all_horizontal([pl.col(k) == pl.col(k).shift() for k in keys])
    return pl.when(same).then((pl.col(col) - pl.col(col).shift()).dt.total_days())


def money_str(expr: pl.Expr, grouped: bool = False) -> pl.Expr:
    """A money value as text with exactly two decimals ("12.50", "-3.05"); `grouped`: with
    thousands separators ("279,489.02"), as a sentence shows it (a file's number column
    does not)."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    a = cents.abs()
    whole = (a // 100).cast(pl.Utf8)
    if grouped:  # commas every three digits from the right: reversed, grouped, reversed back
        whole = whole.str.reverse().str.replace_all(r"(\d{3})", "${1},")
        whole = whole.str.strip_suffix(",").str.reverse()
    body = whole + "." + (a % 100).cast(pl.Utf8).str.zfill(2)
    return pl.when(cents < 0).then("-" + body).otherwise(body)
