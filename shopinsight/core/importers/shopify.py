"""Shopify: the orders export (73- and 79-column layouts) and the customers export.

Orders: one row per line item; order fields (status, totals, addresses, refunds) only on the
order's first row, so they are filled down within each order (`Name`). Refunds are order-level
only (`Refunded Amount`); `Tip` and gift-card lines are pseudo-lines. Customers: attributes
(names, consent, existing tags) matched to orders by email.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, REASON, BuildContext, Format, col
from shopinsight.core.importers.values import (
    boolean,
    clean,
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed_clean,
)

ORDER_FIELDS = [
    "email", "financial status", "paid at", "fulfillment status", "fulfilled at",
    "accepts marketing", "currency", "subtotal", "shipping", "taxes", "total", "discount code",
    "discount amount", "shipping method", "billing name", "billing address1", "billing city",
    "billing zip", "billing province", "billing country", "billing phone", "shipping name",
    "shipping address1", "shipping city", "shipping zip", "shipping province",
    "shipping country", "notes", "note attributes", "cancelled at", "refunded amount", "id",
    "tags", "source", "phone",
]  # fmt: skip

GIFT_WORDS = r"(?i)gift|present|birthday|regalo|geschenk|cadeau|礼物|送|生日|贺卡"


LINE_FIELDS = [
    "name", "created at", "lineitem quantity", "lineitem name", "lineitem price",
    "lineitem sku", "lineitem requires shipping", "lineitem discount", "vendor",
]  # fmt: skip


def _order_fields(orders: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """One row per order (its first export row) with the order-level fields parsed."""
    c = pl.col
    orders = orders.with_columns(
        money(c("total")).alias("order_total"),
        money(c("discount amount")).fill_null(0.0).alias("order_discount"),
        money(c("shipping")).fill_null(0.0).alias("shipping"),
        money(c("refunded amount")).fill_null(0.0).alias("refunded"),
        boolean(c("accepts marketing")).alias("accepts_marketing"),
    )
    fin = c("financial status").str.to_lowercase()
    status = (
        pl.when(fin == "refunded")
        .then(pl.lit("refunded"))
        .when(fin == "partially_refunded")
        .then(pl.lit("partially_refunded"))
        .when((fin == "voided") | c("cancelled at").is_not_null())
        .then(pl.lit("cancelled"))
        .when(fin.is_in(["pending", "authorized", "partially_paid", "expired"]))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )
    notes = c("notes")
    gift_attr = c("note attributes").str.extract(r"(?im)^[^:\n]*gift[^:\n]*:\s*(.+)$", 1)
    gift_message = pl.coalesce(gift_attr, pl.when(notes.str.contains(GIFT_WORDS)).then(notes))
    ship_name, bill_name = c("shipping name"), c("billing name")
    ship_to_other = (
        ship_name.is_not_null()
        & bill_name.is_not_null()
        & (ship_name.str.to_lowercase() != bill_name.str.to_lowercase())
        & (c("shipping address1") != c("billing address1")).fill_null(True)
    )
    return orders.select(
        "name",
        c("email").alias("__order_email"),
        pl.coalesce(c("phone"), c("billing phone"), bill_name).alias(BUYER),
        bill_name.alias("customer_name"),
        ship_name.alias("shipping_name"),
        bill_name.alias("billing_name"),
        pl.coalesce(c("shipping country"), c("billing country")).alias("country"),
        pl.coalesce(c("shipping province"), c("billing province")).alias("region"),
        pl.coalesce(c("shipping city"), c("billing city")).alias("city"),
        pl.coalesce(c("shipping zip"), c("billing zip")).alias("postal_code"),
        "order_total",
        "order_discount",
        "shipping",
        "refunded",
        c("currency").str.to_uppercase().alias("currency"),
        status.alias("status"),
        (c("fulfillment status").str.to_lowercase() == "fulfilled")
        .fill_null(False)
        .alias("fulfilled"),
        c("discount code").alias("discount_code"),
        notes.alias("order_note"),
        gift_message.alias("gift_message"),
        (gift_message.is_not_null() | ship_to_other).alias("is_gift"),
        "accepts_marketing",
        c("source").alias("channel"),
        unparsed_clean(c("total"), c("order_total"), "amount", "Total").alias("__order_reason"),
    )


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Shopify orders export → canonical lines.

    Order fields are only on an order's first row: they are parsed once per order and joined
    back onto every line of it (continuation rows), which is also the fast way on big exports.
    """
    for missing in {*LINE_FIELDS, *ORDER_FIELDS} - set(frame.columns):
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(missing))
    first = frame.filter(pl.col("name").is_first_distinct())
    orders = _order_fields(
        first.select(clean(pl.col(c)).alias(c) for c in ORDER_FIELDS + ["name"]), ctx
    )
    lines = frame.select("__row", *(clean(pl.col(c)).alias(c) for c in LINE_FIELDS))
    fmt = sniff_date_formats(lines["created at"])
    lines = lines.with_columns(
        datetime_utc(pl.col("created at"), fmt, ctx.timezone).alias("__created"),
        integer(pl.col("lineitem quantity")).alias("__qty"),
        money(pl.col("lineitem price")).alias("__price"),
        money(pl.col("lineitem discount")).fill_null(0.0).alias("__line_discount"),
        boolean(pl.col("lineitem requires shipping")).alias("__ships"),
    )
    c = pl.col
    qty, price, name = c("__qty"), c("__price"), c("lineitem name")
    kind = (
        pl.when(name.str.to_lowercase() == "tip")
        .then(pl.lit("tip"))
        .when(name.str.contains("(?i)gift ?card") & ~c("__ships").fill_null(True))
        .then(pl.lit("gift_card"))
        .otherwise(pl.lit("product"))
    )
    lines = lines.select(
        "__row",
        c("name"),
        c("name").alias("order_id"),
        c("__created").alias("ordered_at"),
        pl.coalesce(c("lineitem sku"), name.str.to_lowercase()).alias("sku"),
        name.alias("product_name"),
        c("vendor").alias("category"),
        qty.alias("quantity"),
        price.alias("unit_price"),
        (qty * price - c("__line_discount")).alias("line_total"),
        kind.alias("line_kind"),
        reasons(
            unparsed_clean(c("created at"), c("__created"), "date", "Created at"),
            unparsed_clean(c("lineitem quantity"), qty, "number", "Lineitem quantity"),
            unparsed_clean(c("lineitem price"), price, "amount", "Lineitem price"),
        ).alias("__line_reason"),
    )
    out = lines.join(orders, on="name", how="left", maintain_order="left", nulls_equal=True)
    return out.with_columns(
        pl.col("__order_email").alias("email"),
        reasons(pl.col("__line_reason"), pl.col("__order_reason")).alias(REASON),
    ).drop("name", "__order_email", "__line_reason", "__order_reason")


def build_customers(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Shopify customers export → customer attributes (both layouts)."""
    tags = col(frame, "tags")
    consent = boolean(col(frame, "accepts email marketing", "accepts marketing"))
    return frame.select(
        "__row",
        col(frame, "email").alias("email"),
        pl.coalesce(
            col(frame, "phone", "default address phone"),
            pl.concat_str(pl.lit("id:"), col(frame, "customer id")),
        ).alias(BUYER),
        col(frame, "first name").alias("first_name"),
        col(frame, "last name").alias("last_name"),
        col(frame, "phone", "default address phone").alias("phone"),
        col(frame, "default address country code", "country code", "country").alias("country"),
        consent.alias("accepts_marketing"),
        pl.when(tags.is_not_null())
        .then(tags.str.split(",").list.eval(pl.element().str.strip_chars()).list.drop_nulls())
        .otherwise(pl.lit([], dtype=pl.List(pl.Utf8)))
        .alias("existing_tags"),
        col(frame, "note").alias("note"),
    )


ORDERS = Format(
    name="shopify",
    title="Shopify orders export",
    description="Orders → Export (orders_export.csv); 73- and 79-column layouts.",
    signature=("name", "financial status", "lineitem quantity", "lineitem name", "created at"),
    required=("Name", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price"),
    build=build_orders,
    columns=tuple(LINE_FIELDS + ORDER_FIELDS),
)

CUSTOMERS = Format(
    name="shopify-customers",
    title="Shopify customers export",
    description="Customers → Export (customers_export.csv): tags, consent and names by email.",
    signature=("first name", "last name", "email", "accepts email marketing", "total spent"),
    required=("Email", "First Name", "Last Name", "Accepts Email Marketing", "Tags"),
    build=build_customers,
    kind="customers",
    source="shopify",
)

FORMATS = [ORDERS, CUSTOMERS]
