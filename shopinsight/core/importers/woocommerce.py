"""WooCommerce: the "Advanced Order Export For WooCommerce" plugin export and the Analytics →
Orders download (browser-made and emailed column sets).

Plugin export (products as rows): one row per item with the order's fields repeated on each
row, so order money (`Order Total Amount`, `Order Shipping Amount`, `Order Refund Amount`,
`Cart Discount Amount`) is taken once per order, never summed. `Quantity (- Refund)` is the
quantity left after refunds and is used only when the plain `Quantity` is not exported; refunds
are order-level (`Order Refund Amount`, like Shopify). Values that start with `= + - @` arrive
as `'value` (CSV-injection guard) and are unwrapped. Buyer key: `Email (Billing)`.

Analytics download: one row per order with `Net sales` (no shipping, no tax) and `Customer` as a
display name only, so customers are keyed by name (said after import: the plugin export matches
customers by email). `Product(s)` such as `2× Hoodie, 1× Cap` becomes one product line per
product (no prices: the order's net sales is its total). Refunds are extra rows with negative
net sales and their own number; each is attached to the latest earlier order of the same
customer, which gets it as `refunded` (partially or fully refunded), and the refund row itself
is kept as a cancelled order with no money, noting which order it refunds. A refund row with no
such order (its order is in an earlier download) is a return document: status `returned` with
its negative net sales, so the shop's and the customer's net still lose the refund.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, REASON, BuildContext, Format, col, has
from shopinsight.core.importers.ebay import currency_of, first_present
from shopinsight.core.importers.values import (
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)
from shopinsight.core.orders import add_offset_note
from shopinsight.core.schema import LINE_KEY

GIFT_WORDS = r"(?i)\bgift|present\b|birthday|geschenk|cadeau|regalo"

NAME_ONLY_NOTE = (
    "WooCommerce Analytics exports name customers by display name only: two customers with the "
    "same name count as one, and a renamed customer as two. The Advanced Order Export plugin's "
    "export (with Email (Billing)) matches customers by email."
)


REFUND_OF = "refund of order "
UNKNOWN_PARENT = "(unknown)"
"""A refund row's note: `refund of order #103`, or `refund of order (unknown)` when the file
does not hold an earlier order of the same customer."""


def keep_matched_refunds(base: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """`new` with each refund that found no order in its file replaced by the stored line of
    the same key when an earlier export matched that refund to its order.

    Why: a later, overlapping Analytics download can start after the refunded order. Its
    refund row then stands alone (a return of negative money), while the stored order keeps
    the refund as `refunded` from the earlier file: replacing the matched refund counted the
    money back twice (net 92.5 instead of 97.5 when the downloads were imported in date
    order, 97.5 in the other order)."""
    loose = (
        (pl.col("source") == "woocommerce")
        & (pl.col("status") == "returned")
        & (pl.col("order_note") == REFUND_OF + UNKNOWN_PARENT)
    )
    candidates = new.filter(loose)
    if candidates.height == 0 or base.height == 0:
        return new
    matched = base.join(candidates.select(LINE_KEY), on=LINE_KEY, how="semi").filter(
        (pl.col("status") == "cancelled")
        & pl.col("order_note").str.starts_with(REFUND_OF + "#").fill_null(False)
    )
    if matched.height == 0:
        return new
    kept = new.join(matched.select(LINE_KEY), on=LINE_KEY, how="anti")
    return pl.concat([kept, matched.select(new.columns)], how="vertical_relaxed")


def _status(raw: pl.Expr, refund: pl.Expr, total: pl.Expr) -> pl.Expr:
    """WooCommerce status slug (`completed`, `wc-processing`, `Refunded`…) → canonical."""
    s = raw.str.to_lowercase().str.strip_prefix("wc-")
    return (
        pl.when(s.str.contains("cancel|failed|trash"))
        .then(pl.lit("cancelled"))
        .when(s.str.contains("refund") | ((refund > 0) & (refund >= total)))
        .then(pl.lit("refunded"))
        .when(refund > 0)
        .then(pl.lit("partially_refunded"))
        .when(s.str.contains("pending|on-hold|on hold|draft"))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
    )


def _full_name(frame: pl.DataFrame, kind: str) -> pl.Expr:
    name = pl.concat_str(
        [col(frame, f"first name ({kind})"), col(frame, f"last name ({kind})")],
        separator=" ",
        ignore_nulls=True,
    )
    full = pl.when(name.str.strip_chars() != "").then(name.str.strip_chars())
    return pl.coalesce(full, col(frame, f"full name ({kind})"))


def _currency(frame: pl.DataFrame, ctx: BuildContext, formatted: str | None = None) -> pl.Expr:
    """The export's currency column, else the symbol in a formatted amount, else the shop's."""
    given = col(frame, "order currency", "currency").str.to_uppercase()
    from_symbol = currency_of(col(frame, formatted)) if formatted else None
    if not has(frame, "order currency", "currency", formatted or "") and not ctx.currency:
        ctx.warnings.append(
            "The export has no currency column and no shop currency is set: amounts are kept "
            "without a currency. Set shop.currency in shopinsight.toml, or add the Order "
            "Currency field to the export."
        )
    return pl.coalesce(given, from_symbol, pl.lit(ctx.currency, dtype=pl.Utf8))


def build_plugin(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Advanced Order Export rows → product lines keyed by billing email."""
    fmt = sniff_date_formats(frame["order date"])
    qty_raw = col(frame, "quantity", "quantity (- refund)")
    # order money is repeated on each row: parse once, then take the order's first row
    money_cols = {
        "__total": "order total amount",
        "__refund": "order refund amount",
        "__discount": "cart discount amount",
        "__shipping": "order shipping amount",
    }
    add_offset_note(ctx.warnings, frame["order date"], ctx.timezone)
    # Stage 1: clean and parse each value once; later stages combine plain columns (fast).
    frame = frame.with_columns(
        *(money(col(frame, src)).alias(n) for n, src in money_cols.items()),
        __order=col(frame, "order number", "order id"),
        __at=datetime_utc(pl.col("order date"), fmt, ctx.timezone),
        __qty=integer(qty_raw),
        __cost=money(col(frame, "item cost")),
        __given_line=money(col(frame, "order line (w/o tax)", "order line total")),
        __status=col(frame, "order status"),
        __bill=_full_name(frame, "billing"),
        __ship=_full_name(frame, "shipping"),
        __note=col(frame, "customer note"),
        __item=col(frame, "item name", "name", "product name"),
        __sku=col(frame, "sku"),
        __coupon=col(frame, "coupon code", "coupons used"),
        __item_no=integer(col(frame, "item #")),
        __same_address=(
            col(frame, "address 1&2 (billing)") == col(frame, "address 1&2 (shipping)")
        ).fill_null(False),
    )
    frame = frame.with_columns(
        *(pl.col(n).first().over("__order").alias(f"{n}_order") for n in money_cols),
        first_present("__coupon", "__order"),
    )
    at, qty, cost, given_line = (pl.col(c) for c in ("__at", "__qty", "__cost", "__given_line"))
    total = pl.col("__total_order")
    refund = pl.col("__refund_order").abs().fill_null(0.0)
    raw_status = pl.col("__status")
    bill, ship, note, item, sku = (
        pl.col(c) for c in ("__bill", "__ship", "__note", "__item", "__sku")
    )
    gift_note = note.str.contains(GIFT_WORDS).fill_null(False)
    ship_other = (
        (bill.str.to_lowercase() != ship.str.to_lowercase()) & ~pl.col("__same_address")
    ).fill_null(False)
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        (pl.int_range(pl.len()).over("__order", order_by=["__item_no", "__row"]) + 1)
        .cast(pl.Int32)
        .alias("line_no"),
        at.alias("ordered_at"),
        col(frame, "email (billing)", "customer email").alias("email"),
        pl.coalesce(col(frame, "phone (billing)"), bill).alias(BUYER),
        bill.alias("customer_name"),
        ship.alias("shipping_name"),
        bill.alias("billing_name"),
        col(frame, "country code (shipping)", "country code (billing)").alias("country"),
        col(frame, "state code (shipping)", "state code (billing)").alias("region"),
        col(frame, "city (shipping)", "city (billing)").alias("city"),
        col(frame, "postcode (shipping)", "postcode (billing)").alias("postal_code"),
        pl.coalesce(sku, item.str.to_lowercase()).alias("sku"),
        item.alias("product_name"),
        col(frame, "product variation", "item variation").alias("variant"),
        col(frame, "category", "product categories").alias("category"),
        qty.alias("quantity"),
        pl.coalesce(cost, given_line / qty).alias("unit_price"),
        pl.coalesce(qty * cost, given_line).alias("line_total"),
        total.alias("order_total"),
        pl.col("__discount_order").fill_null(0.0).alias("order_discount"),
        pl.col("__shipping_order").fill_null(0.0).alias("shipping"),
        pl.when(raw_status.str.to_lowercase().str.contains("refund") & (refund == 0))
        .then(total)
        .otherwise(refund)
        .alias("refunded"),
        _currency(frame, ctx).alias("currency"),
        _status(raw_status, refund, total).alias("status"),
        raw_status.str.to_lowercase().str.contains("completed|shipped|delivered")
        .fill_null(False)
        .alias("fulfilled"),
        pl.col("__coupon").alias("discount_code"),
        note.alias("order_note"),
        pl.when(gift_note).then(note).alias("gift_message"),
        (gift_note | ship_other).alias("is_gift"),
        col(frame, "payment method title").alias("channel"),
        pl.when(item.is_null() & sku.is_null())
        .then(pl.lit("order"))
        .otherwise(pl.lit("product"))
        .alias("line_kind"),
        reasons(
            unparsed(pl.col("order date"), at, "date", "Order Date"),
            unparsed(qty_raw, qty, "number", "Quantity"),
            unparsed(col(frame, "item cost"), cost, "amount", "Item Cost"),
            unparsed(col(frame, "order total amount"), pl.col("__total"), "amount",
                     "Order Total Amount"),
        ).alias(REASON),
    )  # fmt: skip


def _attach_refunds(base: pl.DataFrame) -> pl.DataFrame:
    """Refund rows (negative net) → amount refunded per parent order, and each refund's parent.

    The parent is the latest order of the same customer at or before the refund (the export
    gives refunds their own number and no link).
    """
    ok = (
        pl.col(REASON).is_null()
        & pl.col("__at").is_not_null()
        & pl.col("__buyer_key").is_not_null()
    )
    refunds = base.filter(pl.col("__is_refund") & ok).select(
        "__row", "__at", "__buyer_key", "__net"
    )
    orders = base.filter(~pl.col("__is_refund") & ok).select(
        "__at", "__buyer_key", pl.col("order_id").alias("__parent")
    )
    matched = refunds.sort("__at").join_asof(
        orders.sort("__at"),
        on="__at",
        by="__buyer_key",
        strategy="backward",
        check_sortedness=False,
    )
    per_parent = matched.group_by("__parent").agg((-pl.col("__net")).sum().alias("__refund_sum"))
    # in file order: line numbers are counted down each order's run of rows
    base = base.join(
        matched.select("__row", "__parent"), on="__row", how="left", maintain_order="left"
    )
    return base.join(
        per_parent,
        left_on="order_id",
        right_on="__parent",
        how="left",
        suffix="_p",
        maintain_order="left",
    ).with_columns(pl.col("__refund_sum").fill_null(0.0))  # fmt: skip


def build_analytics(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Analytics → Orders download → order lines (or product lines from `Product(s)`)."""
    ctx.warnings.append(NAME_ONLY_NOTE)
    fmt = sniff_date_formats(frame["date"])
    add_offset_note(ctx.warnings, frame["date"], ctx.timezone)
    at = datetime_utc(pl.col("date"), fmt, ctx.timezone)
    net_raw = col(frame, "net sales", "n. revenue", "n. revenue (formatted)")
    net = money(net_raw)
    customer = col(frame, "customer")
    type_in_name = customer.str.to_lowercase().is_in(["new", "returning"]).fill_null(False)
    customer = pl.when(~type_in_name).then(customer)
    base = frame.with_columns(
        col(frame, "order #").alias("order_id"),
        at.alias("__at"),
        net.alias("__net"),
        customer.alias("customer_name"),
        customer.str.replace_all(r"\s+", " ").str.to_lowercase().alias("__buyer_key"),
        (net < 0).fill_null(False).alias("__is_refund"),
        reasons(
            unparsed(pl.col("date"), at, "date", "Date"),
            unparsed(net_raw, net, "amount", "Net sales"),
        ).alias(REASON),
    )
    base = _attach_refunds(base)
    n_unmatched = base.filter(pl.col("__is_refund") & pl.col("__parent").is_null()).height
    if n_unmatched:
        ctx.warnings.append(
            f"{n_unmatched} refund rows match no earlier order of the same customer in this "
            "file; they are kept as returns (negative money) of that customer."
        )
    total = pl.col("__net")
    refunded = pl.max_horizontal(
        pl.min_horizontal(pl.col("__refund_sum"), total),
        pl.when(col(frame, "status").str.to_lowercase().str.contains("refund"))
        .then(total)
        .otherwise(0.0),
    )
    unmatched = pl.col("__is_refund") & pl.col("__parent").is_null()
    status = (
        pl.when(unmatched)
        .then(pl.lit("returned"))
        .when(pl.col("__is_refund"))
        .then(pl.lit("cancelled"))
        .otherwise(_status(col(frame, "status"), refunded, total))
    )
    products = col(frame, "product(s)")
    explode = products.is_not_null() & ~pl.col("__is_refund") & pl.col(REASON).is_null()
    out = base.select(
        "__row",
        "order_id",
        pl.col("__at").alias("ordered_at"),
        pl.col("__buyer_key").alias(BUYER),
        "customer_name",
        pl.when(pl.col("__is_refund") & ~unmatched).then(0.0).otherwise(total)
        .alias("order_total"),
        pl.when(pl.col("__is_refund")).then(0.0).otherwise(refunded).alias("refunded"),
        _currency(frame, ctx, "n. revenue (formatted)").alias(
            "currency"
        ),
        status.alias("status"),
        col(frame, "status").str.to_lowercase().str.contains("completed").fill_null(False)
        .alias("fulfilled"),
        col(frame, "coupon(s)").alias("discount_code"),
        pl.when(pl.col("__is_refund"))
        .then(pl.concat_str(pl.lit(REFUND_OF), pl.coalesce(
            pl.concat_str(pl.lit("#"), pl.col("__parent")), pl.lit(UNKNOWN_PARENT)))
        ).alias("order_note"),
        pl.lit(False).alias("is_gift"),
        col(frame, "payment method").alias("channel"),
        pl.when(explode)
        .then(products.str.replace_all(r", (\d+)\s*× ", "\x1f${1}× ").str.split("\x1f"))
        .otherwise(pl.lit([None], dtype=pl.List(pl.Utf8)))
        .alias("__product"),
        pl.col(REASON),
    ).explode("__product")  # fmt: skip
    item = pl.col("__product")
    name = pl.coalesce(item.str.extract(r"^\s*\d+\s*×\s*(.+)$", 1), item).str.strip_chars()
    return out.with_columns(
        pl.when(item.is_null()).then(pl.lit("order")).otherwise(pl.lit("product")).alias(
            "line_kind"
        ),
        name.alias("product_name"),
        name.str.to_lowercase().alias("sku"),
        pl.coalesce(integer(item.str.extract(r"^\s*(\d+)\s*×", 1)), pl.when(item.is_not_null())
                    .then(pl.lit(1, pl.Int32))).alias("quantity"),
    ).drop("__product")  # fmt: skip


PLUGIN_COLUMNS = (
    "order number", "order id", "order status", "order date", "email (billing)",
    "customer email", "phone (billing)", "quantity", "quantity (- refund)", "item cost",
    "order line (w/o tax)", "order line total", "order total amount", "order refund amount",
    "cart discount amount", "order shipping amount", "first name (billing)",
    "last name (billing)", "full name (billing)", "first name (shipping)",
    "last name (shipping)", "full name (shipping)", "customer note", "item name", "name",
    "product name", "sku", "coupon code", "coupons used", "item #", "address 1&2 (billing)",
    "address 1&2 (shipping)", "country code (shipping)", "country code (billing)",
    "state code (shipping)", "state code (billing)", "city (shipping)", "city (billing)",
    "postcode (shipping)", "postcode (billing)", "product variation", "item variation",
    "category", "product categories", "order currency", "currency", "payment method title",
)  # fmt: skip
"""The columns the plugin build reads (only these are parsed from the file)."""

PLUGIN = Format(
    name="woocommerce",
    title="WooCommerce order export (Advanced Order Export plugin)",
    description="WooCommerce → Export Orders (Advanced Order Export For WooCommerce), products "
    "as rows: one row per item, customers by billing email.",
    signature=("order number", "order status", "order date", "email (billing)"),
    required=("Order Number", "Order Status", "Order Date", "Email (Billing)"),
    build=build_plugin,
    source="woocommerce",
    columns=PLUGIN_COLUMNS,
)

ANALYTICS = Format(
    name="woocommerce-analytics",
    title="WooCommerce Analytics orders download (customers by name only)",
    description="WooCommerce → Analytics → Orders → Download: one row per order with net "
    "sales; customers are display names only (prefer the plugin export).",
    signature=("date", "order #", "status", "customer", "product(s)", "items sold"),
    required=("Date", "Order #", "Status", "Customer", "Product(s)", "Items sold", "Net sales"),
    build=build_analytics,
    source="woocommerce",
)

FORMATS = [PLUGIN, ANALYTICS]
