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
    unparsed,
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


def _fill_down(frame: pl.DataFrame) -> pl.DataFrame:
    """Copy order fields from an order's first row onto its continuation rows."""
    present = [c for c in ORDER_FIELDS if c in frame.columns]
    return frame.with_columns([pl.col(c).forward_fill().over("name") for c in present])


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Shopify orders export → canonical lines."""
    frame = frame.with_columns(clean(pl.col(c)) for c in frame.columns if c != "__row")
    frame = _fill_down(frame)
    fmt = sniff_date_formats(frame["created at"])
    created = datetime_utc(pl.col("created at"), fmt)
    qty = integer(pl.col("lineitem quantity"))
    price = money(pl.col("lineitem price"))
    line_discount = money(col(frame, "lineitem discount")).fill_null(0.0)
    fin = col(frame, "financial status").str.to_lowercase()
    cancelled_at = col(frame, "cancelled at")
    status = (
        pl.when(fin == "refunded")
        .then(pl.lit("refunded"))
        .when(fin == "partially_refunded")
        .then(pl.lit("partially_refunded"))
        .when(fin.is_in(["voided"]) | cancelled_at.is_not_null())
        .then(pl.lit("cancelled"))
        .when(fin.is_in(["pending", "authorized", "partially_paid", "expired"]))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )
    name = col(frame, "lineitem name")
    requires_shipping = boolean(col(frame, "lineitem requires shipping"))
    kind = (
        pl.when(name.str.to_lowercase() == "tip")
        .then(pl.lit("tip"))
        .when(name.str.contains("(?i)gift ?card") & (requires_shipping == False))  # noqa: E712
        .then(pl.lit("gift_card"))
        .otherwise(pl.lit("product"))
    )
    notes = col(frame, "notes")
    attrs = col(frame, "note attributes")
    gift_attr = attrs.str.extract(r"(?im)^[^:\n]*gift[^:\n]*:\s*(.+)$", 1)
    gift_message = pl.coalesce(gift_attr, pl.when(notes.str.contains(GIFT_WORDS)).then(notes))
    ship_name = col(frame, "shipping name")
    bill_name = col(frame, "billing name")
    ship_to_other = (
        ship_name.is_not_null()
        & bill_name.is_not_null()
        & (ship_name.str.to_lowercase() != bill_name.str.to_lowercase())
        & (col(frame, "shipping address1") != col(frame, "billing address1")).fill_null(True)
    )
    total = money(col(frame, "total"))
    return frame.select(
        "__row",
        col(frame, "name").alias("order_id"),
        created.alias("ordered_at"),
        col(frame, "email").alias("email"),
        pl.coalesce(col(frame, "phone", "billing phone"), bill_name).alias(BUYER),
        bill_name.alias("customer_name"),
        ship_name.alias("shipping_name"),
        bill_name.alias("billing_name"),
        pl.coalesce(col(frame, "shipping country"), col(frame, "billing country")).alias("country"),
        pl.coalesce(col(frame, "shipping province"), col(frame, "billing province")).alias(
            "region"
        ),
        pl.coalesce(col(frame, "shipping city"), col(frame, "billing city")).alias("city"),
        pl.coalesce(col(frame, "shipping zip"), col(frame, "billing zip")).alias("postal_code"),
        pl.coalesce(col(frame, "lineitem sku"), name.str.to_lowercase()).alias("sku"),
        name.alias("product_name"),
        col(frame, "vendor").alias("category"),
        qty.alias("quantity"),
        price.alias("unit_price"),
        (qty * price - line_discount).alias("line_total"),
        total.alias("order_total"),
        money(col(frame, "discount amount")).fill_null(0.0).alias("order_discount"),
        money(col(frame, "shipping")).fill_null(0.0).alias("shipping"),
        money(col(frame, "refunded amount")).fill_null(0.0).alias("refunded"),
        col(frame, "currency").str.to_uppercase().alias("currency"),
        status.alias("status"),
        (col(frame, "fulfillment status").str.to_lowercase() == "fulfilled")
        .fill_null(False)
        .alias("fulfilled"),
        col(frame, "discount code").alias("discount_code"),
        notes.alias("order_note"),
        gift_message.alias("gift_message"),
        (gift_message.is_not_null() | ship_to_other).alias("is_gift"),
        boolean(col(frame, "accepts marketing")).alias("accepts_marketing"),
        col(frame, "source").alias("channel"),
        kind.alias("line_kind"),
        reasons(
            unparsed(
                pl.col("created at"), datetime_utc(pl.col("created at"), fmt), "date", "Created at"
            ),
            unparsed(pl.col("lineitem quantity"), qty, "number", "Lineitem quantity"),
            unparsed(pl.col("lineitem price"), price, "amount", "Lineitem price"),
            unparsed(col(frame, "total"), total, "amount", "Total"),
        ).alias(REASON),
    )


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
