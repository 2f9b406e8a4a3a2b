"""The canonical order line: the one place its columns and types are defined.

Every importer produces this frame; every analysis reads it. One row per line item, order-level
fields repeated on every line of the order. An order-level-only export (no products) gives one
line per order with `line_kind = "order"` and no product.

Money after returns (one rule, every importer): an order's net revenue is
`order_total - refunded`, 0 when `status == "cancelled"`. A refund of part or all of an order
(Shopify `Refunded Amount`, WooCommerce refund rows, Taobao 退款金额) is its `refunded`. A return
document of its own (a credit note such as Online Retail's `C…` invoices, negative quantities) is
an order with `status == "returned"`: negative quantities, negative `line_total` and
`order_total`, so its (negative) net revenue takes the returned money off the shop's and the
customer's totals. It is never a purchase. Summing net revenue over all orders gives the net of
the books.

Orders are keyed by `ORDER_KEY` (source, store, order id): two stores of one platform can
reuse order numbers.
"""

from __future__ import annotations

from typing import TypeAlias

import polars as pl

PolarsType: TypeAlias = pl.DataType | type[pl.DataType]
"""A dtype as schemas hold it: an instance (`pl.Datetime("us", "UTC")`) or a class (`pl.Utf8`)."""

UTC_DATETIME = pl.Datetime("us", "UTC")

STATUS = pl.Enum(["paid", "pending", "refunded", "partially_refunded", "cancelled", "returned"])
"""Order status. Net revenue of an order is order_total - refunded; cancelled orders count 0,
and so do pending orders not shipped (not paid for yet, `orders.unpaid_expr`).
`returned`: the order is a return document (credit note) with negative money; it lowers revenue
and is never a purchase (see the module docstring)."""

LINE_KIND = pl.Enum(["product", "order", "tip", "gift_card", "shipping", "fee", "adjustment"])
"""`product` is a real item; `order` a whole order from an order-level-only export; the rest are
pseudo-lines that count in revenue but never in product analytics (bundles, favourites, gifts):
`shipping` postage/carriage charged, `fee` marketplace or bank charges and commissions,
`adjustment` manual corrections, discounts, samples and bad-debt write-offs, `tip`, `gift_card`
(vouchers sold). Which codes are which is data in each importer (generic: `PSEUDO_CODES`)."""

LINE_SCHEMA: dict[str, PolarsType] = {
    "source": pl.Utf8,
    "store": pl.Utf8,
    "order_id": pl.Utf8,
    "line_no": pl.Int32,
    "line_kind": LINE_KIND,
    "ordered_at": UTC_DATETIME,
    "customer_id": pl.Utf8,
    "email": pl.Utf8,
    "customer_name": pl.Utf8,
    "shipping_name": pl.Utf8,
    "billing_name": pl.Utf8,
    "country": pl.Utf8,
    "region": pl.Utf8,
    "city": pl.Utf8,
    "postal_code": pl.Utf8,
    "sku": pl.Utf8,
    "product_name": pl.Utf8,
    "variant": pl.Utf8,
    "category": pl.Utf8,
    "quantity": pl.Int32,
    "unit_price": pl.Float64,
    "line_total": pl.Float64,
    "order_total": pl.Float64,
    "order_discount": pl.Float64,
    "shipping": pl.Float64,
    "refunded": pl.Float64,
    "currency": pl.Utf8,
    "status": STATUS,
    "fulfilled": pl.Boolean,
    "discount_code": pl.Utf8,
    "order_note": pl.Utf8,
    "gift_message": pl.Utf8,
    "is_gift": pl.Boolean,
    "accepts_marketing": pl.Boolean,
    "channel": pl.Utf8,
}
"""Column name -> dtype of the canonical order line, in file order."""

ORDER_KEY = ["source", "store", "order_id"]
"""An order's identity. `store` is the shop within a platform: from the export where it says,
else `import --store NAME`, else "" (never null)."""

LINE_KEY = [*ORDER_KEY, "line_no"]
"""A line's identity: re-importing the same line replaces it instead of adding it."""

ORDER_LEVEL = [
    "ordered_at", "customer_id", "email", "customer_name", "shipping_name", "billing_name",
    "country", "region", "city", "postal_code", "order_total", "order_discount", "shipping",
    "refunded", "currency", "status", "fulfilled", "discount_code", "order_note", "gift_message",
    "is_gift", "accepts_marketing", "channel",
]  # fmt: skip
"""Columns that hold one value per order, repeated on each of its lines."""

CUSTOMER_ATTR_SCHEMA: dict[str, PolarsType] = {
    "customer_id": pl.Utf8,
    "email": pl.Utf8,
    "first_name": pl.Utf8,
    "last_name": pl.Utf8,
    "phone": pl.Utf8,
    "country": pl.Utf8,
    "accepts_marketing": pl.Boolean,
    "existing_tags": pl.List(pl.Utf8),
    "note": pl.Utf8,
    "source": pl.Utf8,
}
"""Customer attributes from a customers export (Shopify), matched to orders by customer_id."""


def conform(frame: pl.DataFrame | pl.LazyFrame, schema: dict | None = None) -> pl.LazyFrame:
    """Select the schema's columns in order, adding missing ones as nulls and casting the rest.

    Importers build what their export offers and call this to fill the gaps. `store` is never
    null ("" when nothing named it), so lines stored before stores existed read as store "".
    """
    schema = schema or LINE_SCHEMA
    lf = frame.lazy()
    have = set(lf.collect_schema().names())
    cols = []
    for name, dtype in schema.items():
        expr = (pl.col(name) if name in have else pl.lit(None)).cast(dtype)
        cols.append((expr.fill_null("") if name == "store" else expr).alias(name))
    return lf.select(cols)


def normalise_email(expr: pl.Expr) -> pl.Expr:
    """Trim and lower-case an email; empty or without '@' becomes null."""
    e = expr.str.strip_chars().str.to_lowercase()
    return pl.when(e.str.contains("@")).then(e).otherwise(None)
