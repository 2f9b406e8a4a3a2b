"""Writers for the marketplace exports: Etsy (two files), Amazon FBM order report and eBay
Seller Hub orders report, each as the platform lays it out (shared/FORMATS.md §3–§5): Etsy's
PHP-style quoting and `MM/DD/YY` dates with order money on an order's first item row only;
Amazon's tab-separated, unquoted CRLF rows with line totals in `item-price`; eBay's bare-comma
first line, padding row, summary + item rows, `$` money and footer lines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.core.samples import data as D
from shopinsight.core.samples.render import (
    dollars,
    join_text,
    joined,
    money2,
    money_loose,
    render_csv,
    write_text,
)

ETSY_ORDER_COLUMNS = (
    "Sale Date,Order ID,Buyer User ID,Full Name,First Name,Last Name,Number of Items,"
    "Payment Method,Date Shipped,Street 1,Street 2,Ship City,Ship State,Ship Zipcode,"
    "Ship Country,Currency,Order Value,Coupon Code,Coupon Details,Discount Amount,"
    "Shipping Discount,Shipping,Sales Tax,Order Total,Status,Card Processing Fees,Order Net,"
    "Adjusted Order Total,Adjusted Card Processing Fees,Adjusted Net Order Amount,Buyer,"
    "Order Type,Payment Type,InPerson Discount,InPerson Location,SKU"
).split(",")
ETSY_ITEM_COLUMNS = (
    "Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,Coupon Details,Discount Amount,"
    "Shipping Discount,Order Shipping,Order Sales Tax,Item Total,Currency,Transaction ID,"
    "Listing ID,Date Paid,Date Shipped,Ship Name,Ship Address1,Ship Address2,Ship City,"
    "Ship State,Ship Zipcode,Ship Country,Order ID,Variations,Order Type,Listings Type,"
    "Payment Type,InPerson Discount,InPerson Location,VAT Paid by Buyer,SKU"
).split(",")
AMAZON_COLUMNS = (
    "order-id,order-item-id,purchase-date,payments-date,reporting-date,promise-date,"
    "days-past-promise,buyer-email,buyer-name,buyer-phone-number,sku,product-name,"
    "quantity-purchased,quantity-shipped,quantity-to-ship,currency,item-price,item-tax,"
    "shipping-price,shipping-tax,ship-service-level,recipient-name,ship-address-1,"
    "ship-address-2,ship-address-3,ship-city,ship-state,ship-postal-code,ship-country,"
    "item-promotion-discount,ship-promotion-discount,sales-channel,is-business-order,"
    "purchase-order-number,price-designation,is-iba,verge-of-cancellation,verge-of-lateShipment"
).split(",")
"""FBM order report: the FORMATS.md §4.2 columns plus the price columns of the US Order Report
(currency, item-price, item-tax, shipping-price, shipping-tax, promotion discounts, channel)."""
EBAY_COLUMNS = (
    "Sales Record Number,Order Number,Buyer Username,Buyer Name,Buyer Email,Buyer Note,"
    "Buyer Address 1,Buyer Address 2,Buyer City,Buyer State,Buyer Zip,Buyer Country,"
    "Buyer Tax Identifier Name,Buyer Tax Identifier Value,Ship To Name,Ship To Phone,"
    "Ship To Address 1,Ship To Address 2,Ship To City,Ship To State,Ship To Zip,Ship To Country,"
    "Item Number,Item Title,Custom Label,Sold Via Promoted Listings,Quantity,Sold For,"
    "Shipping And Handling,Item Location,Item Zip Code,Item Country,"
    "eBay Collect And Remit Tax Rate,eBay Collect And Remit Tax Type,eBay Reference Name,"
    "eBay Reference Value,Tax Status,Seller Collected Tax,eBay Collected Tax,"
    "Electronic Waste Recycling Fee,Mattress Recycling Fee,Battery Recycling Fee,"
    "White Goods Disposal Tax,Tire Recycling Fee,Additional Fee,eBay Collected Charges,"
    "Total Price,eBay Collected Tax Included in Total,Payment Method,Commitment Date,Sale Date,"
    "Paid On Date,Ship By Date,Minimum Estimated Delivery Date,Maximum Estimated Delivery Date,"
    "Shipped On Date,Feedback Left,Feedback Received,My Item Note,PayPal Transaction ID,"
    "Shipping Service,Tracking Number,Transaction ID,Variation Details,Global Shipping Program,"
    "Global Shipping Reference ID,Click And Collect,Click And Collect Reference Number,eBay Plus,"
    "Authenticity Verification Program,Authenticity Verification Status,"
    "Authenticity Verification Outcome Reason,eBay Vault Program,Vault Fulfillment Type,"
    "eBay Fulfillment Program,Tax City,Tax State,Tax Zip,Tax Country,eBay International Shipping"
).split(",")

if TYPE_CHECKING:
    from shopinsight.core.samples.shop import SampleShop


def _blank(*names: str) -> list[pl.Expr]:
    return [pl.lit(None, pl.Utf8).alias(n) for n in names]


def _listing(base: int, step: int) -> pl.Expr:
    """A stable listing / item number per SKU (its place in the catalogue)."""
    numbers = {p[0]: base + i * step for i, p in enumerate(D.PRODUCTS)}
    return pl.col("sku").replace_strict(numbers, default=None, return_dtype=pl.Int64)


def _etsy_buyer(bare_username: pl.Expr) -> pl.Expr:
    """`Name (username)`, or the bare username as some Etsy rows show it."""
    full = pl.concat_str("first_name", pl.lit(" "), "last_name")
    return (
        pl.when(bare_username)
        .then(pl.col("username"))
        .otherwise(pl.format("{} ({})", full, pl.col("username")))
    )


def write_etsy(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """EtsySoldOrders (one row per order) and EtsySoldOrderItems (one row per item)."""
    f = joined(shop, "etsy").sort("order_key", "line_no", descending=[True, False])
    first = pl.col("first")
    sale = pl.col("local_at").dt.strftime("%m/%d/%y")
    shipped_short = pl.col("shipped_at").dt.strftime("%m/%d/%y")
    shipped_long = pl.col("shipped_at").dt.strftime("%m/%d/%Y")
    full = pl.concat_str("first_name", pl.lit(" "), "last_name")
    coupon = pl.when(pl.col("discount_code").is_not_null()).then(pl.lit("% off"))
    fees = (pl.col("total") * 0.03 + 0.25).round(2)
    variations = pl.concat_str(
        pl.when(pl.col("variant").is_not_null()).then(pl.format("Size:{}", pl.col("variant"))),
        pl.when(pl.col("is_gift")).then(pl.lit("Packaging:Gift box")),
        separator=",",
        ignore_nulls=True,
    )
    orders = (
        f.with_columns(pl.col("sku").str.join(",").over("order_key").alias("__skus"))
        .filter(first)
        .select(
            sale.alias("Sale Date"),
            pl.col("order_id").alias("Order ID"),
            pl.col("username").alias("Buyer User ID"),
            pl.col("ship_name").alias("Full Name"),
            pl.col("ship_name").str.extract(r"^(\S+)", 1).alias("First Name"),
            pl.col("ship_name").str.extract(r"^\S+\s+(.*)$", 1).alias("Last Name"),
            pl.col("items").alias("Number of Items"),
            pl.lit("Credit Card").alias("Payment Method"),
            shipped_short.alias("Date Shipped"),
            pl.col("ship_address1").alias("Street 1"),
            pl.col("ship_address2").alias("Street 2"),
            pl.col("ship_city").alias("Ship City"),
            pl.col("ship_region").alias("Ship State"),
            pl.col("ship_zip").alias("Ship Zipcode"),
            pl.col("ship_country_name").alias("Ship Country"),
            pl.col("currency").alias("Currency"),
            money2(pl.col("subtotal")).alias("Order Value"),
            pl.col("discount_code").alias("Coupon Code"),
            coupon.alias("Coupon Details"),
            money2(pl.col("discount")).alias("Discount Amount"),
            pl.lit("0.00").alias("Shipping Discount"),
            money2(pl.col("shipping")).alias("Shipping"),
            pl.lit("0").alias("Sales Tax"),
            money2(pl.col("total")).alias("Order Total"),
            pl.lit(None, pl.Utf8).alias("Status"),
            money2(fees).alias("Card Processing Fees"),
            money2(pl.col("total") - fees).alias("Order Net"),
            *[pl.lit("0.00").alias(c) for c in ETSY_ORDER_COLUMNS[27:30]],
            full.alias("Buyer"),
            pl.lit("online").alias("Order Type"),
            pl.lit("online_cc").alias("Payment Type"),
            *_blank("InPerson Discount", "InPerson Location"),
            pl.col("__skus").alias("SKU"),
        )
    )
    assert orders.columns == ETSY_ORDER_COLUMNS
    zero = pl.lit("0")
    items = f.with_row_index("t").select(
        sale.alias("Sale Date"),
        pl.format("{} | {}", pl.col("name"), pl.col("category").str.to_lowercase()).alias(
            "Item Name"
        ),
        _etsy_buyer(pl.col("customer_key") % 6 == 0).alias("Buyer"),
        pl.col("quantity").alias("Quantity"),
        money_loose(pl.col("unit_price")).alias("Price"),
        pl.col("discount_code").alias("Coupon Code"),
        coupon.alias("Coupon Details"),
        pl.when(first).then(money2(pl.col("discount"))).otherwise(zero).alias("Discount Amount"),
        pl.when(first).then(pl.lit("0.00")).otherwise(zero).alias("Shipping Discount"),
        pl.when(first)
        .then(money_loose(pl.col("shipping")))
        .otherwise(zero)
        .alias("Order Shipping"),
        zero.alias("Order Sales Tax"),
        money_loose(pl.col("line_total")).alias("Item Total"),
        pl.col("currency").alias("Currency"),
        (pl.col("t") * 13 + 2_900_000_000 + pl.col("order_key")).alias("Transaction ID"),
        _listing(1_083_201_177, 7_919_311).alias("Listing ID"),
        pl.col("local_at").dt.strftime("%m/%d/%Y").alias("Date Paid"),
        shipped_long.alias("Date Shipped"),
        pl.col("ship_name").alias("Ship Name"),
        pl.col("ship_address1").alias("Ship Address1"),
        pl.col("ship_address2").alias("Ship Address2"),
        pl.col("ship_city").alias("Ship City"),
        pl.col("ship_region").alias("Ship State"),
        pl.col("ship_zip").alias("Ship Zipcode"),
        pl.col("ship_country_name").alias("Ship Country"),
        pl.col("order_id").alias("Order ID"),
        variations.alias("Variations"),
        pl.lit("online").alias("Order Type"),
        pl.lit("listing").alias("Listings Type"),
        pl.lit("online_cc").alias("Payment Type"),
        *_blank("InPerson Discount", "InPerson Location"),
        zero.alias("VAT Paid by Buyer"),
        pl.col("sku").alias("SKU"),
    )
    assert items.columns == ETSY_ITEM_COLUMNS
    return [
        write_text(paths[0], render_csv(orders, quote="php")),
        write_text(paths[1], render_csv(items, quote="php")),
    ]


def write_amazon(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """Amazon FBM order report: tab-separated, unquoted, CRLF, cp1252 (as Amazon US sends)."""
    f = joined(shop, "amazon").with_row_index("t")
    iso = "%Y-%m-%dT%H:%M:%S+00:00"
    at = pl.col("ordered_at")
    shipped = pl.col("fulfilled")
    out = f.select(
        pl.col("order_id").alias("order-id"),
        (pl.col("t") * 7919 + 61_234_567_890_123).alias("order-item-id"),
        at.dt.strftime(iso).alias("purchase-date"),
        (at + pl.duration(minutes=2)).dt.strftime(iso).alias("payments-date"),
        (at + pl.duration(hours=1)).dt.strftime(iso).alias("reporting-date"),
        (at + pl.duration(days=5)).dt.strftime("%Y-%m-%dT07:00:00+00:00").alias("promise-date"),
        pl.lit("0").alias("days-past-promise"),
        pl.col("relay_email").alias("buyer-email"),
        pl.concat_str("first_name", pl.lit(" "), "last_name").alias("buyer-name"),
        pl.lit(None, pl.Utf8).alias("buyer-phone-number"),
        pl.col("sku").alias("sku"),
        join_text(pl.format("{} - {}", "name", "category"), "variant", sep=", ").alias(
            "product-name"
        ),
        pl.col("quantity").alias("quantity-purchased"),
        pl.when(shipped).then("quantity").otherwise(0).alias("quantity-shipped"),
        pl.when(shipped).then(0).otherwise("quantity").alias("quantity-to-ship"),
        pl.col("currency").alias("currency"),
        money2(pl.col("line_total")).alias("item-price"),
        pl.lit("0.00").alias("item-tax"),
        pl.when(pl.col("first"))
        .then(money2(pl.col("shipping")))
        .otherwise(pl.lit("0.00"))
        .alias("shipping-price"),
        pl.lit("0.00").alias("shipping-tax"),
        pl.lit("Standard").alias("ship-service-level"),
        pl.col("ship_name").alias("recipient-name"),
        pl.col("ship_address1").alias("ship-address-1"),
        pl.col("ship_address2").alias("ship-address-2"),
        pl.lit(None, pl.Utf8).alias("ship-address-3"),
        pl.col("ship_city").alias("ship-city"),
        pl.col("ship_region").alias("ship-state"),
        pl.col("ship_zip").alias("ship-postal-code"),
        pl.col("ship_country").alias("ship-country"),
        *_blank("item-promotion-discount", "ship-promotion-discount"),
        pl.lit("Amazon.com").alias("sales-channel"),
        pl.lit("false").alias("is-business-order"),
        *_blank("purchase-order-number", "price-designation"),
        *[
            pl.lit("false").alias(c)
            for c in ("is-iba", "verge-of-cancellation", "verge-of-lateShipment")
        ],
    )
    assert out.columns == AMAZON_COLUMNS
    content = render_csv(out, sep="\t", quote="none", newline="\r\n")
    return [write_text(paths[0], content, "cp1252")]


def write_ebay(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """eBay Seller Hub orders report: summary row + item rows for multi-item orders."""
    f = joined(shop, "ebay").with_row_index("t")
    day = "%b-%d-%y"
    multi = pl.len().over("order_key") > 1
    full = pl.concat_str("first_name", pl.lit(" "), "last_name")
    order_fields = {
        "Buyer Name": full,
        "Buyer Note": pl.col("gift_message"),
        "Buyer Address 1": pl.col("address1"),
        "Buyer Address 2": pl.col("address2"),
        "Buyer City": pl.col("city"),
        "Buyer State": pl.col("region"),
        "Buyer Zip": pl.col("postal_code"),
        "Buyer Country": pl.col("country_name"),
        "Ship To Name": pl.col("ship_name"),
        "Ship To Address 1": pl.col("ship_address1"),
        "Ship To Address 2": pl.col("ship_address2"),
        "Ship To City": pl.col("ship_city"),
        "Ship To State": pl.col("ship_region"),
        "Ship To Zip": pl.col("ship_zip"),
        "Ship To Country": pl.col("ship_country_name"),
        "Shipping And Handling": dollars(pl.col("shipping")),
        "Total Price": dollars(pl.col("total")),
        "Payment Method": pl.lit("Managed payments"),
        "Sale Date": pl.col("local_at").dt.strftime(day),
        "Paid On Date": pl.col("local_at").dt.strftime(day),
        "Ship By Date": (pl.col("local_at") + pl.duration(days=3)).dt.strftime(day),
        "Shipped On Date": pl.col("shipped_at").dt.strftime(day),
        "Shipping Service": pl.lit("USPS Ground Advantage"),
        "Tracking Number": pl.when(pl.col("fulfilled")).then(
            pl.format("9400{}", pl.col("order_key") * 7919 + 1_000_000_000)
        ),
        "Item Location": pl.lit("Boston, Massachusetts"),
        "Item Zip Code": pl.lit("02118"),
        "Item Country": pl.lit("US"),
    }
    item_fields = {
        "Item Number": _listing(186_540_112_233, 93_100_417).cast(pl.Utf8),
        "Item Title": pl.format("{} - {}", pl.col("name"), pl.col("category")),
        "Custom Label": pl.col("sku"),
        "Sold Via Promoted Listings": pl.lit("No"),
        "Quantity": pl.col("quantity").cast(pl.Utf8),
        "Sold For": dollars(pl.col("unit_price")),
        "Transaction ID": (pl.col("t") * 31 + 2_100_000_000_000).cast(pl.Utf8),
        "Variation Details": pl.format("[Size:{}]", pl.col("variant")),
    }
    always = {
        "Sales Record Number": pl.col("record_no").cast(pl.Utf8),
        "Order Number": pl.col("order_id"),
        "Buyer Username": pl.col("username"),
    }

    f = f.with_columns(
        pl.col("quantity").sum().over("order_key").alias("__qty"),
        pl.col("line_total").sum().over("order_key").alias("__sold"),
    )

    def select(kind: str) -> pl.DataFrame:
        exprs = []
        for c in EBAY_COLUMNS:
            e: pl.Expr | None
            if c in always:
                e = always[c]
            elif c in order_fields:
                e = order_fields[c] if kind != "item" else None
            elif c in item_fields:
                e = item_fields[c] if kind != "summary" else None
            else:
                e = None
            if kind == "summary" and c == "Quantity":
                e = pl.col("__qty")
            if kind == "summary" and c == "Sold For":
                e = dollars(pl.col("__sold"))
            exprs.append((e if e is not None else pl.lit(None, pl.Utf8)).cast(pl.Utf8).alias(c))
        rows = {"summary": multi & pl.col("first"), "item": multi, "single": ~multi}[kind]
        sort = {"summary": 0, "item": 1, "single": 0}[kind]
        return f.filter(rows).select("order_key", pl.lit(sort).alias("__k"), "line_no", *exprs)

    out = (
        pl.concat([select("summary"), select("item"), select("single")])
        .sort("order_key", "__k", "line_no", descending=[True, False, False])
        .drop("order_key", "__k", "line_no")
    )
    orders = f["order_key"].n_unique()
    bare = "," * (len(EBAY_COLUMNS) - 1)
    first_at = shop.orders["local_at"].min()
    assert isinstance(first_at, dt.date)  # a sample shop has orders
    first_day = first_at.strftime(day)
    footer = (
        f'{bare}\n"{orders}","record(s) downloaded,from {first_day} to '
        f'{shop.end.strftime(day)}"\nSeller ID : {D.SELLER_ID}\n'
    )
    body = render_csv(out, quote="all")
    head, rest = body.split("\n", 1)
    content = f"{bare}\n{head}\n{bare}\n{rest}{footer}"
    return [write_text(paths[0], "\ufeff" + content)]


__all__ = ["write_amazon", "write_ebay", "write_etsy"]
