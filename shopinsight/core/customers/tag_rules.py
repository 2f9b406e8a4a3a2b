"""Behavioural tag rules (LANDSCAPE §4.3) as data: each rule is a name, its rule in words, a
condition and an evidence text, all Polars expressions over the customer table (plus the
columns `tag_features` adds). Thresholds come from the `[tags]` section of shopinsight.toml and
from the shop's own numbers (`stats`), so every rule text shows the threshold actually used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from shopinsight.core.errors import ConfigError
from shopinsight.core.shop_data import money_str

__all__ = ["TagRule", "behaviour_rules", "country_code"]


@dataclass(frozen=True)
class TagRule:
    """A tag: when it applies and the evidence shown next to it."""

    name: str
    rule: str
    when: pl.Expr
    reason: pl.Expr
    origin: str = "rule"


_COUNTRY = {
    "UNITED STATES": "US", "USA": "US", "UNITED STATES OF AMERICA": "US", "U.S.": "US",
    "UNITED KINGDOM": "GB", "UK": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB",
    "ITALY": "IT", "ITALIA": "IT", "GERMANY": "DE", "DEUTSCHLAND": "DE", "FRANCE": "FR",
    "SPAIN": "ES", "ESPAÑA": "ES", "CHINA": "CN", "中国": "CN", "CANADA": "CA",
    "AUSTRALIA": "AU", "JAPAN": "JP", "NETHERLANDS": "NL", "INDIA": "IN", "BRAZIL": "BR",
    "BRASIL": "BR", "MEXICO": "MX", "PAKISTAN": "PK", "BANGLADESH": "BD", "IRELAND": "IE",
    "AUSTRIA": "AT", "SWITZERLAND": "CH", "BELGIUM": "BE", "SWEDEN": "SE", "POLAND": "PL",
}  # fmt: skip


def country_code(expr: pl.Expr) -> pl.Expr:
    """A country as an upper-case ISO code where the name is a common one ("Italy" -> "IT")."""
    return expr.str.strip_chars().str.to_uppercase().replace(_COUNTRY)


def _pct(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round(0).cast(pl.Int64).cast(pl.Utf8) + "%"


def _num(expr: pl.Expr) -> pl.Expr:
    """One decimal, without a trailing ".0" ("2", "2.5")."""
    return expr.round(1).cast(pl.Utf8).str.strip_suffix(".0")


N = pl.col("orders")


def _of(col: str, what: str) -> pl.Expr:
    """ "3 of 4 orders had a discount" from the count column and the orders column."""
    return pl.format("{} of {} orders " + what, pl.col(col), N)


def _share(name: str, col: str, min_orders: int, share: float, what: str, rule: str) -> TagRule:
    """A tag for customers with >= min_orders orders and >= share of them matching."""
    when = (N >= min_orders) & (pl.col(col) / N >= share)
    return TagRule(
        name, f"≥ {min_orders} orders and ≥ {share:.0%} of them {rule}", when, _of(col, what)
    )


def behaviour_rules(config: dict[str, Any], stats: dict[str, float]) -> list[TagRule]:
    """The built-in behavioural rules with this shop's thresholds filled in."""
    cfg = config.get("tags") or {}
    shop = config.get("shop") or {}

    def g(key: str, default: Any) -> Any:
        value = cfg.get(key, default)
        return default if value is None else value

    two = int(g("min_orders_for_share", 2))
    tz = shop.get("timezone", "UTC")
    night = f"{int(g('night_start', 22)):02d}:00–{int(g('night_end', 5)) - 1:02d}:59 {tz}"
    gift_share = float(g("gift_share", 0.5))
    is_gift_buyer = (N >= two) & (pl.col("gift_orders") / N >= gift_share)
    bulk_units = max(stats["p90_units"], float(g("bulk_min_units", 3)))
    bulk_qty = int(g("bulk_same_sku_qty", 3))
    basket = max(stats["p90_products"], float(g("big_basket_min_products", 2)))
    cat_orders, cat_share = int(g("category_min_orders", 3)), float(g("category_share", 0.8))
    exp_orders, exp_cats = int(g("explorer_min_orders", 3)), int(g("explorer_min_categories", 3))
    exp_new = float(g("explorer_new_share", 0.7))
    rep_buys, rep_cv = int(g("replenish_min_purchases", 3)), float(g("replenish_max_cv", 0.5))
    ret_share, ret_orders = (
        float(g("high_returner_refund_share", 0.3)),
        int(g("high_returner_refunded_orders", 2)),
    )
    hol_orders, hol_days = int(g("holiday_min_orders", 2)), int(g("holiday_min_tenure_days", 365))
    months = ", ".join(str(m) for m in g("holiday_months", [11, 12]))
    home = str(shop.get("country") or "").strip()
    home_code = pl.select(country_code(pl.lit(home))).item() if home else ""
    lapse = max(stats["p95_gap_days"], float(g("reactivated_min_gap_days", 90)))
    ann_days = int(g("anniversary_days", 14))
    vip_share = float(g("vip_top_share", 0.05))
    family = pl.concat_str(
        [
            pl.when(pl.col("variant_evidence").is_not_null() & (N >= 2)).then("variant_evidence"),
            pl.when(pl.col("kids_adult_orders") > 0).then(
                pl.format("kids' and adults' products in {} order(s)", "kids_adult_orders")
            ),
            pl.when(pl.col("max_recipients_at_address") >= 2).then("recipient_evidence"),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    rules = [
        TagRule(
            "gift_buyer",
            f"≥ {two} orders and ≥ {gift_share:.0%} of them gifts (gift flag, gift message or a "
            "gift word in the note)",
            is_gift_buyer,
            _of("gift_orders", "were gifts"),
        ),
        TagRule(
            "gifted_once",
            "at least one gift order, but not a gift_buyer",
            (pl.col("gift_orders") >= 1) & ~is_gift_buyer,
            _of("gift_orders", "were gifts"),
        ),
        TagRule(
            "discount_hunter",
            f"≥ {two} orders and a discount on ≥ {g('discount_share', 0.5):.0%} of them, or an "
            f"average discount ≥ {g('discount_mean_pct', 0.2):.0%} of the subtotal",
            (N >= two)
            & (
                (pl.col("discounted_orders") / N >= g("discount_share", 0.5))
                | (pl.col("mean_discount_pct") >= g("discount_mean_pct", 0.2))
            ),
            pl.format(
                "{}; average discount {} of the subtotal",
                _of("discounted_orders", "had a discount"),
                _pct(pl.col("mean_discount_pct")),
            ),
        ),
        TagRule(
            "full_price_loyal",
            f"≥ {g('full_price_min_orders', 3)} orders, none discounted",
            (N >= g("full_price_min_orders", 3)) & (pl.col("discounted_orders") == 0),
            pl.format("{} orders, none with a discount", N),
        ),
        TagRule(
            "bulk_buyer",
            f"≥ {bulk_units:g} units per order on average (shop P90, at least "
            f"{g('bulk_min_units', 3)}), or ≥ {bulk_qty} of one product on ≥ 50% of ≥ {two} orders",
            (pl.col("units_per_order") >= bulk_units)
            | ((N >= two) & (pl.col("bulk_sku_orders") / N >= 0.5)),
            pl.format(
                "{} units per order on average (threshold {}); {}",
                _num(pl.col("units_per_order")),
                pl.lit(f"{bulk_units:g}"),
                _of("bulk_sku_orders", f"had ≥ {bulk_qty} of one product"),
            ),
        ),
        TagRule(
            "big_basket",
            f"≥ {basket:g} different products per order on average (shop P90, at least "
            f"{g('big_basket_min_products', 2)})",
            pl.col("products_per_order") >= basket,
            pl.format(
                "{} different products per order on average (threshold {})",
                _num(pl.col("products_per_order")),
                pl.lit(f"{basket:g}"),
            ),
        ),
        TagRule(
            "single_item",
            f"≥ {two} orders, every one with a single product",
            (pl.col("product_orders") >= two)
            & (pl.col("single_product_orders") == pl.col("product_orders")),
            pl.format("all {} orders had a single product", "product_orders"),
        ),
        TagRule(
            "category_loyalist",
            f"≥ {cat_orders} orders and ≥ {cat_share:.0%} of product spend in one category",
            (N >= cat_orders) & (pl.col("top_category_share") >= cat_share),
            pl.format(
                "{} of product spend in {} over {} orders",
                _pct(pl.col("top_category_share")),
                "favorite_category",
                N,
            ),
        ),
        TagRule(
            "explorer",
            f"≥ {exp_orders} orders, ≥ {exp_cats} categories and ≥ {exp_new:.0%} of product "
            "purchases new to them",
            (N >= exp_orders)
            & (pl.col("categories") >= exp_cats)
            & (pl.col("distinct_skus") / pl.col("product_purchases") >= exp_new),
            pl.format(
                "{} of {} product purchases were new to them, across {} categories",
                "distinct_skus",
                "product_purchases",
                "categories",
            ),
        ),
        TagRule(
            "replenisher",
            f"the same product bought on ≥ {rep_buys} days at a steady rhythm (variation of the "
            f"gaps < {rep_cv})",
            pl.col("replenish_skus") >= 1,
            pl.col("replenish_text"),
        ),
        TagRule(
            "impulse_buyer",
            f"heuristic: ≥ {two} orders and ≥ {g('impulse_share', 0.5):.0%} of them one low-price "
            f"item (≤ {stats['p40_order_value']:.2f}, shop P40) bought at night or via social",
            (N >= two) & (pl.col("impulse_orders") / N >= g("impulse_share", 0.5)),
            pl.format(
                "heuristic: {} (≤ {}) bought at night or via a social channel",
                _of("impulse_orders", "were one low-price item"),
                pl.lit(f"{stats['p40_order_value']:.2f}"),
            ),
        ),
        TagRule(
            "deliberate_buyer",
            f"heuristic: ≥ {two} orders and ≥ {g('deliberate_share', 0.5):.0%} of them include an "
            f"item priced over {stats['p75_unit_price']:.2f} (shop P75)",
            (N >= two) & (pl.col("deliberate_orders") / N >= g("deliberate_share", 0.5)),
            pl.format(
                "heuristic: {} {} (shop P75)",
                _of("deliberate_orders", "included an item priced over"),
                pl.lit(f"{stats['p75_unit_price']:.2f}"),
            ),
        ),
        TagRule(
            "family_shopper",
            "heuristic: a product bought in ≥ 2 variants (≥ 2 orders), kids' and adults' "
            "products in one order, or ≥ 2 recipients' first names at one address",
            family.str.len_chars() > 0,
            pl.format("heuristic: {}", family),
        ),
        TagRule(
            "high_returner",
            f"refunds ≥ {ret_share:.0%} of gross spend, or ≥ {ret_orders} refunded orders",
            (pl.col("refund_share") >= ret_share) | (pl.col("refunded_orders") >= ret_orders),
            pl.format(
                "refunds {} of {} spent ({}), {} refunded order(s)",
                money_str(pl.col("refunded_amount")),
                money_str(pl.col("gross_spend")),
                _pct(pl.col("refund_share")),
                "refunded_orders",
            ),
        ),
        _share(
            "night_owl",
            "night_orders",
            int(g("night_min_orders", 3)),
            float(g("night_share", 0.5)),
            f"placed {night}",
            f"placed {night}",
        ),
        _share(
            "early_bird",
            "early_orders",
            int(g("night_min_orders", 3)),
            0.5,
            f"placed 05:00–08:59 {tz}",
            f"placed 05:00–08:59 {tz}",
        ),
        _share(
            "weekend_shopper",
            "weekend_orders",
            int(g("weekend_min_orders", 3)),
            float(g("weekend_share", 0.7)),
            f"placed on Saturday or Sunday ({tz})",
            "on Saturday or Sunday",
        ),
        TagRule(
            "holiday_only",
            f"≥ {hol_orders} orders, all in months {months}, a customer for ≥ {hol_days} days",
            (N >= hol_orders)
            & (pl.col("holiday_orders") == N)
            & (pl.col("tenure_days") >= hol_days),
            pl.format(
                "all {} orders in months {} over {} days as a customer",
                N,
                pl.lit(months),
                "tenure_days",
            ),
        ),
        TagRule(
            "international",
            f"ships outside the shop country ({home or 'shop.country not set'})",
            pl.lit(bool(home_code))
            & pl.col("country").is_not_null()
            & (country_code(pl.col("country")) != home_code),
            pl.format("ships to {} (shop country {})", "country", pl.lit(home)),
        ),
        _share(
            "note_writer",
            "note_orders",
            two,
            float(g("note_share", 0.5)),
            "came with a note",
            "with a note",
        ),
        TagRule(
            "multi_channel",
            "ordered on ≥ 2 marketplaces or sales channels",
            (pl.col("marketplaces").list.len() >= 2) | (pl.col("channels").list.len() >= 2),
            pl.format(
                "marketplaces: {}; channels: {}",
                pl.col("marketplaces").list.join(", "),
                pl.col("channels").list.join(", "),
            ),
        ),
        TagRule(
            "reactivated",
            f"came back after a gap longer than {lapse:.0f} days (shop P95 of repeat gaps, at "
            f"least {g('reactivated_min_gap_days', 90)})",
            pl.col("max_gap_days") > lapse,
            pl.format(
                "came back after {} days away (lapse point {} days)",
                "max_gap_days",
                pl.lit(f"{lapse:.0f}"),
            ),
        ),
        TagRule(
            "anniversary_soon",
            f"first-order anniversary within the next {ann_days} days",
            (pl.col("anniversary_years") >= 1) & (pl.col("anniversary_in_days") <= ann_days),
            pl.format(
                "first order {}: {}-year anniversary on {} (in {} days)",
                pl.col("first_order").dt.date(),
                "anniversary_years",
                "anniversary_date",
                "anniversary_in_days",
            ),
        ),
        TagRule(
            "vip_spend",
            f"top {vip_share:.0%} by net spend (rank ≤ {stats['vip_rank_limit']:.0f})",
            pl.col("spend_rank") <= stats["vip_rank_limit"],
            pl.format(
                "net spend {} {}, rank {} of {} (top {})",
                money_str(pl.col("monetary")),
                "currency",
                "spend_rank",
                pl.lit(f"{stats['customers']:.0f}"),
                pl.lit(f"{vip_share:.0%}"),
            ),
        ),
        TagRule(
            "marketing_ok",
            "accepts email marketing",
            pl.col("accepts_marketing").fill_null(False),
            pl.format("accepts email marketing (from the {})", "consent_source"),
        ),
    ]
    disabled = {str(d) for d in g("disabled", [])}
    unknown = disabled - {r.name for r in rules}
    if unknown:
        raise ConfigError(
            "Unknown tag in tags.disabled",
            f"{', '.join(sorted(unknown))} is not a built-in tag. Built-in tags: "
            + ", ".join(r.name for r in rules),
        )
    return [r for r in rules if r.name not in disabled]
