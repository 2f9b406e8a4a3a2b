"""Writers: the sample shop's truth rendered as Shopify, WooCommerce and generic exports.

Each writer takes the shop and the target paths and writes the file(s) exactly as the platform
lays them out (headers from shared/FORMATS.md). Etsy, Amazon and eBay are in
`samples_writers_mp`, Taobao in `samples_writers_taobao`. `WRITERS` maps a format name to its
writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.core.samples.render import (
    join_text,
    joined,
    money2,
    render_csv,
    shop_time,
    write_text,
)
from shopinsight.core.samples.writers_mp import write_amazon, write_ebay, write_etsy
from shopinsight.core.samples.writers_taobao import write_taobao

SHOPIFY_COLUMNS = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,"
    "Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,"
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,"
    "Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,"
    "Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,"
    "Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")
"""Shopify orders export, current 79-column layout (FORMATS.md §1.1 layout B)."""

SHOPIFY_CUSTOMER_COLUMNS = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
    "Tax Exempt,Tags"
).split(",")
"""Shopify customers export, current layout (FORMATS.md §1.2)."""

WOO_COLUMNS = (
    "Order Number,Order Status,Order Date,Customer Note,First Name (Billing),"
    "Last Name (Billing),Company (Billing),Address 1&2 (Billing),City (Billing),"
    "State Code (Billing),Postcode (Billing),Country Code (Billing),Email (Billing),"
    "Phone (Billing),First Name (Shipping),Last Name (Shipping),Address 1&2 (Shipping),"
    "City (Shipping),State Code (Shipping),Postcode (Shipping),Country Code (Shipping),Item #,"
    "SKU,Name,Product Variation,Quantity,Quantity (- Refund),Item Cost,Order Line (w/o tax),"
    "Order Line Tax,Order Line Total,Order Line Total Refunded,Order Line Total (- Refund),"
    "Image URL,Coupon Code,Discount Amount,Discount Amount Tax,Payment Method Title,"
    "Coupons Used,Cart Discount Amount,Order Subtotal Amount,Order Tax Amount,"
    "Order Shipping Amount,Order Refund Amount,Order Total Amount,Order Total Tax Amount,"
    "Total items,Total products,Order Currency"
).split(",")
"""WooCommerce "Advanced Order Export" plugin, products as rows (FORMATS.md §2.2), with the
plugin's Order Currency field added at the end."""

GENERIC_COLUMNS = ["order_id", "date", "customer", "sku", "product", "qty", "price", "currency"]

if TYPE_CHECKING:
    from shopinsight.core.samples.shop import SampleShop


def _apostrophe(expr: pl.Expr) -> pl.Expr:
    """Shopify prefixes numeric-looking zips and phones with `'` so Excel keeps them text."""
    return pl.when(expr.str.contains(r"^[+\d][\d\s\-]*$")).then(pl.concat_str(pl.lit("'"), expr))


def _zip_or_text(expr: pl.Expr) -> pl.Expr:
    return pl.coalesce(_apostrophe(expr), expr)


def write_shopify(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """Shopify orders export: newest order first, order fields only on its first line."""
    f = joined(shop, "shopify")
    first = pl.col("first")

    def o(expr: pl.Expr | str) -> pl.Expr:  # an order-level field: first line only
        e = pl.col(expr) if isinstance(expr, str) else expr
        return pl.when(first).then(e)

    tip = pl.col("kind") == "tip"
    gift, msg = pl.col("is_gift"), pl.col("gift_message")
    via_attrs = msg.is_not_null() & (pl.col("order_key") % 3 == 0)
    attrs = pl.concat_str(
        pl.when(via_attrs).then(pl.concat_str(pl.lit("gift_message: "), msg)),
        pl.when(pl.col("order_key") % 7 == 0).then(
            pl.lit("utm_source: instagram\nutm_medium: social")
        ),
        separator="\n",
        ignore_nulls=True,
    )
    notes = pl.coalesce(pl.when(~via_attrs).then(msg), pl.col("note"))
    created = shop_time(pl.col("local_at"))
    bill_name = pl.concat_str("first_name", pl.lit(" "), "last_name")
    street = join_text("address1", "address2", sep=", ")
    ship_street = join_text("ship_address1", "ship_address2", sep=", ")
    financial = pl.col("status").replace({"cancelled": "voided"})
    order_id_num = (pl.col("order_key") * 7919 + 5_612_000_000_000).cast(pl.Utf8)
    phone = _apostrophe(pl.col("phone"))
    out = f.sort(["order_key", "line_no"], descending=[True, False]).select(
        pl.col("order_id").alias("Name"),
        pl.col("email_as_typed").alias("Email"),
        o(financial).alias("Financial Status"),
        o(
            pl.when(pl.col("status") != "cancelled").then(
                shop_time(pl.col("local_at") + pl.duration(seconds=2))
            )
        ).alias("Paid at"),
        o(
            pl.when(pl.col("fulfilled")).then(pl.lit("fulfilled")).otherwise(pl.lit("unfulfilled"))
        ).alias("Fulfillment Status"),
        o(shop_time(pl.col("shipped_at"))).alias("Fulfilled at"),
        o(pl.when(pl.col("accepts_marketing")).then(pl.lit("yes")).otherwise(pl.lit("no"))).alias(
            "Accepts Marketing"
        ),
        o("currency").alias("Currency"),
        o(money2(pl.col("subtotal"))).alias("Subtotal"),
        o(money2(pl.col("shipping"))).alias("Shipping"),
        o(pl.lit("0.00")).alias("Taxes"),
        o(money2(pl.col("total"))).alias("Total"),
        o("discount_code").alias("Discount Code"),
        o(money2(pl.col("discount"))).alias("Discount Amount"),
        o(
            pl.when(pl.col("shipping") == 0)
            .then(pl.lit("Free Shipping"))
            .otherwise(pl.lit("Standard Shipping"))
        ).alias("Shipping Method"),
        created.alias("Created at"),
        pl.col("quantity").alias("Lineitem quantity"),
        join_text("name", "variant", sep=" - ").alias("Lineitem name"),
        money2(pl.col("unit_price")).alias("Lineitem price"),
        money2(pl.col("compare_at")).alias("Lineitem compare at price"),
        pl.col("sku").alias("Lineitem sku"),
        *shopify_line_flags(tip, pl.col("fulfilled")),
        o(bill_name).alias("Billing Name"),
        o(street).alias("Billing Street"),
        o("address1").alias("Billing Address1"),
        o("address2").alias("Billing Address2"),
        o(pl.lit(None, pl.Utf8)).alias("Billing Company"),
        o("city").alias("Billing City"),
        o(_zip_or_text(pl.col("postal_code"))).alias("Billing Zip"),
        o("region").alias("Billing Province"),
        o("country").alias("Billing Country"),
        o(phone).alias("Billing Phone"),
        o("ship_name").alias("Shipping Name"),
        o(ship_street).alias("Shipping Street"),
        o("ship_address1").alias("Shipping Address1"),
        o("ship_address2").alias("Shipping Address2"),
        o(pl.lit(None, pl.Utf8)).alias("Shipping Company"),
        o("ship_city").alias("Shipping City"),
        o(_zip_or_text(pl.col("ship_zip"))).alias("Shipping Zip"),
        o("ship_region").alias("Shipping Province"),
        o("ship_country").alias("Shipping Country"),
        o(pl.when(~gift).then(phone)).alias("Shipping Phone"),
        o(notes).alias("Notes"),
        o(attrs).alias("Note Attributes"),
        o(shop_time(pl.col("cancelled_at"))).alias("Cancelled at"),
        o(pl.lit("Shopify Payments")).alias("Payment Method"),
        o(pl.format("c{}.1", order_id_num)).alias("Payment Reference"),
        o(money2(pl.col("refunded"))).alias("Refunded Amount"),
        pl.when(~tip).then("category").alias("Vendor"),
        o(pl.lit("0.00")).alias("Outstanding Balance"),
        *[pl.lit(None, pl.Utf8).alias(c) for c in ("Employee", "Location", "Device ID")],
        o(order_id_num).alias("Id"),
        o(pl.when(pl.col("persona") == "champion").then(pl.lit("VIP"))).alias("Tags"),
        o(pl.lit("Low")).alias("Risk Level"),
        o("channel").alias("Source"),
        pl.lit("0.00").alias("Lineitem discount"),
        *[pl.lit(None, pl.Utf8).alias(c) for c in SHOPIFY_COLUMNS[60:70]],
        o(phone).alias("Phone"),
        *[pl.lit(None, pl.Utf8).alias(c) for c in ("Receipt Number", "Duties")],
        o("region_name").alias("Billing Province Name"),
        o("ship_region_name").alias("Shipping Province Name"),
        o(pl.format("r{}", order_id_num)).alias("Payment ID"),
        *[pl.lit(None, pl.Utf8).alias(c) for c in ("Payment Terms Name", "Next Payment Due At")],
        o(pl.format("c{}.1", order_id_num)).alias("Payment References"),
    )
    assert out.columns == SHOPIFY_COLUMNS
    quoted_empty = {
        c: pl.lit(True)
        for c in (
            "Discount Code",
            "Billing Address2",
            "Tags",
            "Note Attributes",
            "Shipping Address2",
        )
    }
    firsts = pl.col("Financial Status").is_not_null()
    quoted_empty = {c: firsts & v for c, v in quoted_empty.items()}
    return [write_text(paths[0], render_csv(out, empty_quoted=quoted_empty))]


def write_shopify_customers(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """Shopify customers export: account holders and newsletter-only sign-ups."""
    spent = (
        shop.orders.filter(pl.col("marketplace") == "shopify")
        .group_by("customer_key")
        .agg(pl.col("net_revenue").sum().alias("spent"), pl.len().alias("n"))
    )
    c = shop.customers.filter(pl.col("marketplace") == "shopify").join(
        spent, on="customer_key", how="left"
    )
    yes_no = {True: "yes", False: "no"}
    out = c.sort("customer_key").select(
        pl.concat_str(pl.lit("'"), "shopify_customer_id").alias("Customer ID"),
        pl.col("first_name").alias("First Name"),
        pl.col("last_name").alias("Last Name"),
        pl.col("email_as_typed").alias("Email"),
        pl.col("accepts_marketing")
        .replace_strict(yes_no, return_dtype=pl.Utf8)
        .alias("Accepts Email Marketing"),
        pl.lit(None, pl.Utf8).alias("Default Address Company"),
        pl.when(pl.col("first_name").is_not_null())
        .then("address1")
        .alias("Default Address Address1"),
        pl.col("address2").alias("Default Address Address2"),
        pl.when(pl.col("first_name").is_not_null()).then("city").alias("Default Address City"),
        pl.when(pl.col("first_name").is_not_null())
        .then("region")
        .alias("Default Address Province Code"),
        pl.when(pl.col("first_name").is_not_null())
        .then("country")
        .alias("Default Address Country Code"),
        pl.when(pl.col("first_name").is_not_null())
        .then("postal_code")
        .alias("Default Address Zip"),
        _apostrophe(pl.col("phone")).alias("Default Address Phone"),
        _apostrophe(pl.col("phone")).alias("Phone"),
        pl.lit("no").alias("Accepts SMS Marketing"),
        money2(pl.col("spent").fill_null(0.0)).alias("Total Spent"),
        pl.col("n").fill_null(0).alias("Total Orders"),
        pl.lit(None, pl.Utf8).alias("Note"),
        pl.lit("no").alias("Tax Exempt"),
        pl.col("tags").list.join(", ").alias("Tags"),
    )
    assert out.columns == SHOPIFY_CUSTOMER_COLUMNS
    return [write_text(paths[0], render_csv(out))]


def _split_name(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return expr.str.extract(r"^(\S+)", 1), expr.str.extract(r"^\S+\s+(.*)$", 1)


def write_woocommerce(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """WooCommerce Advanced Order Export: one row per item, order fields on every row."""
    f = joined(shop, "woocommerce")
    status = (
        pl.when(pl.col("status") == "cancelled")
        .then(pl.lit("cancelled"))
        .when(pl.col("status") == "refunded")
        .then(pl.lit("refunded"))
        .when(~pl.col("fulfilled"))
        .then(pl.lit("processing"))
        .otherwise(pl.lit("completed"))
    )
    full_refund = pl.col("status") == "refunded"
    ship_first, ship_last = _split_name(pl.col("ship_name"))
    line = money2(pl.col("line_total"))
    items = pl.col("quantity").sum().over("order_key")
    out = f.sort("order_key", "line_no").select(
        pl.col("order_id").alias("Order Number"),
        status.alias("Order Status"),
        pl.col("local_at").dt.strftime("%Y-%m-%d %H:%M:%S").alias("Order Date"),
        pl.coalesce("gift_message", "note").alias("Customer Note"),
        pl.col("first_name").alias("First Name (Billing)"),
        pl.col("last_name").alias("Last Name (Billing)"),
        pl.lit(None, pl.Utf8).alias("Company (Billing)"),
        join_text("address1", "address2").alias("Address 1&2 (Billing)"),
        pl.col("city").alias("City (Billing)"),
        pl.col("region").alias("State Code (Billing)"),
        pl.col("postal_code").alias("Postcode (Billing)"),
        pl.col("country").alias("Country Code (Billing)"),
        pl.col("email_as_typed").alias("Email (Billing)"),
        pl.col("phone").alias("Phone (Billing)"),
        ship_first.alias("First Name (Shipping)"),
        ship_last.alias("Last Name (Shipping)"),
        join_text("ship_address1", "ship_address2").alias("Address 1&2 (Shipping)"),
        pl.col("ship_city").alias("City (Shipping)"),
        pl.col("ship_region").alias("State Code (Shipping)"),
        pl.col("ship_zip").alias("Postcode (Shipping)"),
        pl.col("ship_country").alias("Country Code (Shipping)"),
        pl.col("line_no").alias("Item #"),
        pl.col("sku").alias("SKU"),
        pl.col("name").alias("Name"),
        pl.col("variant").alias("Product Variation"),
        pl.col("quantity").alias("Quantity"),
        pl.when(full_refund).then(0).otherwise("quantity").alias("Quantity (- Refund)"),
        money2(pl.col("unit_price")).alias("Item Cost"),
        line.alias("Order Line (w/o tax)"),
        pl.lit("0.00").alias("Order Line Tax"),
        line.alias("Order Line Total"),
        pl.when(full_refund)
        .then(line)
        .otherwise(pl.lit("0.00"))
        .alias("Order Line Total Refunded"),
        pl.when(full_refund)
        .then(pl.lit("0.00"))
        .otherwise(line)
        .alias("Order Line Total (- Refund)"),
        pl.lit(None, pl.Utf8).alias("Image URL"),
        pl.col("discount_code").alias("Coupon Code"),
        pl.when(pl.col("discount_code").is_not_null())
        .then(money2(pl.col("discount")))
        .alias("Discount Amount"),
        pl.when(pl.col("discount_code").is_not_null())
        .then(pl.lit("0.00"))
        .alias("Discount Amount Tax"),
        pl.lit("Credit Card (Stripe)").alias("Payment Method Title"),
        pl.col("discount_code").alias("Coupons Used"),
        money2(pl.col("discount")).alias("Cart Discount Amount"),
        money2(pl.col("subtotal")).alias("Order Subtotal Amount"),
        pl.lit("0.00").alias("Order Tax Amount"),
        money2(pl.col("shipping")).alias("Order Shipping Amount"),
        money2(pl.col("refunded")).alias("Order Refund Amount"),
        money2(pl.col("total")).alias("Order Total Amount"),
        pl.lit("0.00").alias("Order Total Tax Amount"),
        items.alias("Total items"),
        pl.len().over("order_key").alias("Total products"),
        pl.col("currency").alias("Order Currency"),
    )
    assert out.columns == WOO_COLUMNS
    return [write_text(paths[0], render_csv(out, quote="php"))]


def shopify_line_flags(tip: pl.Expr, shipped: pl.Expr) -> list[pl.Expr]:
    """Shopify's per-line flags: a Tip line ships nothing and is `not_eligible` for fulfilment."""
    yes_unless_tip = pl.when(tip).then(pl.lit("false")).otherwise(pl.lit("true"))
    return [
        yes_unless_tip.alias("Lineitem requires shipping"),
        yes_unless_tip.alias("Lineitem taxable"),
        pl.when(tip)
        .then(pl.lit("not_eligible"))
        .when(shipped)
        .then(pl.lit("fulfilled"))
        .otherwise(pl.lit("pending"))
        .alias("Lineitem fulfillment status"),
    ]


def write_generic(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """A plain order-lines CSV, as a POS or a spreadsheet would give (market-stall sales)."""
    f = joined(shop, "generic")
    out = f.select(
        pl.col("order_id"),
        pl.col("local_at").dt.strftime("%Y-%m-%d %H:%M").alias("date"),
        pl.col("email").alias("customer"),
        "sku",
        join_text("name", "variant").alias("product"),
        pl.col("quantity").alias("qty"),
        money2(pl.col("unit_price")).alias("price"),
        pl.col("currency"),
    )
    assert out.columns == GENERIC_COLUMNS
    return [write_text(paths[0], render_csv(out))]


Writer = Callable[..., list[Path]]

WRITERS: dict[str, Writer] = {
    "shopify": write_shopify,
    "shopify-customers": write_shopify_customers,
    "etsy": write_etsy,
    "woocommerce": write_woocommerce,
    "amazon": write_amazon,
    "ebay": write_ebay,
    "taobao": write_taobao,
    "generic": write_generic,
}
"""Format name → writer(shop, paths) → the paths written."""

__all__ = ["WRITERS", "SHOPIFY_COLUMNS"]
