"""Etsy: EtsySoldOrderItems (one row per item) and EtsySoldOrders (one row per order).

Items: order-level money (`Discount Amount`, `Shipping Discount`, `Order Shipping`,
`Order Sales Tax`) sits on an order's first item row only, later rows hold `0`; it is taken from
that first row and never summed over rows. `Buyer` is `Name (username)` or a bare username: the
username is the buyer key, as `Buyer User ID` is in the orders file, so both files give the same
customer. Guests (no username) are keyed by ship-to name + ZIP in both files. `Sale Date` is
`MM/DD/YY` while `Date Paid`/`Date Shipped` are `MM/DD/YYYY`.

Orders: one line per order (`line_kind` "order", no product), with the order's total, discount,
shipping and tax-inclusive `Order Total`. The `SKU` cell is a comma list of the order's item SKUs,
not one product, so it is not used as one. Importing both files (together or one after the other)
keeps the items and gives them the orders file's order-level fields (see reconcile.py), so
revenue is counted once.

Etsy fills `Status` and `Adjusted Order Total` only after refunds or cancellations (never seen
in real files): a status naming a cancel/refund, or an adjusted total below the order total,
becomes cancelled / refunded / partially refunded.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, REASON, BuildContext, Format, col
from shopinsight.core.importers.ebay import first_present
from shopinsight.core.importers.values import (
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)

DATES = ["%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]
"""Etsy writes US month-first dates; a re-saved file may carry ISO dates or times."""

GIFT_VARIATION = r"(?i)gift|wrap"
NOT_WANTED = r"(?i):\s*(no|none|not? .*|without.*|standard.*)$"
GIFT_NOTE = r"(?i)gift (?:message|note)[^:,]*:\s*([^,]+)"


def _norm_name(expr: pl.Expr) -> pl.Expr:
    """Names compared ignoring case and spacing (`Ann  Lee` = `ann lee`)."""
    return expr.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()


def split_buyer(buyer: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(display name, username) from `Name (username)`, a bare `username` or a bare name."""
    in_parens = buyer.str.extract(r"\(([^()\s]+)\)\s*$", 1)
    bare = buyer.str.contains(r"^[^\s()]+$")
    username = pl.coalesce(in_parens, pl.when(bare).then(buyer))
    name = (
        pl.when(in_parens.is_not_null())
        .then(buyer.str.replace(r"\s*\([^()\s]+\)\s*$", ""))
        .when(~bare)
        .then(buyer)
        .str.strip_chars()
    )
    return pl.when(name != "").then(name), username


def guest_key(name: pl.Expr, postal: pl.Expr) -> pl.Expr:
    """Key of a guest checkout: ship-to name and ZIP (the same in both Etsy files)."""
    return pl.concat_str(pl.lit("guest:"), _norm_name(name), pl.lit("|"), postal)


def _codes(expr: pl.Expr) -> pl.Expr:
    """`SUMMER10;SUMMER10` → `SUMMER10` (one code per coupon use, repeated)."""
    return (
        expr.str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.unique(maintain_order=True)
        .list.join(";")
    )


def _names_differ(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a.is_not_null() & b.is_not_null() & (_norm_name(a) != _norm_name(b))).fill_null(False)


def build_items(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """EtsySoldOrderItems → one product line per item row."""
    order = col(frame, "order id")
    frame = frame.with_columns(order.alias("__order"))
    fmt = sniff_date_formats(frame["sale date"], DATES)
    buyer_name, username = split_buyer(col(frame, "buyer"))
    variations = col(frame, "variations")
    gift_wrap = (
        variations.str.split(",")
        .list.eval(
            pl.element().str.contains(GIFT_VARIATION) & ~pl.element().str.contains(NOT_WANTED)
        )
        .list.any()
        .fill_null(False)
    )
    # Stage 1: parse each value once; windows below then work on plain columns (fast).
    frame = frame.with_columns(
        __at=datetime_utc(pl.col("sale date"), fmt, ctx.timezone),
        __qty=integer(col(frame, "quantity")),
        __price=money(col(frame, "price")),
        __item_total=money(col(frame, "item total")),
        __discount=money(col(frame, "discount amount")).fill_null(0.0),
        __ship_discount=money(col(frame, "shipping discount")).fill_null(0.0),
        __shipping=money(col(frame, "order shipping")).fill_null(0.0),
        __tax=money(col(frame, "order sales tax")).fill_null(0.0),
        __buyer_name=buyer_name,
        __username=username,
        __ship_name=col(frame, "ship name"),
        __gift_note=variations.str.extract(GIFT_NOTE, 1).str.strip_chars(),
        __gift_wrap=gift_wrap,
        __shipped=col(frame, "date shipped").is_not_null(),
        __codes=_codes(col(frame, "coupon code")),
        __tid=col(frame, "transaction id").cast(pl.Int64, strict=False),
    )
    at, qty, price, item_total = (pl.col(c) for c in ("__at", "__qty", "__price", "__item_total"))
    line_total = pl.coalesce(item_total, qty * price)
    ship_name, buyer_name, username = (
        pl.col(c) for c in ("__ship_name", "__buyer_name", "__username")
    )
    postal = col(frame, "ship zipcode")

    def first(name: str) -> pl.Expr:
        """The order's money, on its first item row (later rows hold 0): the order's first
        non-zero value, so a file sorted in a spreadsheet (that row no longer first) gives
        the same."""
        zero = pl.col(name) == 0
        return pl.col(name).sort_by(zero, maintain_order=True).first().over("__order")

    discount, shipping, tax = first("__discount"), first("__shipping"), first("__tax")
    gift = pl.col("__gift_wrap") | pl.col("__gift_note").is_not_null()
    gift = gift | _names_differ(ship_name, buyer_name)
    frame = frame.with_columns(__gift=gift, __line_total=line_total)
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        (pl.int_range(pl.len()).over("__order", order_by=["__tid", "__row"]) + 1)
        .cast(pl.Int32)
        .alias("line_no"),
        at.alias("ordered_at"),
        pl.coalesce(username, guest_key(ship_name, postal)).alias(BUYER),
        pl.coalesce(buyer_name, username).alias("customer_name"),
        ship_name.alias("shipping_name"),
        col(frame, "ship country").alias("country"),
        col(frame, "ship state").alias("region"),
        col(frame, "ship city").alias("city"),
        postal.alias("postal_code"),
        pl.coalesce(col(frame, "sku"), col(frame, "item name").str.to_lowercase()).alias("sku"),
        col(frame, "item name").alias("product_name"),
        variations.alias("variant"),
        qty.alias("quantity"),
        price.alias("unit_price"),
        pl.col("__line_total").alias("line_total"),
        (pl.col("__line_total").sum().over("__order") - discount + shipping + tax).alias(
            "order_total"
        ),
        (discount + first("__ship_discount")).alias("order_discount"),
        shipping.alias("shipping"),
        pl.lit(0.0).alias("refunded"),
        col(frame, "currency").str.to_uppercase().alias("currency"),
        pl.lit("paid").alias("status"),
        pl.col("__shipped").all().over("__order").alias("fulfilled"),
        first_present("__codes", "__order").alias("discount_code"),
        first_present("__gift_note", "__order").alias("gift_message"),
        pl.col("__gift").any().over("__order").alias("is_gift"),
        col(frame, "order type").alias("channel"),
        pl.lit("product").alias("line_kind"),
        reasons(
            unparsed(pl.col("sale date"), at, "date", "Sale Date"),
            unparsed(col(frame, "quantity"), qty, "number", "Quantity"),
            unparsed(col(frame, "price"), price, "amount", "Price"),
            unparsed(col(frame, "item total"), item_total, "amount", "Item Total"),
        ).alias(REASON),
    )


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """EtsySoldOrders → one order-level line per order."""
    fmt = sniff_date_formats(frame["sale date"], DATES)
    display, _ = split_buyer(col(frame, "buyer"))
    # Stage 1: clean and parse each value once; stage 2 combines plain columns (fast).
    frame = frame.with_columns(
        __at=datetime_utc(pl.col("sale date"), fmt, ctx.timezone),
        __total=money(col(frame, "order total")),
        __adjusted=money(col(frame, "adjusted order total")),
        __items=integer(col(frame, "number of items")),
        __status=col(frame, "status").str.to_lowercase(),
        __full_name=col(frame, "full name").str.replace_all(r"\s+", " "),
        __display=display,
        __postal=col(frame, "ship zipcode"),
    )
    total, adjusted, raw_status = pl.col("__total"), pl.col("__adjusted"), pl.col("__status")
    full_name, display, postal = pl.col("__full_name"), pl.col("__display"), pl.col("__postal")
    frame = frame.with_columns(
        __adjusted_refund=pl.when((adjusted > 0) & (adjusted < total))
        .then(total - adjusted)
        .otherwise(0.0)
    )
    adjusted_refund = pl.col("__adjusted_refund")
    frame = frame.with_columns(
        __status=pl.when(raw_status.str.contains("cancel"))
        .then(pl.lit("cancelled"))
        .when(raw_status.str.contains("partial") | (adjusted_refund > 0))
        .then(pl.lit("partially_refunded"))
        .when(raw_status.str.contains("refund"))
        .then(pl.lit("refunded"))
        .otherwise(pl.lit("paid"))
    )
    status = pl.col("__status")
    return frame.select(
        "__row",
        col(frame, "order id").alias("order_id"),
        pl.col("__at").alias("ordered_at"),
        pl.coalesce(col(frame, "buyer user id"), guest_key(full_name, postal)).alias(BUYER),
        pl.coalesce(display, full_name).alias("customer_name"),
        full_name.alias("shipping_name"),
        col(frame, "ship country").alias("country"),
        col(frame, "ship state").alias("region"),
        col(frame, "ship city").alias("city"),
        postal.alias("postal_code"),
        pl.col("__items").alias("quantity"),
        total.alias("order_total"),
        (
            money(col(frame, "discount amount")).fill_null(0.0)
            + money(col(frame, "shipping discount")).fill_null(0.0)
        ).alias("order_discount"),
        money(col(frame, "shipping")).fill_null(0.0).alias("shipping"),
        pl.when(status == "refunded").then(total).otherwise(adjusted_refund).fill_null(0.0)
        .alias("refunded"),
        col(frame, "currency").str.to_uppercase().alias("currency"),
        status.alias("status"),
        col(frame, "date shipped").is_not_null().alias("fulfilled"),
        _codes(col(frame, "coupon code")).alias("discount_code"),
        _names_differ(full_name, display).alias("is_gift"),
        col(frame, "order type").alias("channel"),
        pl.lit("order").alias("line_kind"),
        reasons(
            unparsed(pl.col("sale date"), pl.col("__at"), "date", "Sale Date"),
            unparsed(col(frame, "order total"), total, "amount", "Order Total"),
            unparsed(col(frame, "number of items"), pl.col("__items"), "number", "Number of Items"),
        ).alias(REASON),
    )  # fmt: skip


ITEM_COLUMNS = (
    "sale date", "item name", "buyer", "quantity", "price", "order id", "listing id",
    "item total", "discount amount", "shipping discount", "order shipping", "order sales tax",
    "ship name", "variations", "date shipped", "coupon code", "transaction id", "ship zipcode",
    "ship country", "ship state", "ship city", "sku", "currency", "order type",
)  # fmt: skip
ORDER_COLUMNS = (
    "sale date", "order id", "buyer user id", "number of items", "order total",
    "adjusted order total", "status", "full name", "buyer", "ship zipcode", "ship country",
    "ship state", "ship city", "discount amount", "shipping discount", "shipping", "currency",
    "date shipped", "coupon code", "order type",
)  # fmt: skip
"""The columns each build reads (only these are parsed from the file)."""

ITEMS = Format(
    name="etsy-items",
    title="Etsy sold order items (EtsySoldOrderItems)",
    description="Shop Manager → Settings → Options → Download Data → Order Items CSV: "
    "one row per item; import with EtsySoldOrders for exact order totals.",
    signature=("sale date", "item name", "buyer", "quantity", "price", "order id", "listing id"),
    required=("Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Order ID", "Transaction ID"),
    build=build_items,
    source="etsy",
    columns=ITEM_COLUMNS,
)

ORDERS = Format(
    name="etsy-orders",
    title="Etsy sold orders (EtsySoldOrders)",
    description="Shop Manager → Settings → Options → Download Data → Orders CSV: one row per "
    "order, no products; add EtsySoldOrderItems for products.",
    signature=("sale date", "order id", "buyer user id", "number of items", "order total"),
    required=("Sale Date", "Order ID", "Buyer User ID", "Number of Items", "Order Total"),
    build=build_orders,
    source="etsy",
    columns=ORDER_COLUMNS,
)

FORMATS = [ITEMS, ORDERS]
