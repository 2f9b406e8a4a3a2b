"""Today's packing plan: for every open order, the gift to add and the note to print.

Open = paid and not yet fulfilled (pending orders wait for payment; cancelled and refunded ones
never ship). A customer with several open orders gets one gift and one note, with the earliest
order. Gift orders go to someone else: their note is the neutral gift-order card, and the plan
shows no prices for them. Exports: a picking CSV, printable A6 notes (HTML) and a mail-merge CSV,
every CSV cell spreadsheet-safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.gifts.notes import note_values, render_by_template, shop_language
from shopinsight.core.gifts.policies import GiftPolicies, gift_policies, money_text
from shopinsight.core.orders import UTC, local_time, open_order, shop_tz
from shopinsight.core.schema import PolarsType

ORDER_SCOPES = ("open", "all")
PREVIEW_POOL = 20
"""Top spenders per segment given a pick besides the plan's customers, for preview notes."""

PLAN_COLUMNS = [
    "order_id", "source", "ordered_at", "customer_id", "customer_name", "first_name", "ship_to",
    "city", "region", "postal_code", "country", "segment", "tags", "is_gift", "items",
    "order_total", "currency", "policy", "gift_kind", "gift_sku", "gift", "gift_cost", "budget",
    "note", "reason",
]  # fmt: skip
"""Columns of the packing plan, in order."""


def plan_orders(
    lines: pl.LazyFrame | pl.DataFrame,
    orders: str = "open",
    as_of: dt.date | None = None,
    tz: str = UTC,
) -> pl.DataFrame:
    """One row per order to pack: open ones (`open_order`: paid, unfulfilled, placed within
    OPEN_WITHIN_DAYS of `as_of`, the shop's day in `tz`) or all that were not cancelled.

    Output: source, order_id, ordered_at, customer_id, order_name, ship_to, city, region,
    postal_code, country, is_gift, gift_message, order_total, currency, items (text such as
    "2× Rose candle; 1× Soap").
    """
    if orders not in ORDER_SCOPES:
        raise InputError(f"--orders {orders} is not a choice", "Use --orders open or --orders all.")
    lf = lines.lazy()
    keep = (
        open_order(as_of, tz)
        if orders == "open"
        else ~pl.col("status").is_in(["cancelled", "refunded", "returned"])
    )
    product = pl.col("line_kind") == "product"
    item = pl.format(
        "{}× {}", pl.col("quantity").fill_null(1), pl.coalesce("product_name", "sku")
    ).filter(product)
    return (
        lf.filter(keep)
        .sort("line_no")
        .group_by("source", "store", "order_id")
        .agg(
            *[
                pl.col(c).first()
                for c in (
                    "ordered_at",
                    "customer_id",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                    "gift_message",
                    "order_total",
                    "currency",
                )
            ],  # fmt: skip
            pl.col("customer_name").first().alias("order_name"),
            pl.col("shipping_name").first().alias("ship_to"),
            pl.col("is_gift").fill_null(False).any().alias("is_gift"),
            item.str.join("; ").alias("items"),
        )
        .sort("ordered_at", "source", "order_id")
        .collect()
    )


def _fallback(policies: GiftPolicies, gift: bool) -> dict[str, Any]:
    pol = policies.gift_order if gift else policies.for_segment(None)
    kind = "card" if pol.kind in ("sample", "full_size") else pol.kind
    cost = policies.settings["card_cost"] if kind == "card" else 0.0
    reason = f"{pol.name} policy (no customer profile): " + (
        "card only" if kind == "card" else "no physical gift"
    )
    return {
        "policy": pol.name,
        "gift_kind": kind,
        "template": pol.template,
        "cost": cost,
        "reason": reason,
    }


def packing_plan(
    lines: pl.LazyFrame | pl.DataFrame | None,
    profiles_table: pl.DataFrame,
    picks: pl.DataFrame,
    config: Mapping[str, Any],
    orders: str = "open",
    gift_order_picks: pl.DataFrame | None = None,
    held_back: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    todo: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The packing plan: one row per order with customer, segment, tags, gift, note, reason.

    `picks` come from `gift_picks`; `gift_order_picks` from `gift_picks(..., gift_orders=True)`
    (None: gift orders get a card). `held_back` (customer_id, campaign_id) lists control-group
    customers of running gift campaigns: their orders get no gift and no note. `todo`: the
    orders to pack when the caller has them already (`plan_orders(lines, orders, as_of)`, which
    picked its customers); `lines` is read only without it.
    Output columns: PLAN_COLUMNS.
    """
    policies = gift_policies(config)
    if todo is None:
        if lines is None:
            raise ValueError("packing_plan needs the lines or the orders to pack (todo)")
        todo = plan_orders(lines, orders, as_of, shop_tz(config))
    prof_cols: dict[str, PolarsType] = {
        "customer_id": pl.Utf8, "segment": pl.Utf8, "tags": pl.List(pl.Utf8),
        "first_name": pl.Utf8, "customer_name": pl.Utf8, "favorite_product": pl.Utf8,
        "favorite_category": pl.Utf8, "orders": pl.Int64, "first_order": pl.Datetime("us", "UTC"),
    }  # fmt: skip
    prof = profiles_table.select(
        [
            (pl.col(c) if c in profiles_table.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in prof_cols.items()
        ]
    )
    pick_cols = ["customer_id", "policy", "gift_kind", "gift_sku", "gift", "gift_cost", "budget",
                 "template", "reason"]  # fmt: skip
    gift_picks_ = gift_order_picks if gift_order_picks is not None else picks.clear()
    joined = pl.concat(
        [
            todo.filter(~pl.col("is_gift")).join(
                picks.select(pick_cols), on="customer_id", how="left"
            ),
            todo.filter(pl.col("is_gift")).join(
                gift_picks_.select(pick_cols), on="customer_id", how="left"
            ),
        ],
        how="vertical_relaxed",
    ).join(prof, on="customer_id", how="left")

    # Orders without a pick (no customer identity or no profile) get the fallback policy.
    filled = joined
    for gift in (False, True):
        fb = _fallback(policies, gift)
        miss = pl.col("policy").is_null() & (pl.col("is_gift") == gift)
        filled = filled.with_columns(
            pl.when(miss).then(pl.lit(fb[c])).otherwise(pl.col(c)).alias(c)
            for c in ("gift_kind", "template", "reason")
        ).with_columns(
            pl.when(miss)
            .then(pl.lit(fb["cost"]))
            .otherwise(pl.col("gift_cost"))
            .alias("gift_cost"),
            pl.when(miss).then(pl.lit(fb["policy"])).otherwise(pl.col("policy")).alias("policy"),
        )

    # One gift and one note per customer: they go with the earliest open order.
    first = (
        filled.filter(~pl.col("is_gift") & pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(
            pl.col(c).sort_by("ordered_at", "source", "order_id").first().alias(a)
            for c, a in (("order_id", "__first"), ("source", "__src"))
        )
    )
    filled = filled.join(first, on="customer_id", how="left")
    later = (
        ~pl.col("is_gift")
        & pl.col("__first").is_not_null()
        & ((pl.col("order_id") != pl.col("__first")) | (pl.col("source") != pl.col("__src")))
    )
    held = (
        held_back.select("customer_id", pl.col("campaign_id").cast(pl.Int64))
        if held_back is not None
        else pl.DataFrame(schema={"customer_id": pl.Utf8, "campaign_id": pl.Int64})
    )
    filled = filled.join(held.unique("customer_id"), on="customer_id", how="left")
    control = ~pl.col("is_gift") & pl.col("campaign_id").is_not_null()
    skip = later | control
    filled = filled.with_columns(
        pl.when(skip).then(pl.lit(None, pl.Utf8)).otherwise(pl.col(c)).alias(c)
        for c in ("gift_sku", "gift")
    ).with_columns(
        pl.when(skip).then(pl.lit("none")).otherwise(pl.col("gift_kind")).alias("gift_kind"),
        pl.when(skip).then(0.0).otherwise(pl.col("gift_cost")).alias("gift_cost"),
        pl.when(skip).then(pl.lit("")).otherwise(pl.col("template")).alias("template"),
        pl.when(control)
        .then(pl.format("held back: control group of gift campaign #{}", "campaign_id"))
        .when(later)
        .then(pl.format("gift and note go with order {}", "__first"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )

    values = note_values(
        filled.with_columns(
            pl.coalesce("customer_name", "order_name").alias("customer_name"),
            pl.col("ship_to").alias("shipping_name"),
        ),
        config,
    )
    notes = render_by_template(values, filled["template"], policies.templates)
    return (
        filled.with_columns(
            notes.alias("note"),
            pl.coalesce("customer_name", "order_name").alias("customer_name"),
            pl.col("tags").fill_null([]),
            pl.when(pl.col("is_gift"))
            .then(None)
            .otherwise(pl.col("order_total"))
            .alias("order_total"),
        )
        .select(PLAN_COLUMNS)
        .sort("ordered_at", "source", "order_id")
    )


# -- exports -------------------------------------------------------------------------------

_FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula (= + - @ tab CR) get a leading '."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def _csv(frame: pl.DataFrame, bom: bool) -> str:
    text = spreadsheet_safe(frame).write_csv(line_terminator="\n")
    return ("\ufeff" if bom else "") + text


def picking_csv(plan: pl.DataFrame, tz: str = UTC) -> str:
    """The picking list keyed by order number (UTF-8 with BOM so Excel shows accents and CJK);
    order times on the shop's clock (`tz`, `[shop] timezone`: the plan stores them in UTC)."""
    out = plan.select(
        "order_id",
        "source",
        local_time(pl.col("ordered_at"), tz).dt.strftime("%Y-%m-%d %H:%M").alias("ordered_at"),
        "customer_id",
        "customer_name",
        "ship_to",
        "segment",
        pl.col("tags").list.join(", ").alias("tags"),
        pl.when(pl.col("is_gift")).then(pl.lit("yes")).otherwise(pl.lit("")).alias("gift_order"),
        "items",
        money_text(pl.col("order_total")).alias("order_total"),
        "currency",
        "gift_kind",
        "gift_sku",
        "gift",
        money_text(pl.col("gift_cost")).alias("gift_cost"),
        money_text(pl.col("budget")).alias("budget"),
        "note",
        "reason",
    )
    return _csv(out, bom=True)


def mailmerge_csv(plan: pl.DataFrame, config: Mapping[str, Any]) -> str:
    """One row per note for card-writing services: recipient, city/region/postcode, message.

    Order exports in the canonical schema carry no street line, so the service must get the
    street from the order; the order number is there to match them.
    """
    recipient = pl.coalesce(
        pl.when(pl.col("ship_to").str.strip_chars() != "").then(pl.col("ship_to")),
        pl.col("customer_name"),
    )
    first = (
        pl.when(pl.col("is_gift"))
        .then(recipient.str.split(" ").list.first())
        .otherwise(pl.coalesce("first_name", recipient.str.split(" ").list.first()))
    )
    out = plan.filter(pl.col("note").fill_null("") != "").select(
        "order_id",
        recipient.alias("recipient_name"),
        first.alias("first_name"),
        "city",
        "region",
        "postal_code",
        "country",
        pl.col("note").alias("message"),
        pl.lit(str(config.get("shop", {}).get("name", "") or "")).alias("sign_off"),
    )
    return _csv(out, bom=False)


def _html_escape(expr: pl.Expr) -> pl.Expr:
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        expr = expr.str.replace_all(old, new, literal=True)
    return expr


_CSS = """
@page { size: A6; margin: 10mm; }
html, body { margin: 0; padding: 0; }
body { font-family: Georgia, "Noto Serif", "Noto Serif CJK SC", "Source Han Serif SC",
  "Songti SC", "SimSun", serif; font-size: 11pt; line-height: 1.5; color: #222; }
.note { page-break-after: always; break-after: page; page-break-inside: avoid; }
.note:last-child { page-break-after: auto; break-after: auto; }
.text { white-space: pre-wrap; overflow-wrap: break-word; }
.ref { font-size: 7pt; color: #999; margin-top: 8mm; }
@media screen {
  body { background: #eee; }
  .note { width: 105mm; min-height: 148mm; margin: 6mm auto; padding: 10mm;
    box-sizing: border-box; background: #fff; box-shadow: 0 1px 4px #0003; }
}
""".strip()


def order_ref(order_id: pl.Expr) -> pl.Expr:
    """The order as a merchant writes it: "#1815"; a Shopify name already has its "#"."""
    text = order_id.cast(pl.Utf8)
    return pl.when(text.str.starts_with("#")).then(text).otherwise(pl.lit("#") + text)


def notes_html(plan: pl.DataFrame, config: Mapping[str, Any]) -> str:
    """Printable notes, one per A6 page, as a self-contained HTML file (print it from a browser).

    All text is HTML-escaped; each page ends with a small order reference to match the parcel.
    """
    lang = shop_language(config)
    shop = str(config.get("shop", {}).get("name", "") or "")
    pages = plan.filter(pl.col("note").fill_null("") != "").select(
        pl.concat_str(
            pl.lit('<section class="note"><div class="text">'),
            _html_escape(pl.col("note")),
            pl.lit('</div><p class="ref">'),
            _html_escape(order_ref(pl.col("order_id"))),
            pl.lit("</p></section>"),
        ).alias("html")
    )
    body = "\n".join(pages["html"].to_list())
    esc_shop = shop.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc_shop} notes</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


# -- glue for the CLI and the TUI ------------------------------------------------------------
