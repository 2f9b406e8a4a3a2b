"""The sample shop's truth: who the customers are, when they order, what they buy and pay.

NumPy draws the randomness (one seeded generator, array-wide draws, no loop over rows) and
Polars assembles the frames. Each customer's orders follow their persona: regular buyers order
at a personal rhythm up to a recent day (lapsing ones stopped long ago), one-timers and gift
buyers follow the shop's seasonality (a Q4 peak around Black Friday), seasonal buyers order only
in the holiday weeks. Prices, shipping, discounts and refunds then make each order's money.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import polars as pl

from shopinsight.core.samples import data as D

HORIZON_DAYS = 730
OPEN_DAYS = 3
"""Orders placed in the last OPEN_DAYS days (and on the end day) are not shipped yet."""

CODE_PCT = {
    "BFCM25": 0.25, "HOLIDAY20": 0.20, "WELCOME10": 0.10, "VIP15": 0.15,
    "SPRING15": 0.15, "TEATIME10": 0.10, "FREESHIP": 0.0,
}  # fmt: skip
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 5, 5, 6, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3]
NIGHT_HOURS = [22, 23, 0, 1, 2, 3, 4]
SOURCES = ["web", "iphone", "android", "shopify_draft_order", "580111"]
SOURCE_WEIGHTS = [0.78, 0.1, 0.06, 0.03, 0.03]


def _ascii(name: str) -> str:
    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat if ch.isalnum()).lower()


def _pick(rng: np.random.Generator, values: list, n: int, p: list[float] | None = None) -> list:
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=probs)].tolist()


def _dedupe(expr: pl.Expr) -> pl.Expr:
    """Make a text column unique by suffixing repeats with their running count."""
    n = pl.int_range(pl.len()).over(expr)
    return pl.when(n == 0).then(expr).otherwise(pl.concat_str(expr, n.cast(pl.Utf8)))


def _either(cond: pl.Expr, yes: pl.Expr | str, no: pl.Expr | str) -> pl.Expr:
    yes = pl.col(yes) if isinstance(yes, str) else yes
    no = pl.col(no) if isinstance(no, str) else no
    return pl.when(cond).then(yes).otherwise(no)


def make_customers(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Customers: identity per marketplace (email, username, Amazon relay), address, persona."""
    personas = list(D.PERSONAS)
    persona = np.asarray(_pick(rng, personas, n, [D.PERSONAS[p]["share"] for p in personas]))
    market = np.asarray(_pick(rng, D.MARKETPLACES, n, D.MARKET_WEIGHTS))
    # Night owls need order times (Shopify has them); subscribers are Shopify sign-ups.
    market = np.where(np.isin(persona, ["night_owl", "subscriber"]), "shopify", market)
    repeat = ~np.isin(persona, ["one_timer", "subscriber"])
    two = (market == "shopify") & repeat & (rng.random(n) < 0.08)
    other = np.asarray(_pick(rng, D.SECOND_MARKETS, n))
    second = np.where(two, other, None)  # type: ignore[call-overload]  # numpy's stub omits None
    n_last = len(D.LAST_NAMES)
    combos = len(D.FIRST_NAMES) * n_last
    combo = rng.choice(combos, size=n, replace=n > combos)
    places = pl.DataFrame(
        D.PLACES, schema=["city", "region", "region_name", "zip", "cc", "cn"], orient="row"
    )
    cn = pl.DataFrame(D.CN_PLACES, schema=["cn_city", "cn_region", "cn_zip"], orient="row")
    relay = np.asarray(_pick(rng, list("abcdefghjkmnpqrstvwxyz0123456789"), n * 15))
    base = pl.DataFrame(
        {
            "customer_key": np.arange(n),
            "persona": persona.tolist(),
            "marketplace": market.tolist(),
            "second_marketplace": pl.Series(second.tolist(), dtype=pl.Utf8),
            "first_name": pl.Series(D.FIRST_NAMES)[combo // n_last],
            "last_name": pl.Series(D.LAST_NAMES)[combo % n_last],
            "a_first": pl.Series([_ascii(x) for x in D.FIRST_NAMES])[combo // n_last],
            "a_last": pl.Series([_ascii(x) for x in D.LAST_NAMES])[combo % n_last],
            "style": rng.integers(0, 3, n),
            "digits": pl.Series(rng.integers(10, 99, n)).cast(pl.Utf8),
            "domain": _pick(rng, D.EMAIL_DOMAINS, n),
            "relay": ["".join(r) for r in relay.reshape(n, 15)],
            "cn_nick": _pick(rng, D.CN_NICK_WORDS, n),
            "cn_first": _pick(rng, D.CN_GIVEN, n),
            "cn_last": _pick(rng, D.CN_SURNAMES, n),
            "street_no": rng.integers(2, 990, n),
            "street": _pick(rng, D.STREETS, n),
            "cn_street": _pick(rng, D.CN_STREETS, n),
            "apt": np.where(rng.random(n) < 0.2, rng.integers(1, 30, n), 0),
            "has_phone": rng.random(n) < 0.35,
            "phone_tail": rng.integers(100, 199, n),
            "accepts_marketing": rng.random(n) < 0.55,
            "mixed_case": rng.random(n) < 0.05,
            "shopify_id": 7_100_000_000_000 + rng.integers(0, 899_999_999_999, n),
            "wholesale": rng.random(n) < 0.03,
        }
    )
    weights = np.asarray(D.PLACE_WEIGHTS) / sum(D.PLACE_WEIGHTS)
    base = pl.concat(
        [base, places[rng.choice(len(D.PLACES), size=n, p=weights)],
         cn[rng.integers(0, len(D.CN_PLACES), n)]],
        how="horizontal",
    )  # fmt: skip
    tb = pl.col("marketplace") == "taobao"
    local = (
        pl.when(pl.col("style") == 0)
        .then(pl.concat_str("a_first", pl.lit("."), "a_last"))
        .when(pl.col("style") == 1)
        .then(pl.concat_str(pl.col("a_first").str.slice(0, 1), "a_last"))
        .otherwise(pl.concat_str("a_first", "a_last", "digits"))
    )
    street_no = pl.col("street_no").cast(pl.Utf8)
    out = base.with_columns(
        _dedupe(pl.concat_str(local, pl.lit("@"), "domain")).alias("email"),
        _dedupe(pl.concat_str("a_first", pl.col("a_last").str.slice(0, 4), "digits")).alias("u"),
    ).select(
        "customer_key",
        "persona",
        "marketplace",
        "second_marketplace",
        _either(tb, "cn_last", "first_name").alias("first_name"),  # 姓 first in Chinese names
        _either(tb, "cn_first", "last_name").alias("last_name"),
        "email",
        _either(pl.col("mixed_case"), pl.col("email").str.to_titlecase(), "email").alias(
            "email_as_typed"
        ),
        _either(tb, pl.concat_str(pl.lit("tb_"), "cn_nick", "digits", "customer_key"), "u").alias(
            "username"
        ),
        pl.concat_str("relay", pl.lit("@marketplace.amazon.com")).alias("relay_email"),
        _either(
            tb,
            pl.concat_str("cn_street", street_no, pl.lit("号")),
            pl.concat_str(street_no, pl.lit(" "), "street"),
        ).alias("address1"),
        pl.when((pl.col("apt") > 0) & ~tb).then(pl.format("Apt {}", "apt")).alias("address2"),
        _either(tb, "cn_city", "city").alias("city"),
        _either(tb, "cn_region", "region").alias("region"),
        _either(tb, pl.lit(""), "region_name").alias("region_name"),
        _either(tb, "cn_zip", "zip").alias("postal_code"),
        _either(tb, pl.lit("CN"), "cc").alias("country"),
        _either(tb, pl.lit("China"), "cn").alias("country_name"),
        pl.when(tb)
        .then(pl.format("138{}", pl.col("shopify_id") % 100_000_000))
        .when(pl.col("has_phone"))
        .then(pl.format("+1 617-555-0{}", "phone_tail"))
        .alias("phone"),
        "accepts_marketing",
        pl.col("shopify_id").cast(pl.Utf8).alias("shopify_customer_id"),
        pl.concat_list(
            pl.when(pl.col("persona") == "champion").then(pl.lit("VIP")),
            pl.when(pl.col("accepts_marketing")).then(pl.lit("newsletter")),
            pl.when(pl.col("wholesale")).then(pl.lit("wholesale-inquiry")),
        )
        .list.drop_nulls()
        .alias("tags"),
    )
    subscriber = pl.col("persona") == "subscriber"
    return out.with_columns(  # sign-ups leave only an email (and consent)
        *[pl.when(~subscriber).then(pl.col(c)).alias(c) for c in ("first_name", "last_name")],
        pl.when(subscriber).then(True).otherwise("accepts_marketing").alias("accepts_marketing"),
        pl.when(subscriber).then(pl.lit(["newsletter"])).otherwise("tags").alias("tags"),
    )


def _thanksgiving(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    return nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21)


def day_weights(end: dt.date) -> pl.DataFrame:
    """Per day of the horizon (offset 0 = end day): how likely an order is, by kind of buyer."""
    days = pl.DataFrame({"offset": np.arange(HORIZON_DAYS)}).with_columns(
        (pl.lit(end) - pl.duration(days=pl.col("offset"))).alias("date")
    )
    bfcm = [_thanksgiving(y) for y in range(end.year - 3, end.year + 1)]
    m, d = pl.col("date").dt.month(), pl.col("date").dt.day()
    in_bfcm = pl.any_horizontal(
        pl.col("date").is_between(t, t + dt.timedelta(days=4)) for t in bfcm
    )
    holiday = ((m == 11) & (d >= 15)) | ((m == 12) & (d <= 22))
    valentine = (m == 2) & (d <= 13)
    mothers = (m == 5) & (d <= 10)
    growth = 0.75 + 0.5 * (1 - pl.col("offset") / HORIZON_DAYS)
    season = (
        pl.when(in_bfcm)
        .then(4.0)
        .when(holiday)
        .then(2.4)
        .when(m == 1)
        .then(0.7)
        .when(valentine | mothers)
        .then(1.3)
        .otherwise(1.0)
    )
    gift = pl.when(holiday | in_bfcm).then(4.0).when(valentine | mothers).then(2.5).otherwise(0.3)
    return days.with_columns(
        (growth * season).alias("season"),
        (growth * gift).alias("gift"),
        pl.when(holiday | in_bfcm).then(1.0).otherwise(0.0).alias("holiday"),
        in_bfcm.alias("bfcm"),
        holiday.alias("in_holiday"),
    )


def day_flags(end: dt.date) -> pl.DataFrame:
    """Per local day: inside Black Friday–Cyber Monday, inside the holiday weeks."""
    return day_weights(end).select(pl.col("date").alias("local_day"), "bfcm", "in_holiday")


def _draw_days(rng: np.random.Generator, weights: pl.Series, n: int) -> np.ndarray:
    p = weights.to_numpy()
    return rng.choice(len(p), size=n, p=p / p.sum())


def make_order_times(
    rng: np.random.Generator, customers: pl.DataFrame, end: dt.date
) -> pl.DataFrame:
    """One row per order: customer, marketplace, days before the end day, local wall time."""
    spec = [D.PERSONAS[p] for p in customers["persona"]]
    lo = np.array([s["n"][0] for s in spec])
    hi = np.array([s["n"][1] for s in spec])
    n = rng.integers(lo, hi + 1)
    mode = np.array([s["mode"] for s in spec])
    gap = rng.uniform(
        [s.get("gap", (0, 0))[0] for s in spec], [s.get("gap", (0, 0))[1] for s in spec]
    )
    rec = rng.uniform(
        [s.get("recency", (0, 0))[0] for s in spec], [s.get("recency", (0, 0))[1] for s in spec]
    )
    total = int(n.sum())
    cust = np.repeat(np.arange(len(n)), n)
    k = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    g = gap[cust]
    regular = rec[cust] + (n[cust] - 1 - k) * g + rng.normal(0, 0.12, total) * g
    w = day_weights(end)
    days = np.select(
        [mode[cust] == "regular", mode[cust] == "gift", mode[cust] == "holiday"],
        [regular, _draw_days(rng, w["gift"], total), _draw_days(rng, w["holiday"], total)],
        _draw_days(rng, w["season"], total),
    )
    days = np.rint(np.clip(days, 0, None)).astype(np.int64)
    night = (customers["persona"].to_numpy()[cust] == "night_owl") & (rng.random(total) < 0.85)
    hour = np.where(
        night,
        np.asarray(NIGHT_HOURS)[rng.integers(0, len(NIGHT_HOURS), total)],
        rng.choice(24, size=total, p=np.asarray(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)),
    )
    main = customers["marketplace"].to_numpy()[cust]
    second = customers["second_marketplace"].to_numpy()[cust]
    on_second = second.astype(bool) & (rng.random(total) < 0.4)  # None → False
    frame = pl.DataFrame(
        {
            "customer_key": cust,
            "k": k,
            "days_ago": days,
            "hour": hour,
            "minute": rng.integers(0, 60, total),
            "second": rng.integers(0, 60, total),
            "marketplace": np.where(on_second, second, main).tolist(),
            "main": main.tolist(),
            "second_mp": pl.Series(second.tolist(), dtype=pl.Utf8),
        }
    ).filter(pl.col("days_ago") < HORIZON_DAYS)
    # A two-shop customer buys at least once on each shop.
    newest = pl.col("k") == pl.col("k").max().over("customer_key")
    oldest = pl.col("k") == pl.col("k").min().over("customer_key")
    none_second = ~(pl.col("marketplace") == pl.col("second_mp")).any().over("customer_key")
    none_main = ~(pl.col("marketplace") == pl.col("main")).any().over("customer_key")
    frame = frame.with_columns(
        pl.when(pl.col("second_mp").is_not_null() & newest & none_second)
        .then("second_mp")
        .when(pl.col("second_mp").is_not_null() & oldest & none_main)
        .then("main")
        .otherwise("marketplace")
        .alias("marketplace")
    )
    frame = frame.join(
        customers.select("customer_key", "persona"), on="customer_key", maintain_order="left"
    )
    # Every shop that can have open orders gets some in its last days.
    movable = (pl.col("persona") == "one_timer") & pl.col("marketplace").is_in(
        ["shopify", "etsy", "taobao", "woocommerce"]
    )
    latest = pl.col("days_ago").rank("ordinal").over(movable, "marketplace") - 1
    frame = frame.with_columns(
        pl.when(movable & (latest < 2)).then(latest).otherwise("days_ago").alias("days_ago")
    )
    hour_cap = pl.when(pl.col("days_ago") == 0).then(pl.min_horizontal("hour", 17))
    return frame.with_columns(
        (
            pl.lit(dt.datetime.combine(end, dt.time()))
            - pl.duration(days=pl.col("days_ago"))
            + pl.duration(
                hours=hour_cap.otherwise("hour"), minutes=pl.col("minute"), seconds="second"
            )
        ).alias("local_at")
    ).drop("minute", "second", "main", "second_mp")
