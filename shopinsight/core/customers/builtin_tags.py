"""The built-in behavioural tags (LANDSCAPE §4.3), one small builder each.

A builder takes the shop's `Limits` and returns a `TagRule`: its name, its rule in words with
the thresholds filled in, the condition and the evidence, all Polars expressions over the
customer table (plus the columns `tag_features` adds). `RULES` is the list the profiles apply;
adding a tag is adding a builder to it.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.customers.tag_rules import (
    Limits,
    N,
    RuleBuilder,
    TagRule,
    country_code,
    num_text,
    of_orders,
    pct_text,
    share_rule,
)
from shopinsight.core.orders import local_day
from shopinsight.core.shop_data import money_str


def _gift_buyer_when(t: Limits) -> pl.Expr:
    return (N >= t.two) & (pl.col("gift_orders") / N >= t.get_float("gift_share"))


def gift_buyer(t: Limits) -> TagRule:
    return TagRule(
        "gift_buyer",
        f"≥ {t.two} orders and ≥ {t.get_float('gift_share'):.0%} of them gifts (gift flag, "
        "gift message or a gift word in the note)",
        _gift_buyer_when(t),
        of_orders("gift_orders", "were gifts"),
    )


def gifted_once(t: Limits) -> TagRule:
    return TagRule(
        "gifted_once",
        "at least one gift order, but not a gift_buyer",
        (pl.col("gift_orders") >= 1) & ~_gift_buyer_when(t),
        of_orders("gift_orders", "were gifts"),
    )


def discount_hunter(t: Limits) -> TagRule:
    share, mean = t.get("discount_share"), t.get("discount_mean_pct")
    return TagRule(
        "discount_hunter",
        f"≥ {t.two} orders and a discount on ≥ {share:.0%} of them, or an "
        f"average discount ≥ {mean:.0%} of the subtotal",
        (N >= t.two)
        & ((pl.col("discounted_orders") / N >= share) | (pl.col("mean_discount_pct") >= mean)),
        pl.format(
            "{}; average discount {} of the subtotal",
            of_orders("discounted_orders", "had a discount"),
            pct_text(pl.col("mean_discount_pct")),
        ),
    )


def full_price_loyal(t: Limits) -> TagRule:
    least = t.get("full_price_min_orders")
    return TagRule(
        "full_price_loyal",
        f"≥ {least} orders, none discounted (each from an export that says what discount an "
        "order had)",
        (N >= least)
        & (pl.col("discounted_orders") == 0)
        & (pl.col("discount_known_orders").fill_null(N) >= N),
        pl.format("{} orders, none with a discount", N),
    )


def bulk_buyer(t: Limits) -> TagRule:
    units = max(t.stats["p90_units"], t.get_float("bulk_min_units"))
    qty = t.get_int("bulk_same_sku_qty")
    return TagRule(
        "bulk_buyer",
        f"≥ {units:g} units per order on average (shop P90, at least "
        f"{t.get('bulk_min_units')}), or ≥ {qty} of one product on ≥ 50% of ≥ {t.two} orders",
        (pl.col("units_per_order") >= units)
        | ((N >= t.two) & (pl.col("bulk_sku_orders") / N >= 0.5)),
        pl.format(
            "{} units per order on average (threshold {}); {}",
            num_text(pl.col("units_per_order")),
            pl.lit(f"{units:g}"),
            of_orders("bulk_sku_orders", f"had ≥ {qty} of one product"),
        ),
    )


def big_basket(t: Limits) -> TagRule:
    basket = max(t.stats["p90_products"], t.get_float("big_basket_min_products"))
    return TagRule(
        "big_basket",
        f"≥ {basket:g} different products per order on average (shop P90, at least "
        f"{t.get('big_basket_min_products')})",
        pl.col("products_per_order") >= basket,
        pl.format(
            "{} different products per order on average (threshold {})",
            num_text(pl.col("products_per_order")),
            pl.lit(f"{basket:g}"),
        ),
    )


def single_item(t: Limits) -> TagRule:
    return TagRule(
        "single_item",
        f"≥ {t.two} orders, every one with a single product",
        (pl.col("product_orders") >= t.two)
        & (pl.col("single_product_orders") == pl.col("product_orders")),
        pl.format("all {} orders had a single product", "product_orders"),
    )


def category_loyalist(t: Limits) -> TagRule:
    orders, share = t.get_int("category_min_orders"), t.get_float("category_share")
    return TagRule(
        "category_loyalist",
        f"≥ {orders} orders and ≥ {share:.0%} of product spend in one category",
        (N >= orders) & (pl.col("top_category_share") >= share),
        pl.format(
            "{} of product spend in {} over {} orders",
            pct_text(pl.col("top_category_share")),
            "favorite_category",
            N,
        ),
    )


def explorer(t: Limits) -> TagRule:
    orders, cats = t.get_int("explorer_min_orders"), t.get_int("explorer_min_categories")
    new = t.get_float("explorer_new_share")
    return TagRule(
        "explorer",
        f"≥ {orders} orders, ≥ {cats} categories and ≥ {new:.0%} of product purchases new to them",
        (N >= orders)
        & (pl.col("categories") >= cats)
        & (pl.col("distinct_skus") / pl.col("product_purchases") >= new),
        pl.format(
            "{} of {} product purchases were new to them, across {} categories",
            "distinct_skus",
            "product_purchases",
            "categories",
        ),
    )


def replenisher(t: Limits) -> TagRule:
    buys, cv = t.get_int("replenish_min_purchases"), t.get_float("replenish_max_cv")
    return TagRule(
        "replenisher",
        f"the same product bought on ≥ {buys} days at a steady rhythm (variation of the "
        f"gaps < {cv})",
        pl.col("replenish_skus") >= 1,
        pl.col("replenish_text"),
    )


def impulse_buyer(t: Limits) -> TagRule:
    share, low = t.get("impulse_share"), t.stats["p40_order_value"]
    return TagRule(
        "impulse_buyer",
        f"heuristic: ≥ {t.two} orders and ≥ {share:.0%} of them one low-price "
        f"item (≤ {low:.2f}, shop P40) bought at night or via social",
        (N >= t.two) & (pl.col("impulse_orders") / N >= share),
        pl.format(
            "heuristic: {} (≤ {}) bought at night or via a social channel",
            of_orders("impulse_orders", "were one low-price item"),
            pl.lit(f"{low:.2f}"),
        ),
    )


def deliberate_buyer(t: Limits) -> TagRule:
    share, high = t.get("deliberate_share"), t.stats["p75_unit_price"]
    return TagRule(
        "deliberate_buyer",
        f"heuristic: ≥ {t.two} orders and ≥ {share:.0%} of them include an "
        f"item priced over {high:.2f} (shop P75)",
        (N >= t.two) & (pl.col("deliberate_orders") / N >= share),
        pl.format(
            "heuristic: {} {} (shop P75)",
            of_orders("deliberate_orders", "included an item priced over"),
            pl.lit(f"{high:.2f}"),
        ),
    )


def family_shopper(t: Limits) -> TagRule:
    variants = pl.when(pl.col("variant_evidence").is_not_null() & (N >= 2)).then("variant_evidence")
    kids = (pl.col("kids_adult_orders") > 0).fill_null(False)
    recipients = pl.when(pl.col("max_recipients_at_address") >= 2).then("recipient_evidence")
    family = pl.concat_str(
        [
            variants,
            pl.when(kids).then(
                pl.format("kids' and adults' products in {} order(s)", "kids_adult_orders")
            ),
            recipients,
        ],
        separator="; ",
        ignore_nulls=True,
    )
    # the evidence is not empty (what the rule asks) without writing it for every customer:
    # two parts or more have a separator between them, one must have a character
    parts = variants.is_not_null().cast(pl.Int8) + kids.cast(pl.Int8)
    parts = parts + recipients.is_not_null().cast(pl.Int8)
    some = (variants.str.len_bytes() > 0) | kids | (recipients.str.len_bytes() > 0)
    return TagRule(
        "family_shopper",
        "heuristic: a product bought in ≥ 2 variants (≥ 2 orders), kids' and adults' "
        "products in one order, or ≥ 2 recipients' first names at one address",
        (parts >= 2) | some,
        pl.format("heuristic: {}", family),
    )


def high_returner(t: Limits) -> TagRule:
    share = t.get_float("high_returner_refund_share")
    orders = t.get_int("high_returner_refunded_orders")
    return TagRule(
        "high_returner",
        f"refunds ≥ {share:.0%} of gross spend, or ≥ {orders} refunded orders",
        (pl.col("refund_share") >= share) | (pl.col("refunded_orders") >= orders),
        pl.format(
            "refunds {} of {} spent ({}), {} refunded order(s)",
            money_str(pl.col("refunded_amount"), grouped=True),
            money_str(pl.col("gross_spend"), grouped=True),
            pct_text(pl.col("refund_share")),
            "refunded_orders",
        ),
    )


def night_owl(t: Limits) -> TagRule:
    least, share = t.get_int("night_min_orders"), t.get_float("night_share")
    return share_rule(
        "night_owl", "night_orders", least, share, f"placed {t.night}", f"placed {t.night}"
    )


def early_bird(t: Limits) -> TagRule:
    placed = f"placed 05:00–08:59 {t.tz}"
    return share_rule(
        "early_bird", "early_orders", t.get_int("night_min_orders"), 0.5, placed, placed
    )


def weekend_shopper(t: Limits) -> TagRule:
    return share_rule(
        "weekend_shopper",
        "weekend_orders",
        t.get_int("weekend_min_orders"),
        t.get_float("weekend_share"),
        f"placed on Saturday or Sunday ({t.tz})",
        "on Saturday or Sunday",
    )


def holiday_only(t: Limits) -> TagRule:
    orders, days = t.get_int("holiday_min_orders"), t.get_int("holiday_min_tenure_days")
    months = ", ".join(str(m) for m in t.get("holiday_months"))
    return TagRule(
        "holiday_only",
        f"≥ {orders} orders, all in months {months}, a customer for ≥ {days} days",
        (N >= orders) & (pl.col("holiday_orders") == N) & (pl.col("tenure_days") >= days),
        pl.format(
            "all {} orders in months {} over {} days as a customer",
            N,
            pl.lit(months),
            "tenure_days",
        ),
    )


def international(t: Limits) -> TagRule:
    home = f"{t.home}, where most customers are" if t.home_inferred else t.home
    return TagRule(
        "international",
        f"ships outside the shop country ({home or 'shop.country not set'})",
        pl.lit(bool(t.home_code))
        & pl.col("country").is_not_null()
        & (country_code(pl.col("country")) != t.home_code),
        pl.format("ships to {} (shop country {})", "country", pl.lit(home)),
    )


def note_writer(t: Limits) -> TagRule:
    share = t.get_float("note_share")
    return share_rule("note_writer", "note_orders", t.two, share, "came with a note", "with a note")


def multi_channel(t: Limits) -> TagRule:
    return TagRule(
        "multi_channel",
        "ordered on ≥ 2 marketplaces or sales channels",
        (pl.col("marketplaces").list.len() >= 2) | (pl.col("channels").list.len() >= 2),
        pl.format(
            "marketplaces: {}; channels: {}",
            pl.col("marketplaces").list.join(", "),
            pl.col("channels").list.join(", "),
        ),
    )


def reactivated(t: Limits) -> TagRule:
    lapse = max(t.stats["p95_gap_days"], t.get_float("reactivated_min_gap_days"))
    return TagRule(
        "reactivated",
        f"came back after a gap longer than {lapse:.0f} days (shop P95 of repeat gaps, at "
        f"least {t.get('reactivated_min_gap_days')})",
        pl.col("max_gap_days") > lapse,
        pl.format(
            "came back after {} days away (lapse point {} days)",
            "max_gap_days",
            pl.lit(f"{lapse:.0f}"),
        ),
    )


def anniversary_soon(t: Limits) -> TagRule:
    days = t.get_int("anniversary_days")
    return TagRule(
        "anniversary_soon",
        f"first-order anniversary within the next {days} days",
        (pl.col("anniversary_years") >= 1) & (pl.col("anniversary_in_days") <= days),
        pl.format(
            "first order {}: {}-year anniversary on {} (in {} days)",
            local_day(pl.col("first_order"), t.tz),
            "anniversary_years",
            "anniversary_date",
            "anniversary_in_days",
        ),
    )


def vip_spend(t: Limits) -> TagRule:
    share, limit = t.get_float("vip_top_share"), t.stats["vip_rank_limit"]
    return TagRule(
        "vip_spend",
        f"top {share:.0%} by net spend (rank ≤ {limit:.0f})",
        pl.col("spend_rank") <= limit,
        pl.format(
            "net spend {} {}, rank {} of {} (top {})",
            money_str(pl.col("monetary"), grouped=True),
            "currency",
            "spend_rank",
            pl.lit(f"{t.stats['customers']:.0f}"),
            pl.lit(f"{share:.0%}"),
        ),
    )


def marketing_ok(t: Limits) -> TagRule:
    return TagRule(
        "marketing_ok",
        "accepts email marketing",
        pl.col("accepts_marketing").fill_null(False),
        pl.format("accepts email marketing (from the {})", "consent_source"),
    )


RULES: list[RuleBuilder] = [
    gift_buyer, gifted_once, discount_hunter, full_price_loyal, bulk_buyer, big_basket,
    single_item, category_loyalist, explorer, replenisher, impulse_buyer, deliberate_buyer,
    family_shopper, high_returner, night_owl, early_bird, weekend_shopper, holiday_only,
    international, note_writer, multi_channel, reactivated, anniversary_soon, vip_spend,
    marketing_ok,
]  # fmt: skip
"""Every built-in tag, in the order their rules are listed."""
