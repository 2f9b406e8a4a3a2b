"""Amazon Seller Central: the "All Orders" flat file and the FBM order report (buyer-email).

Both are tab-separated without quoting (titles hold raw `"`), one row per order item, and
`item-price` is the LINE total (quantity 4 → 4 × unit price), not the unit price. Empty money
means 0. An order's total is what the buyer paid for its live items: item prices + shipping +
gift wrap + taxes − promotions (taxes included, like Shopify's and Etsy's totals).

All Orders has no buyer identity at all (only the ship-to city/ZIP), so its lines have no
customer: they count in revenue and product analytics, never in customer features (the format's
`customer_note` says so after import). `order-status` Cancelled, or every item Cancelled, makes
the order cancelled; a cancelled item in a live order is kept with quantity 0 and no money
(nothing of it was bought). Pending orders have no prices yet. There are no refunds in either
report (they are in the Returns/Settlement reports).

The FBM order report's `buyer-email` is an anonymised relay address
(`…@marketplace.amazon.com`): it keys the customer, but Amazon forbids marketing to it, so
`accepts_marketing` is always False.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import REASON, BuildContext, Format, col
from shopinsight.core.importers.ebay import first_present
from shopinsight.core.importers.values import (
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)
from shopinsight.core.orders import add_offset_note

NO_BUYER_NOTE = (
    "Amazon's All Orders report has no buyer identity (no name or email), so these orders count "
    "in revenue and product analytics only; customer tags, segments and churn cannot use them. "
    "For customer features, download the FBM order report (Reports → Fulfillment → Order "
    "Reports, with buyer-email) and import it as well."
)


def _amount(frame: pl.DataFrame, name: str) -> pl.Expr:
    return money(col(frame, name)).fill_null(0.0)


def _with_order_money(frame: pl.DataFrame, live: pl.Expr) -> pl.DataFrame:
    """Add order_total, order_discount, shipping and `__wrapped`, summed over the order's live
    item rows (empty money = 0).

    `item-price` and `shipping-price` are before promotions; the promotion columns hold the
    discounts (sometimes written negative). Each value is parsed once, then summed per order.
    """
    frame = frame.with_columns(_amount(frame, c).alias(f"__a_{c}") for c in MONEY_COLUMNS)

    def a(name: str) -> pl.Expr:
        return pl.col(f"__a_{name}")

    item_promo = a("item-promotion-discount").abs()
    ship_promo = a("ship-promotion-discount").abs()
    shipping = a("shipping-price") - ship_promo
    tax = a("item-tax") + a("shipping-tax") + a("gift-wrap-tax")
    total = a("item-price") - item_promo + shipping + a("gift-wrap-price") + tax
    parts = {"order_total": total, "order_discount": item_promo + ship_promo,
             "shipping": shipping, "__wrap": a("gift-wrap-price")}  # fmt: skip
    frame = frame.with_columns(
        pl.when(live).then(expr).otherwise(0.0).alias(f"__m_{name}") for name, expr in parts.items()
    )
    return frame.with_columns(
        pl.col(f"__m_{name}").sum().over("__order").alias(name) for name in parts
    ).with_columns((pl.col("__wrap") > 0).alias("__wrapped"))


def _address(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        col(frame, "ship-country").alias("country"),
        col(frame, "ship-state").alias("region"),
        col(frame, "ship-city").alias("city"),
        col(frame, "ship-postal-code").alias("postal_code"),
    ]


MONEY_OUT = ["order_total", "order_discount", "shipping"]


def build_all_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """All Orders flat file → product lines without a customer."""
    fmt = sniff_date_formats(frame["purchase-date"])
    item_status = col(frame, "item-status").str.to_lowercase()
    add_offset_note(ctx.warnings, frame["purchase-date"], ctx.timezone)
    frame = frame.with_columns(
        __order=col(frame, "amazon-order-id"),
        __at=datetime_utc(pl.col("purchase-date"), fmt, ctx.timezone),
        __qty=integer(col(frame, "quantity")),
        __price=money(col(frame, "item-price")),
        __order_status=col(frame, "order-status").str.to_lowercase(),
        __item_cancelled=item_status.str.contains("cancel").fill_null(False),
        __item_shipped=(item_status == "shipped").fill_null(False),
    )
    at, qty, price = pl.col("__at"), pl.col("__qty"), pl.col("__price")
    order_status, item_cancelled = pl.col("__order_status"), pl.col("__item_cancelled")
    frame = frame.with_columns(__all_cancelled=item_cancelled.all().over("__order"))
    all_cancelled = pl.col("__all_cancelled")
    dropped_item = item_cancelled & ~all_cancelled
    frame = _with_order_money(frame, ~item_cancelled | all_cancelled)
    status = (
        pl.when(order_status.str.contains("cancel") | all_cancelled)
        .then(pl.lit("cancelled"))
        .when(order_status.str.contains("pending"))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )
    shipped = (order_status == "shipped") | (
        (pl.col("__item_shipped") | dropped_item).all().over("__order") & ~all_cancelled
    )
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        at.alias("ordered_at"),
        *_address(frame),
        pl.coalesce(col(frame, "sku"), col(frame, "asin")).alias("sku"),
        col(frame, "product-name").alias("product_name"),
        pl.when(dropped_item).then(0).otherwise(qty).cast(pl.Int32).alias("quantity"),
        pl.when(qty > 0).then(price / qty).alias("unit_price"),
        pl.when(dropped_item).then(0.0).otherwise(price.fill_null(0.0)).alias("line_total"),
        *MONEY_OUT,
        pl.lit(0.0).alias("refunded"),
        col(frame, "currency").str.to_uppercase().alias("currency"),
        status.alias("status"),
        shipped.fill_null(False).alias("fulfilled"),
        pl.col("__wrapped").alias("is_gift"),
        col(frame, "sales-channel").alias("channel"),
        pl.lit("product").alias("line_kind"),
        reasons(
            unparsed(pl.col("purchase-date"), at, "date", "purchase-date"),
            unparsed(col(frame, "quantity"), qty, "number", "quantity"),
            unparsed(col(frame, "item-price"), price, "amount", "item-price"),
        ).alias(REASON),
    )


def build_order_report(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """FBM order report → product lines keyed by the anonymised buyer-email."""
    if "item-price" not in frame.columns:
        ctx.warnings.append(
            "This Amazon order report has no prices (item-price); its orders are imported "
            "without revenue. The Order Report with prices gives revenue too."
        )
    fmt = sniff_date_formats(frame["purchase-date"])
    qty = integer(col(frame, "quantity-purchased"))
    buyer_name, recipient = col(frame, "buyer-name"), col(frame, "recipient-name")
    gift_message = col(frame, "gift-message-text")
    names_differ = (
        buyer_name.is_not_null()
        & recipient.is_not_null()
        & (buyer_name.str.to_lowercase() != recipient.str.to_lowercase())
    ).fill_null(False)
    add_offset_note(ctx.warnings, frame["purchase-date"], ctx.timezone)
    frame = frame.with_columns(
        __order=col(frame, "order-id"),
        __at=datetime_utc(pl.col("purchase-date"), fmt, ctx.timezone),
        __qty=qty,
        __price=money(col(frame, "item-price")),
        __fulfilled=pl.coalesce(
            integer(col(frame, "quantity-to-ship")) == 0,
            integer(col(frame, "quantity-shipped")) >= qty,
            pl.lit(False),
        ),
        __gift_message=gift_message,
        __gift=gift_message.is_not_null() | col(frame, "gift-wrap-type").is_not_null()
        | names_differ,
        __item_id=col(frame, "order-item-id"),
    )  # fmt: skip
    at, qty, price = pl.col("__at"), pl.col("__qty"), pl.col("__price")
    frame = _with_order_money(frame, pl.lit(True))
    paid = col(frame, "payments-date").is_not_null() if "payments-date" in frame.columns else True
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        (pl.int_range(pl.len()).over("__order", order_by=["__item_id", "__row"]) + 1)
        .cast(pl.Int32)
        .alias("line_no"),
        at.alias("ordered_at"),
        col(frame, "buyer-email").alias("email"),
        col(frame, "buyer-name").alias("customer_name"),
        col(frame, "recipient-name").alias("shipping_name"),
        *_address(frame),
        col(frame, "sku").alias("sku"),
        col(frame, "product-name").alias("product_name"),
        qty.alias("quantity"),
        pl.when(qty > 0).then(price / qty).alias("unit_price"),
        price.alias("line_total"),
        *MONEY_OUT,
        pl.lit(0.0).alias("refunded"),
        pl.coalesce(col(frame, "currency").str.to_uppercase(), pl.lit(ctx.currency)).alias(
            "currency"
        ),
        pl.when(paid).then(pl.lit("paid")).otherwise(pl.lit("pending")).alias("status"),
        pl.col("__fulfilled").all().over("__order").alias("fulfilled"),
        first_present("__gift_message", "__order").alias("gift_message"),
        (pl.col("__gift").any().over("__order") | pl.col("__wrapped")).alias("is_gift"),
        pl.lit(False).alias("accepts_marketing"),
        col(frame, "sales-channel").alias("channel"),
        pl.lit("product").alias("line_kind"),
        reasons(
            unparsed(pl.col("purchase-date"), at, "date", "purchase-date"),
            unparsed(col(frame, "quantity-purchased"), qty, "number", "quantity-purchased"),
            unparsed(col(frame, "item-price"), price, "amount", "item-price"),
        ).alias(REASON),
    )


MONEY_COLUMNS = (
    "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount",
)  # fmt: skip
ADDRESS_COLUMNS = ("ship-country", "ship-state", "ship-city", "ship-postal-code")
ALL_ORDERS_COLUMNS = (
    "amazon-order-id", "purchase-date", "order-status", "item-status", "quantity", "sku",
    "asin", "product-name", "currency", "sales-channel", *MONEY_COLUMNS, *ADDRESS_COLUMNS,
)  # fmt: skip
ORDER_REPORT_COLUMNS = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "recipient-name", "quantity-purchased", "quantity-to-ship", "quantity-shipped", "sku",
    "product-name", "currency", "sales-channel", "gift-message-text", "gift-wrap-type",
    *MONEY_COLUMNS, *ADDRESS_COLUMNS,
)  # fmt: skip
"""The columns each build reads (only these are parsed from the file)."""

ALL_ORDERS = Format(
    name="amazon-all-orders",
    title="Amazon All Orders report (no buyer identity)",
    description="Seller Central → Reports → Fulfillment → All Orders (tab-separated .txt): "
    "revenue and products only; it names no buyers.",
    signature=("amazon-order-id", "purchase-date", "order-status", "item-status", "item-price"),
    required=("amazon-order-id", "purchase-date", "order-status", "item-status", "quantity"),
    build=build_all_orders,
    customer_note=NO_BUYER_NOTE,
    source="amazon",
    columns=ALL_ORDERS_COLUMNS,
)

ORDER_REPORT = Format(
    name="amazon-order-report",
    title="Amazon FBM order report (buyer-email)",
    description="Seller Central → Reports → Fulfillment → Order Reports (tab-separated .txt): "
    "one row per item with the buyer's anonymised relay email as customer key.",
    signature=("order-id", "order-item-id", "purchase-date", "buyer-email", "quantity-purchased"),
    required=("order-id", "order-item-id", "purchase-date", "buyer-email", "quantity-purchased"),
    build=build_order_report,
    source="amazon",
    columns=ORDER_REPORT_COLUMNS,
)

FORMATS = [ALL_ORDERS, ORDER_REPORT]
