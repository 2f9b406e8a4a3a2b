"""eBay Payments → Reports → Transaction report: sales and their refunds (the Orders report
has no refunds).

The file (UTF-8 with BOM, every field quoted, empty values written `--`) opens with notes and
the report's period; the header is on line 12, found by its names. One row per transaction:
`Type` Order (one row per item sold: `Item subtotal`, `Quantity`, and what the buyer paid for
it, `Gross transaction amount`), Refund (negative amounts, the order number and buyer, a
`Reference ID` such as `Cancel ID 5306529370`), and rows that are not sales (Shipping label,
Payout, Purchase, Hold, Claim, fees…), which are rejected with their type as the reason.

An order's total is the sum of its items' gross amounts. A refund is a return document of its
own (order `R-<order number>-<reference>`, status `returned`, negative total, as Online
Retail's credit notes): it takes its money off revenue and the buyer's spend, and imports the
same whether or not the order it refunds is in the same file. Dates are `Nov 8, 2022`. Buyer
key: `Buyer username`. Currency: `Transaction currency`.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, REASON, BuildContext, Format, col
from shopinsight.core.importers.values import (
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)
from shopinsight.core.orders import add_offset_note

DATES = ["%b %d, %Y", "%b %d, %Y %H:%M:%S", "%b-%d-%Y", "%b-%d-%y", "%Y-%m-%d", "%m/%d/%Y"]

COLUMNS = (
    "transaction creation date", "type", "order number", "legacy order id", "buyer username",
    "buyer name", "ship to city", "ship to province/region/state", "ship to zip",
    "ship to country", "net amount", "payout currency", "item id", "transaction id",
    "item title", "custom label", "quantity", "item subtotal", "shipping and handling",
    "gross transaction amount", "transaction currency", "reference id",
)  # fmt: skip


def build(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Transaction report → product lines of sales, return documents of refunds."""
    kind = col(frame, "type").str.to_lowercase()
    frame = frame.with_columns(
        __kind=kind,
        __sale=kind == "order",
        __refund=kind == "refund",
    )
    dates = frame.select(col(frame, "transaction creation date").alias("d"))["d"]
    fmt = sniff_date_formats(dates, DATES)
    add_offset_note(ctx.warnings, dates, ctx.timezone)
    at = datetime_utc(col(frame, "transaction creation date"), fmt, ctx.timezone)
    order_no = col(frame, "order number", "legacy order id")
    sale, refund = pl.col("__sale"), pl.col("__refund")
    gross, subtotal = (
        money(col(frame, "gross transaction amount")),
        money(col(frame, "item subtotal")),
    )
    qty = integer(col(frame, "quantity"))
    reference = pl.coalesce(
        col(frame, "reference id").str.replace_all(r"\D", ""), col(frame, "transaction id")
    )
    frame = frame.with_columns(
        __at=at,
        __gross=gross,
        __subtotal=subtotal,
        __qty=qty,
        __shipping=money(col(frame, "shipping and handling")).fill_null(0.0),
        __order=pl.when(refund)
        .then(pl.concat_str(pl.lit("R-"), order_no, pl.lit("-"), reference, ignore_nulls=True))
        .otherwise(order_no),
    )
    line_total = pl.when(refund).then(pl.col("__gross")).otherwise(pl.col("__subtotal"))
    frame = frame.with_columns(__line_total=line_total)
    title = col(frame, "item title")
    frame = frame.with_columns(
        __sku=pl.coalesce(
            col(frame, "custom label"), col(frame, "item id"), title.str.to_lowercase()
        )
    )
    not_a_sale = pl.when(~sale & ~refund).then(
        pl.format("a '{}' row (not a sale or a refund)", col(frame, "type"))
    )
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        pl.col("__at").alias("ordered_at"),
        col(frame, "buyer username").alias(BUYER),
        col(frame, "buyer name").alias("customer_name"),
        col(frame, "ship to country").alias("country"),
        col(frame, "ship to province/region/state").alias("region"),
        col(frame, "ship to city").alias("city"),
        col(frame, "ship to zip").alias("postal_code"),
        pl.when(sale).then(pl.col("__sku")).alias("sku"),
        pl.when(sale).then(title).alias("product_name"),
        pl.when(sale).then(pl.col("__qty").fill_null(1)).alias("quantity"),
        pl.when(sale).then(pl.col("__subtotal") / pl.col("__qty").fill_null(1)).alias("unit_price"),
        pl.col("__line_total").alias("line_total"),
        # a label or fee row names the order too: only the sale and refund rows count
        pl.when(sale | refund).then(pl.col("__gross")).sum().over("__order").alias("order_total"),
        pl.when(sale).then(pl.col("__shipping")).sum().over("__order").alias("shipping"),
        pl.lit(0.0).alias("refunded"),
        pl.coalesce(
            col(frame, "transaction currency"), col(frame, "payout currency"), pl.lit(ctx.currency)
        )
        .str.to_uppercase()
        .alias("currency"),
        pl.when(refund).then(pl.lit("returned")).otherwise(pl.lit("paid")).alias("status"),
        pl.lit(False).alias("is_gift"),
        pl.when(refund).then(pl.lit("order")).otherwise(pl.lit("product")).alias("line_kind"),
        pl.when(refund)
        .then(pl.format("refund of eBay order {}", order_no))
        .alias("order_note"),
        reasons(
            not_a_sale,
            pl.when(sale | refund).then(
                reasons(
                    unparsed(col(frame, "transaction creation date"), pl.col("__at"), "date",
                             "Transaction creation date"),
                    unparsed(col(frame, "gross transaction amount"), pl.col("__gross"), "amount",
                             "Gross transaction amount"),
                    unparsed(col(frame, "item subtotal"), pl.col("__subtotal"), "amount",
                             "Item subtotal"),
                )
            ),
        ).alias(REASON),
    )  # fmt: skip


TRANSACTIONS = Format(
    name="ebay-transactions",
    title="eBay transaction report (Payments)",
    description="Payments → Reports → Transaction report: sales per item and their refunds "
    "(the Orders report has no refunds); payouts, labels and fees are left out.",
    signature=("transaction creation date", "type", "order number", "buyer username",
               "gross transaction amount", "item subtotal", "transaction currency"),
    required=("Transaction creation date", "Type", "Order number", "Buyer username",
              "Gross transaction amount"),
    build=build,
    source="ebay",
    columns=COLUMNS,
)  # fmt: skip

FORMATS = [TRANSACTIONS]
