"""The sample shop's orders in full: ids, status, gifts, discounts, baskets and money.

Continues `samples_truth`: order times become orders (each marketplace's id style, refunds,
cancellations and open orders where its export can say so, gift orders with a recipient and a
message, discount codes that follow the calendar), baskets come from the catalogue with the
planted co-purchase sets, and the order money adds up (subtotal − discount + shipping = total;
net = total − refunded, nothing for a cancelled order).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from shopinsight.core.samples import data as D
from shopinsight.core.samples.truth import (
    CODE_PCT,
    OPEN_DAYS,
    SOURCE_WEIGHTS,
    SOURCES,
    _pick,
    day_flags,
)


def can(capability: str) -> pl.Expr:
    """Whether an order's marketplace export can carry this (see data.CAPABILITIES)."""
    markets = [m for m, caps in D.CAPABILITIES.items() if capability in caps]
    return pl.col("marketplace").is_in(markets)


def _tz_utc(local: pl.Expr, tz: str) -> pl.Expr:
    """Wall time in `tz` → UTC; a time skipped by a DST change moves one hour on."""

    def at(x: pl.Expr) -> pl.Expr:
        return x.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")

    return pl.coalesce(at(local), at(local + pl.duration(hours=1))).dt.convert_time_zone("UTC")


def _digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**width, n)).cast(pl.Utf8).str.zfill(width)


SHIP_TO = {
    "ship_address1": (
        pl.concat_str(pl.lit("幸福路"), pl.col("r_no").cast(pl.Utf8), pl.lit("号")),
        pl.concat_str(pl.col("r_no").cast(pl.Utf8), pl.lit(" "), "r_street"),
        pl.col("address1"),
    ),
    "ship_city": (pl.col("rcn_city"), pl.col("r_city"), pl.col("city")),
    "ship_region": (pl.col("rcn_region"), pl.col("r_region"), pl.col("region")),
    "ship_region_name": (pl.lit(""), pl.col("r_region_name"), pl.col("region_name")),
    "ship_zip": (pl.col("rcn_zip"), pl.col("r_zip"), pl.col("postal_code")),
    "ship_country": (pl.col("country"), pl.col("r_cc"), pl.col("country")),
    "ship_country_name": (pl.col("country_name"), pl.col("r_cn"), pl.col("country_name")),
}
"""Ship-to field → (Taobao gift, other gift, not a gift) value."""


def finish_orders(
    rng: np.random.Generator, times: pl.DataFrame, customers: pl.DataFrame, end: dt.date
) -> pl.DataFrame:
    """Order-level truth (everything but the money, which needs the baskets)."""
    o = times.sort("local_at", "customer_key", "k", maintain_order=True).with_row_index("order_key")
    n = o.height
    o = o.with_columns(
        pl.Series("u_status", rng.random(n)),
        pl.Series("refund_frac", rng.uniform(0.15, 0.6, n)),
        pl.Series("u_disc", rng.random(n)),
        pl.Series("any_code", _pick(rng, ["SPRING15", "TEATIME10", "FREESHIP"], n)),
        pl.Series("u_gift", rng.random(n)),
        pl.Series("u_msg", rng.random(n)),
        pl.Series("msg", _pick(rng, D.GIFT_MESSAGES, n)),
        pl.Series("cn_msg", _pick(rng, D.CN_GIFT_MESSAGES, n)),
        pl.Series("u_note", rng.random(n)),
        pl.Series("note_text", _pick(rng, D.DELIVERY_NOTES, n)),
        pl.Series("r_first", _pick(rng, D.FIRST_NAMES, n)),
        pl.Series("r_last", _pick(rng, D.LAST_NAMES, n)),
        pl.Series("r_cn_first", _pick(rng, D.CN_GIVEN, n)),
        pl.Series("r_cn_last", _pick(rng, D.CN_SURNAMES, n)),
        pl.Series("r_place", rng.choice(len(D.PLACES), n)),
        pl.Series("r_cn_place", rng.integers(0, len(D.CN_PLACES), n)),
        pl.Series("r_no", rng.integers(2, 990, n)),
        pl.Series("r_street", _pick(rng, D.STREETS, n)),
        pl.Series("channel", _pick(rng, SOURCES, n, SOURCE_WEIGHTS)),
        pl.Series("u_cancel_at", rng.random(n)),
        pl.Series("ship_hours", rng.integers(20, 72, n)),
        pl.Series("id_a", _digits(rng, n, 7)),
        pl.Series("id_b", _digits(rng, n, 7)),
        pl.Series("id_c", _digits(rng, n, 3)),
        pl.Series("tb_id", _digits(rng, n, 15)),
        pl.Series("etsy_step", rng.integers(900, 4000, n)),
    )
    w = pl.DataFrame(
        D.PLACES, schema=["city", "region", "region_name", "zip", "cc", "cn"], orient="row"
    )
    cnp = pl.DataFrame(D.CN_PLACES, schema=["city", "region", "zip"], orient="row")
    o = pl.concat(
        [
            o,
            w[o["r_place"]].select(pl.all().name.prefix("r_")),
            cnp[o["r_cn_place"]].select(pl.all().name.prefix("rcn_")),
        ],
        how="horizontal",
    ).join(customers, on=["customer_key", "persona"], how="left", maintain_order="left")
    mp, persona = pl.col("marketplace"), pl.col("persona")
    taobao = mp == "taobao"
    rank = pl.int_range(pl.len()).over("marketplace")
    o = o.with_columns(
        pl.when(taobao)
        .then(_tz_utc(pl.col("local_at"), D.TAOBAO_TZ))
        .otherwise(_tz_utc(pl.col("local_at"), D.STORE_TZ))
        .alias("ordered_at"),
        (pl.int_range(pl.len()).over("customer_key") == 0).alias("first_order"),
        (pl.col("days_ago") <= OPEN_DAYS).alias("recent"),
        pl.col("local_at").dt.date().alias("local_day"),
        pl.when(mp == "shopify")
        .then(pl.format("#{}", rank + 1001))
        .when(mp == "etsy")
        .then((pl.col("etsy_step").cum_sum().over("marketplace") + 3_102_000_000).cast(pl.Utf8))
        .when(mp == "woocommerce")
        .then((rank + 8401).cast(pl.Utf8))
        .when(mp == "amazon")
        .then(pl.format("11{}-{}-{}", pl.col("id_c").str.slice(0, 1), "id_a", "id_b"))
        .when(mp == "ebay")
        .then(
            pl.format(
                "{}-{}-{}",
                pl.col("id_c").str.slice(0, 2),
                pl.col("id_a").str.slice(0, 5),
                pl.col("id_b").str.slice(0, 5),
            )
        )
        .when(taobao)
        .then(pl.format("3{}{}", (rank + 100).cast(pl.Utf8).str.zfill(3), "tb_id"))
        .otherwise(pl.format("POS-{}", rank + 501))
        .alias("order_id"),
        (rank + 1001).alias("record_no"),
    )
    days = day_flags(end)
    o = o.join(days, on="local_day", how="left", maintain_order="left")
    open_ = pl.col("recent") & can("open")
    u = pl.col("u_status")
    status = (
        pl.when(open_)
        .then(pl.lit("paid"))
        .when((u < 0.03) & can("refund"))
        .then(pl.lit("refunded"))
        .when((u < 0.06) & can("partial"))
        .then(pl.lit("partially_refunded"))
        .when((u < 0.085) & can("cancel"))
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("paid"))
    )
    p_disc = persona.replace_strict(
        {"discount_hunter": 0.8, "seasonal": 0.45, "one_timer": 0.22}, default=0.1
    )
    code = (
        pl.when(pl.col("bfcm"))
        .then(pl.lit("BFCM25"))
        .when(pl.col("in_holiday"))
        .then(pl.lit("HOLIDAY20"))
        .when(pl.col("first_order"))
        .then(pl.lit("WELCOME10"))
        .when(persona == "champion")
        .then(pl.lit("VIP15"))
        .otherwise("any_code")
    )
    p_gift = persona.replace_strict({"gift_buyer": 0.75, "seasonal": 0.35}, default=None)
    p_gift = p_gift.fill_null(pl.when(pl.col("in_holiday")).then(0.12).otherwise(0.05))
    o = o.with_columns(
        status.alias("status"),
        pl.when((pl.col("u_disc") < p_disc) & can("discount")).then(code).alias("discount_code"),
        ((pl.col("u_gift") < p_gift) & (mp != "generic")).alias("is_gift"),
    ).with_columns(
        # Taobao shows a gift only through the buyer's message, so its gifts always have one.
        (pl.col("is_gift") & ((pl.col("u_msg") < 0.65) | taobao) & can("gift_message")).alias(
            "has_msg"
        ),
        pl.when(taobao)
        .then(pl.concat_str("r_cn_last", "r_cn_first"))
        .otherwise(pl.concat_str("r_first", pl.lit(" "), "r_last"))
        .alias("r_name"),
        pl.when(taobao).then("r_cn_first").otherwise("r_first").alias("r_short"),
        pl.when(
            (pl.col("status") == "cancelled")
            | ((pl.col("status") == "refunded") & (pl.col("u_cancel_at") < 0.5))
        )
        .then(pl.col("local_at") + pl.duration(hours=pl.col("ship_hours") // 4))
        .alias("cancelled_at"),
    )
    gift, msg = pl.col("is_gift"), pl.col("has_msg")
    buyer_name = pl.concat_str(  # Chinese names: surname then given name, no space
        "first_name", pl.when(~taobao).then(pl.lit(" ")).otherwise(pl.lit("")), "last_name"
    )
    message = (
        pl.when(taobao)
        .then(pl.col("cn_msg").str.replace("{recipient}", pl.col("r_short"), literal=True))
        .otherwise(
            pl.col("msg")
            .str.replace("{buyer}", pl.col("first_name"), literal=True)
            .str.replace("{recipient}", pl.col("r_first"), literal=True)
        )
    )
    fulfilled = ~open_ & pl.col("cancelled_at").is_null() & (pl.col("status") != "cancelled")
    return (
        o.with_columns(
            fulfilled.alias("fulfilled"),
            pl.when(fulfilled)
            .then(pl.col("local_at") + pl.duration(hours="ship_hours"))
            .alias("shipped_at"),
            pl.when(gift & msg).then(message).alias("gift_message"),
            pl.when(~gift & can("gift_message") & (pl.col("u_note") < 0.05))
            .then("note_text")
            .alias("note"),
            pl.when(gift).then("r_name").otherwise(buyer_name).alias("ship_name"),
            pl.when(~gift).then("address2").alias("ship_address2"),
            *[  # a gift goes to the recipient's address
                pl.when(gift & taobao).then(cn).when(gift).then(us).otherwise(own).alias(name)
                for name, (cn, us, own) in SHIP_TO.items()
            ],
            pl.when(mp == "shopify").then("channel").alias("channel"),
        )
        .with_columns(
            pl.when(taobao).then(pl.lit("CNY")).otherwise(pl.lit("USD")).alias("currency")
        )
        .select(ORDER_COLUMNS)
    )


ORDER_COLUMNS = [
    "order_key",
    "marketplace",
    "order_id",
    "record_no",
    "customer_key",
    "persona",
    "ordered_at",
    "local_at",
    "days_ago",
    "status",
    "fulfilled",
    "shipped_at",
    "cancelled_at",
    "refund_frac",
    "discount_code",
    "is_gift",
    "gift_message",
    "note",
    "ship_name",
    "ship_address1",
    "ship_address2",
    "ship_city",
    "ship_region",
    "ship_region_name",
    "ship_zip",
    "ship_country",
    "ship_country_name",
    "channel",
    "currency",
]


def make_lines(
    rng: np.random.Generator, orders: pl.DataFrame, products: pl.DataFrame
) -> pl.DataFrame:
    """Baskets: popular products, planted co-purchase sets, gift add-ons, Shopify tips."""
    n = orders.height
    keys = orders["order_key"].to_numpy()
    gift = orders["is_gift"].to_numpy()
    size = rng.choice([1, 2, 3, 4], size=n, p=[0.55, 0.27, 0.12, 0.06])
    pop = products["popularity"].to_numpy().astype(float)
    picks = pl.DataFrame(
        {
            "order_key": np.repeat(keys, size),
            "pos": np.arange(int(size.sum())) + 100,
            "sku": products["sku"].gather(rng.choice(len(pop), int(size.sum()), p=pop / pop.sum())),
        }
    )
    has_set = rng.random(n) < np.where(gift, 0.3, 0.2)
    bw = np.asarray(D.BUNDLE_WEIGHTS, dtype=float)
    which = rng.choice(len(D.BUNDLES), size=n, p=bw / bw.sum())
    sets = (
        pl.DataFrame({"order_key": keys, "set": [list(D.BUNDLES[i]) for i in which]})
        .filter(pl.Series(has_set))
        .explode("set")
        .with_columns(pl.int_range(pl.len()).over("order_key").alias("pos"))
        .rename({"set": "sku"})
    )
    addon = pl.DataFrame(
        {
            "order_key": keys,
            "sku": _pick(rng, ["GF-BOX", "GF-CARD"], n),
            "pos": 10**9,
        }  # after the picks
    ).filter(pl.Series(gift & (rng.random(n) < 0.35)))
    lines = (
        pl.concat(
            [sets, picks.cast({"pos": pl.Int64}), addon.cast({"pos": pl.Int64})],
            how="diagonal_relaxed",
        )
        .sort("order_key", "pos", maintain_order=True)
        .unique(["order_key", "sku"], keep="first", maintain_order=True)
    )
    lines = lines.with_columns(
        pl.Series("quantity", rng.choice([1, 2, 3], size=lines.height, p=[0.8, 0.14, 0.06])),
        pl.lit("product").alias("kind"),
    ).join(products, on="sku", how="left", maintain_order="left")
    tips = orders.select("order_key", "marketplace").filter(
        (pl.col("marketplace") == "shopify") & pl.Series(rng.random(n) < 0.03)
    )
    tips = tips.select(
        "order_key",
        pl.lit(2 * 10**9, pl.Int64).alias("pos"),
        pl.lit(None, pl.Utf8).alias("sku"),
        pl.lit(1).alias("quantity"),
        pl.lit("tip").alias("kind"),
        pl.lit("Tip").alias("name"),
        pl.Series(_pick(rng, [2.0, 3.0, 5.0], tips.height)).alias("price"),
    )
    lines = pl.concat([lines, tips], how="diagonal_relaxed").sort(
        "order_key", "pos", maintain_order=True
    )
    cny = orders.select("order_key", (pl.col("currency") == "CNY").alias("cny"))
    return (
        lines.join(cny, on="order_key", how="left", maintain_order="left")
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("order_key").cast(pl.Int32).alias("line_no"),
            pl.when(pl.col("cny"))
            .then((pl.col("price") * D.CNY_PER_USD).round(0))
            .otherwise("price")
            .alias("unit_price"),
            pl.col("quantity").cast(pl.Int32),
        )
        .with_columns((pl.col("unit_price") * pl.col("quantity")).round(2).alias("line_total"))
        .select(
            "order_key",
            "line_no",
            "kind",
            "sku",
            "name",
            "variant",
            "category",
            "quantity",
            "unit_price",
            "line_total",
            "compare_at",
            "cn_title",
        )
    )


def add_money(orders: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Subtotal, discount, shipping, total, refunded and net revenue of each order."""
    sums = lines.group_by("order_key").agg(
        pl.col("line_total").sum().round(2).alias("subtotal"),
        pl.col("line_total").filter(pl.col("kind") == "product").sum().alias("products_total"),
        pl.col("quantity").filter(pl.col("kind") == "product").sum().alias("items"),
    )
    pct = pl.col("discount_code").replace_strict(CODE_PCT, default=0.0, return_dtype=pl.Float64)
    o = orders.join(sums, on="order_key", how="left", maintain_order="left").with_columns(
        (pl.col("products_total") * pct).round(2).fill_null(0.0).alias("discount")
    )
    mp = pl.col("marketplace")
    free = (pl.col("subtotal") - pl.col("discount") >= D.FREE_SHIPPING_OVER) | (
        pl.col("discount_code") == "FREESHIP"
    ).fill_null(False)
    shipping = (
        pl.when(~can("shipping"))
        .then(0.0)
        .when(mp == "taobao")
        .then(pl.when(pl.col("subtotal") >= 99).then(0.0).otherwise(10.0))
        .when(free)
        .then(0.0)
        .when(pl.col("ship_country") == "US")
        .then(D.SHIPPING_FEE["domestic"])
        .otherwise(D.SHIPPING_FEE["international"])
    )
    o = o.with_columns(shipping.alias("shipping")).with_columns(
        (pl.col("subtotal") - pl.col("discount") + pl.col("shipping")).round(2).alias("total")
    )
    refunded = (
        pl.when(pl.col("status") == "refunded")
        .then(pl.col("total"))
        .when(pl.col("status") == "partially_refunded")
        .then((pl.col("total") * pl.col("refund_frac")).round(2))
        .otherwise(0.0)
    )
    return (
        o.with_columns(refunded.alias("refunded"))
        .with_columns(
            pl.when(pl.col("status") == "cancelled")
            .then(0.0)
            .otherwise(pl.col("total") - pl.col("refunded"))
            .round(2)
            .alias("net_revenue")
        )
        .drop("refund_frac")
    )
