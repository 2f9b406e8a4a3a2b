"""Who the shop's customers are: the customer table, RFM segments and tags in one call.

    prof = customer_profiles(lines, as_of, config, attrs, overrides)
    prof.table      one row per customer (segment, tags, reason and every column behind them)
    prof.tags       long: customer_id, tag, reason, origin ("rfm" | "rule" | "custom" | "manual")
    prof.segments   SegmentInfo: scheme, fallback_used, note, cut_points, sizes

Every tag keeps its evidence and every segment its cut points, so `explain` can show a merchant
exactly why a customer is where they are.
"""

from __future__ import annotations

import ctypes
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from shopinsight.core.customer_lookup import find_customer_key
from shopinsight.core.customers.product_stats import product_stats
from shopinsight.core.customers.segment_schemes import SCHEMES
from shopinsight.core.customers.segments import SegmentInfo, no_amounts, score_segments
from shopinsight.core.customers.table import ORDER_FIELDS as TABLE_FIELDS
from shopinsight.core.customers.table import _lists, beside, customer_table
from shopinsight.core.customers.tag_features import (
    FILLED,
    ORDER_FIELDS,
    table_features,
    tag_features,
)
from shopinsight.core.customers.tag_rules import TagRule, behaviour_rules
from shopinsight.core.customers.tags import (
    apply_overrides,
    check_custom,
    custom_rules,
    evaluate_rules,
)
from shopinsight.core.orders import resolve_as_of, shop_tz
from shopinsight.core.shop_data import money_str, prepare

__all__ = ["CustomerProfiles", "customer_profiles", "explain", "find_customer"]

LEAD_COLUMNS = [
    "customer_id", "email", "first_name", "customer_name", "country", "currency",
    "first_order", "last_order", "orders", "frequency", "items", "monetary", "monetary_12m",
    "aov", "recency_days", "tenure_days", "typical_gap_days", "favorite_sku",
    "favorite_product", "favorite_category", "discount_share", "gift_share", "refund_share",
    "channels", "accepts_marketing", "r_score", "f_score", "m_score", "segment",
    "segment_reason", "tags", "reason",
]  # fmt: skip


BIG_SHOP_LINES = 2_000_000
"""Beyond this many lines (of customers' orders in the main currency) the tag features and
the customer table are worked out one after the other rather than side by side on both cores:
more wall time, the same CPU, but their working memory does not add up, and the lines go
before the table is built."""


def _give_back() -> None:
    """Hand the memory numpy has freed back to the system (glibc's `malloc_trim`; elsewhere
    nothing is done).

    numpy's arrays come from the C heap, Polars' from its own allocator: what the numpy
    tallies of a step freed (the recipients, the product columns: ~0.25 GB at 5M lines) stays
    in the process, unusable by the Polars steps after it, and adds to the peak."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, Windows, musl)
        return
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


@dataclass
class CustomerProfiles:
    """The customer analysis as of one day."""

    table: pl.DataFrame
    tags: pl.DataFrame
    segments: SegmentInfo
    as_of: dt.date
    currency: str = ""
    notes: list[str] = field(default_factory=list)
    replenishment: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False)
    rules: list[TagRule] = field(default_factory=list, repr=False)
    stats: dict[str, float] = field(default_factory=dict)


MONEY_TAGS = frozenset({
    "high_value", "low_value", "vip_spend", "full_price_loyal", "discount_hunter",
    "category_loyalist", "impulse_buyer", "deliberate_buyer", "high_returner",
})  # fmt: skip
"""Built-in tags whose rule reads money (spend, prices, discounts, refunds): left out when the
exports carry no amounts at all."""


CLOCK_TAGS = frozenset({"night_owl", "early_bird"})
"""Built-in tags read from the hour of an order: left out when no order has a time of day."""

DISCOUNT_TAGS = frozenset({"full_price_loyal", "discount_hunter"})
"""Built-in tags read from the discounts of orders: left out when no export says what discount
an order had (no discount column or code anywhere): "none discounted" would hold for everyone."""


def _left_out(
    rules: list[TagRule], names: frozenset[str], why: str, notes: list[str]
) -> list[TagRule]:
    """`rules` without the built-in tags `names`, which the exports cannot back; the note
    saying so (`why`, then the tags) goes to `notes`."""
    notes.append(f"{why} ({', '.join(sorted(names))}) are left out.")
    return [r for r in rules if r.name not in names]


def _value_rules(info: SegmentInfo, levels: int) -> list[TagRule]:
    """M as a modifier (LANDSCAPE 4.1): high_value at the top M score, low_value at 1."""
    m = info.cut_points.get("monetary", {}).get("scores", {})
    spend = money_str(pl.col("monetary"), grouped=True)
    return [
        TagRule(
            "high_value",
            f"M score {levels} (net spend {m.get(str(levels), '')})",
            pl.col("m_score") == levels,
            pl.format(
                "net spend {} {} (M{}: {})",
                spend,
                "currency",
                "m_score",
                pl.lit(m.get(str(levels), "")),
            ),
            "rfm",
        ),
        TagRule(
            "low_value",
            f"M score 1 (net spend {m.get('1', '')})",
            pl.col("m_score") == 1,
            pl.format("net spend {} {} (M1: {})", spend, "currency", pl.lit(m.get("1", ""))),
            "rfm",
        ),
    ]


def customer_profiles(
    lines: pl.LazyFrame,
    as_of: dt.date | None,
    config: dict[str, Any],
    attrs: pl.LazyFrame | None = None,
    overrides: pl.DataFrame | None = None,
) -> CustomerProfiles:
    """Customer table + segments + tags as of `as_of` (default: the day of the last order)."""
    tz = shop_tz(config)
    as_of = resolve_as_of(lines, as_of, tz)
    data = prepare(lines, as_of, config)
    # only the order fields the table and the tags read (order ids, notes and gift messages
    # are texts: 5M lines, ~0.2 GB held through this step)
    data.orders = data.orders.select(sorted({*TABLE_FIELDS, *ORDER_FIELDS}))
    if data.lines.height > BIG_SHOP_LINES:  # one after the other: less memory at the peak
        # what reads the lines first (the tag features, the product columns), then the lines
        # go before the customer table is built (5M lines: ~0.3 GB less at the peak)
        feats, stats, replen = tag_features(data, config)
        _give_back()
        products = product_stats(data)
        data.lines, data.sku_customers = data.lines.clear(), data.sku_customers.clear()
        _give_back()
        table = customer_table(data, attrs, products)
        del products
        _give_back()
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:  # Polars frees the GIL: both cores work
            later = pool.submit(tag_features, data, config)
            table = customer_table(data, attrs)
            feats, stats, replen = later.result()
    # every line and order of the shop is read by now: let them go before the table's copies
    # (scores, tags, the final sort; at 5M lines they are ~2 GB)
    notes, currency = list(data.notes), data.currency
    # exports of dates without times put every order at midnight: "placed at night" would
    # hold for every customer
    timed = data.orders.height == 0 or bool(
        data.orders.select((pl.col("local_hour") != 0).fill_null(False).any()).item()
    )
    discounts_known = data.discounts_known
    del data
    table = table_features(
        beside(table, [feats]).with_columns(pl.col(c).fill_null(0) for c in FILLED).drop("_ck"),
        as_of,
        tz,
    )
    scored, info = score_segments(table, config)
    levels = SCHEMES[info.scheme].levels
    countries = scored.get_column("country") if "country" in scored.columns else None
    rules = _value_rules(info, levels) + behaviour_rules(config, stats, countries)
    unpriced = no_amounts(scored)
    if unpriced:
        # an export without amounts (member visits, baskets): every spend is 0, so "top 10%
        # by spend" and "no discount" would hold for everyone, with 0.00 as their evidence
        rules = _left_out(
            rules,
            MONEY_TAGS,
            "The exports carry no amounts: tags about spend, prices, discounts and refunds",
            notes,
        )
    if not discounts_known and not unpriced:  # (without amounts they are left out above)
        rules = _left_out(
            rules,
            DISCOUNT_TAGS,
            "The exports do not say which orders had a discount (no discount column or code): "
            "tags about discounts",
            notes,
        )
    if not timed:
        rules = _left_out(
            rules,
            CLOCK_TAGS,
            "The exports give order dates without a time of day: tags about the hour an order "
            "was placed",
            notes,
        )
    custom = custom_rules(config, scored.schema, {r.name for r in rules})
    check_custom(scored, custom)
    rules = sorted(rules + custom, key=lambda r: r.name)
    scored = scored.with_row_index("_row")
    tags = evaluate_rules(scored, rules)
    tags = apply_overrides(tags, overrides, scored.get_column("customer_id"))
    added = tags.get_column("_row").null_count() > 0
    if added:  # tags added by hand: find their rows
        rows = scored.select("customer_id", pl.col("_row").alias("_r"))
        tags = (
            tags.join(rows, on="customer_id", how="left")
            .with_columns(pl.coalesce("_row", "_r").alias("_row"))
            .drop("_r")
        )
    table = _with_tag_lists(scored, tags, resort=added)
    # the columns as they are: `drop` copied the tags' pieces (one per rule) into one chunk
    tags = pl.DataFrame([c for c in tags.get_columns() if c.name != "_row"])
    # net spend only when the exports carry amounts: "net 0.00" of a shop without any is no
    # figure
    spend: list[pl.Expr | str] = (
        [] if unpriced else [money_str(pl.col("monetary"), grouped=True), "currency"]
    )
    table = table.with_columns(
        pl.format(
            "{}: {} {}, last {} {} ago" + ("" if unpriced else ", net {} {}") + "{}",
            "segment",
            "orders",
            _noun("orders", "order", "orders"),
            "recency_days",
            _noun("recency_days", "day", "days"),
            *spend,
            pl.when(pl.col("tags").list.len() > 0)
            .then(pl.lit("; tags: ") + pl.col("tags").list.join(", "))
            .otherwise(pl.lit("")),
        ).alias("reason")
    )
    rest = [c for c in table.columns if c not in LEAD_COLUMNS]
    table = table.select(LEAD_COLUMNS + rest)  # in spend order since `customer_table`
    if table.height == 0:
        notes.append("No customer has a counted order (paid, not cancelled, money kept) yet.")
    return CustomerProfiles(
        table=table,
        tags=tags,
        segments=info,
        as_of=as_of,
        currency=currency,
        notes=notes,
        replenishment=replen,
        rules=rules,
        stats=stats,
    )


def _with_tag_lists(scored: pl.DataFrame, tags: pl.DataFrame, resort: bool) -> pl.DataFrame:
    """The sorted `tags` list per customer, by the integer row index (`_row`).

    With at most 63 distinct tags (the usual case) each row's tags are bits of one integer
    (bit i: the i-th tag A-Z), set with one numpy pass over the tags and decoded once per
    distinct set (`table._lists`): sorted whatever order the tags come in, and no sort or
    group-by of the tags (3× the cost). Beyond that the tags are grouped by row: rules run in
    name order, so once the tags are stably sorted by row each customer's tags are in order;
    only tags added by hand (appended last) need a sort."""
    names = tags.get_column("tag").unique().sort()
    if names.len() <= 63:
        rows = tags.get_column("_row")
        known = rows.is_not_null()
        bit = tags.get_column("tag").filter(known).cast(pl.Enum(names)).to_physical()
        mask = np.zeros(scored.height, np.uint64)
        ones = np.left_shift(np.uint64(1), bit.to_numpy().astype(np.uint64))
        np.bitwise_or.at(mask, rows.filter(known).to_numpy().astype(np.intp), ones)
        listed = _lists(mask, names.to_list()).alias("tags")
    else:
        lists = (
            tags.lazy()
            .select("_row", "tag")
            .filter(pl.col("_row").is_not_null())
            .sort("_row", maintain_order=True)
            .group_by("_row", maintain_order=True)
            .agg(pl.col("tag").alias("tags"))
            .collect()
        )
        if resort:
            lists = lists.with_columns(pl.col("tags").list.sort())
        where = np.full(scored.height, -1, np.int64)
        where[lists.get_column("_row").to_numpy()] = np.arange(lists.height)  # rows distinct
        at = pl.Series(where).to_frame("i").select(pl.when(pl.col("i") >= 0).then("i"))
        listed = lists.get_column("tags").gather(at.to_series())
    empty = pl.lit([], dtype=pl.List(pl.Utf8))
    return scored.drop("_row").hstack([listed]).with_columns(pl.col("tags").fill_null(empty))


def find_customer(prof: CustomerProfiles, key: str) -> str:
    """The customer_id for what the merchant typed (core.customer_lookup: the id, an email,
    the id in their export, a name); InputError if it names no one or several."""
    return find_customer_key(
        prof.table,
        key,
        f"No customer with that id, email or name has a counted order up to {prof.as_of}. "
        "List them with: shopinsight customers",
    )


def explain(prof: CustomerProfiles, key: str) -> dict[str, Any]:
    """The full trace for one customer: numbers, scores with cut points, segment rule, and each
    tag rule with whether it fired and its evidence."""
    cid = find_customer(prof, key)
    row = prof.table.filter(pl.col("customer_id") == cid)
    fired = prof.tags.filter(pl.col("customer_id") == cid)
    fired_map = {r["tag"]: r for r in fired.iter_rows(named=True)}
    checks = row.select(
        *[r.when.fill_null(False).alias(f"w_{i}") for i, r in enumerate(prof.rules)],
        *[r.reason.cast(pl.Utf8).alias(f"e_{i}") for i, r in enumerate(prof.rules)],
    ).row(0, named=True)
    trace = []
    for i, rule in enumerate(prof.rules):
        hit = fired_map.pop(rule.name, None)
        trace.append(
            {
                "tag": rule.name,
                "origin": rule.origin,
                "rule": rule.rule,
                "fired": hit is not None,
                "evidence": hit["reason"] if hit else checks[f"e_{i}"],
                "overridden": bool(checks[f"w_{i}"]) and hit is None,
            }
        )
    for tag, hit in fired_map.items():  # manual tags
        trace.append(
            {
                "tag": tag,
                "origin": hit["origin"],
                "rule": "added by you",
                "fired": True,
                "evidence": hit["reason"],
                "overridden": False,
            }  # fmt: skip
        )
    values = _rounded(row).row(0, named=True)
    cuts = prof.segments.cut_points
    scores = {
        "R": {
            "score": values["r_score"],
            "value": values["recency_days"],
            "band": cuts.get("recency_days", {}).get("scores", {}).get(str(values["r_score"])),
        },
        "F": {
            "score": values["f_score"],
            "value": values["frequency"],
            "band": cuts.get("frequency", {}).get("scores", {}).get(str(values["f_score"])),
        },
    }
    if values["m_score"] is not None:  # no M score: the exports carry no amounts (the note)
        scores["M"] = {
            "score": values["m_score"],
            "value": values["monetary"],
            "band": cuts.get("monetary", {}).get("scores", {}).get(str(values["m_score"])),
        }
    return {
        "customer_id": cid,
        "as_of": prof.as_of.isoformat(),
        "customer": values,
        "segment": values["segment"],
        "segment_reason": values["segment_reason"],
        "scores": scores,
        "segments_note": prof.segments.note,
        "tags": trace,
    }


def _noun(count: str, one: str, many: str) -> pl.Expr:
    """The noun for the number in column `count`: "1 order", "3 orders"."""
    return pl.when(pl.col(count) == 1).then(pl.lit(one)).otherwise(pl.lit(many))


MONEY_COLUMNS = ("monetary", "monetary_12m", "aov", "gross_spend", "refunded_amount")


def _rounded(row: pl.DataFrame) -> pl.DataFrame:
    """Money to the cent and shares to 4 places, so a trace never shows 2960.8500000000004
    (a sum of floats) to a merchant or in JSON."""
    floats = [c for c, dtype in row.schema.items() if dtype.is_float()]
    return row.with_columns(pl.col(c).round(2 if c in MONEY_COLUMNS else 4) for c in floats)
