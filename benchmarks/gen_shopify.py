"""A big Shopify orders export (current 79-column layout) for import benchmarks.

    python benchmarks/gen_shopify.py [--lines 1000000] [--seed 7] [--out benchmarks/out/...]

One row per line item, as Shopify writes it: an order's first row carries every order field
(status, totals, addresses, notes, refunds…), continuation rows repeat only Name, Email,
Created at, the Lineitem fields, Vendor and Lineitem discount. Realistic mix: repeat customers,
multi-item baskets (about 1.7 lines per order), Q4 peak, `'`-prefixed ZIPs and phones, gift
messages in Notes, multi-line Note Attributes, discount codes, refunded / partially refunded /
voided orders with Refunded Amount and Cancelled at, open (unfulfilled) orders in the last days,
and a few Tip lines. Everything is drawn with NumPy arrays and rendered with Polars
expressions (no Python loop per row), then written with Polars' CSV writer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shopinsight.core.samples import data as D  # noqa: E402
from shopinsight.core.samples.render import money2, shop_time  # noqa: E402
from shopinsight.core.samples.writers import (  # noqa: E402
    SHOPIFY_COLUMNS,
    shopify_line_flags,
)

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_PATH = OUT / "shopify_orders_1m.csv"
END = dt.date(2026, 11, 20)

ADJECTIVES = [
    "Classic",
    "Organic",
    "Vintage",
    "Everyday",
    "Deluxe",
    "Mini",
    "Large",
    "Soft",
    "Handmade",
    "Linen",
    "Cotton",
    "Ceramic",
    "Wooden",
    "Glass",
    "Travel",
    "Studio",
]
NOUNS = [
    "Mug",
    "Candle",
    "Notebook",
    "Tote",
    "Scarf",
    "Teapot",
    "Blanket",
    "Poster",
    "Soap",
    "Planter",
    "Journal",
    "Bowl",
    "Pen",
    "Cushion",
    "Tea",
    "Apron",
]
CATEGORIES = ["Home", "Kitchen", "Stationery", "Bath", "Textiles", "Tea", "Gifts", "Garden"]
VARIANTS = [None, None, None, "S", "M", "L", "Blue", "Sand", "Sage"]  # fmt: skip


def _catalogue(rng: np.random.Generator) -> pl.DataFrame:
    n = len(ADJECTIVES) * len(NOUNS)
    idx = np.arange(n)
    price = np.round(np.exp(rng.normal(3.1, 0.6, n)) * 2) / 2  # ~$22 median, half-dollars
    return pl.DataFrame(
        {
            "p_name": [f"{ADJECTIVES[i // len(NOUNS)]} {NOUNS[i % len(NOUNS)]}" for i in idx],
            "p_variant": [VARIANTS[i % len(VARIANTS)] for i in idx],
            "p_sku": [f"SKU-{i:05d}" for i in idx],
            "p_vendor": [CATEGORIES[i % len(CATEGORIES)] for i in idx],
            "p_price": np.maximum(price, 3.0),
        }
    )  # a few hundred products: the list comprehensions run once per product, not per row


def _day_weights(days: int) -> np.ndarray:
    dates = pl.date_range(END - dt.timedelta(days=days - 1), END, eager=True)
    month = dates.dt.month().to_numpy()
    day = dates.dt.day().to_numpy()
    q4 = ((month == 11) & (day >= 15)) | ((month == 12) & (day <= 22))
    w = np.where(q4, 2.5, np.where(month == 1, 0.7, 1.0)) * np.linspace(0.7, 1.3, days)
    return w / w.sum()


def generate(path: Path = DEFAULT_PATH, n_lines: int = 1_000_000, seed: int = 7) -> dict:
    """Write the export; return what it holds (lines, orders, customers, bytes, seconds)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    products = _catalogue(rng)
    size = np.minimum(rng.geometric(0.6, int(n_lines / 1.6) + 1000), 8)
    cum = np.cumsum(size)
    n_orders = int(np.searchsorted(cum, n_lines) + 1)
    size = size[:n_orders]
    size[-1] -= int(cum[n_orders - 1] - n_lines)  # exactly n_lines rows
    n_customers = max(n_orders // 3, 1)
    repeaters = max(n_customers // 5, 1)
    customer = np.where(
        rng.random(n_orders) < 0.45,
        rng.integers(0, repeaters, n_orders),
        rng.integers(0, n_customers, n_orders),
    )
    days = 730
    day = rng.choice(days, size=n_orders, p=_day_weights(days))
    seconds = np.sort(day * 86_400 + rng.integers(0, 86_400, n_orders))
    start = dt.datetime.combine(END - dt.timedelta(days=days - 1), dt.time())
    u = rng.random(n_orders)
    status = np.select(
        [u < 0.03, u < 0.06, u < 0.08], ["refunded", "partially_refunded", "voided"], "paid"
    )
    recent = seconds >= (days - 3) * 86_400
    status = np.where(recent, "paid", status)
    place = rng.integers(0, len(D.PLACES), n_orders)
    gift = rng.random(n_orders) < 0.06
    orders = pl.DataFrame(
        {
            "o": np.arange(n_orders),
            "size": size,
            "customer": customer,
            "at": np.datetime64(start, "us") + (seconds * 1_000_000).astype("timedelta64[us]"),
            "status": status,
            "open": recent,
            "code": pl.Series(np.where(rng.random(n_orders) < 0.15, "WELCOME10", "")).replace(
                "", None
            ),
            "gift": gift,
            "note_kind": rng.integers(0, 20, n_orders),
            "place": place,
            "r_place": rng.integers(0, len(D.PLACES), n_orders),
            "refund_frac": rng.uniform(0.15, 0.6, n_orders),
            "ship_hours": rng.integers(20, 72, n_orders),
            "first": rng.integers(0, len(D.FIRST_NAMES), n_orders),
            "r_first": rng.integers(0, len(D.FIRST_NAMES), n_orders),
            "r_last": rng.integers(0, len(D.LAST_NAMES), n_orders),
            "source": rng.choice(["web", "web", "web", "iphone", "android"], n_orders),
        }
    )
    lines = pl.DataFrame(
        {
            "o": np.repeat(np.arange(n_orders), size),
            "pos": np.arange(n_lines) - np.repeat(cum[:n_orders] - size, size),
            "product": rng.zipf(1.4, n_lines) % products.height,
            "qty": rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3], n_lines),
            "tip": rng.random(n_lines) < 0.004,
        }
    )
    lines = pl.concat([lines, products[lines["product"]]], how="horizontal")
    lines = lines.with_columns(
        pl.when(pl.col("tip")).then(pl.lit(3.0)).otherwise("p_price").alias("price")
    ).with_columns((pl.col("price") * pl.col("qty")).alias("line_total"))
    money = lines.group_by("o").agg(
        pl.col("line_total").sum().alias("subtotal"),
        pl.col("line_total").filter(~pl.col("tip")).sum().alias("goods"),
    )
    places = pl.DataFrame(
        D.PLACES, schema=["city", "region", "region_name", "zip", "cc", "cn"], orient="row"
    )
    first_names = pl.Series(D.FIRST_NAMES)
    last_names = pl.Series(D.LAST_NAMES)
    orders = orders.join(money, on="o", maintain_order="left").with_columns(
        pl.when(pl.col("code").is_not_null())
        .then((pl.col("goods") * 0.10).round(2))
        .otherwise(0.0)
        .alias("discount"),
    )
    orders = orders.with_columns(
        pl.when(pl.col("subtotal") - pl.col("discount") >= 75)
        .then(0.0)
        .otherwise(5.95)
        .alias("shipping")
    )
    orders = orders.with_columns(
        (pl.col("subtotal") - pl.col("discount") + pl.col("shipping")).round(2).alias("total")
    ).with_columns(
        pl.when(pl.col("status") == "refunded")
        .then(pl.col("total"))
        .when(pl.col("status") == "partially_refunded")
        .then((pl.col("total") * pl.col("refund_frac")).round(2))
        .otherwise(0.0)
        .alias("refunded")
    )
    home = places[orders["place"]].select(pl.all().name.prefix("b_"))
    away = places[orders["r_place"]].select(pl.all().name.prefix("s_"))
    orders = pl.concat([orders, home, away], how="horizontal").with_columns(
        first_names.gather(orders["first"]).alias("fn"),
        last_names.gather(orders["customer"] % len(D.LAST_NAMES)).alias("ln"),
        pl.concat_str(
            first_names.gather(orders["r_first"]),
            pl.lit(" "),
            last_names.gather(orders["r_last"]),
        ).alias("recipient"),
    )
    stats = _write(path, orders, lines)
    stats.update(
        lines=n_lines,
        orders=n_orders,
        customers=int(orders["customer"].n_unique()),
        seconds=round(time.perf_counter() - t0, 2),
    )
    return stats


def _excel_text(zip_code: pl.Expr) -> pl.Expr:
    """Shopify's `'02118`: numeric ZIPs get a leading apostrophe so Excel keeps the zeros."""
    return (
        pl.when(zip_code.str.contains(r"^\d+$"))
        .then(pl.concat_str(pl.lit("'"), zip_code))
        .otherwise(zip_code)
    )


def _write(path: Path, orders: pl.DataFrame, lines: pl.DataFrame) -> dict:
    email = pl.format("customer{}@example.com", pl.col("customer"))
    created = shop_time(pl.col("at"))
    gift = pl.col("gift")
    bill_name = pl.concat_str("fn", pl.lit(" "), "ln")
    ship = {k: pl.when(gift).then(pl.col(f"s_{k}")).otherwise(pl.col(f"b_{k}"))
            for k in ("city", "region", "zip", "cc", "region_name")}  # fmt: skip
    street = pl.format("{} Maple St", pl.col("customer") % 900 + 10)
    ship_street = (
        pl.when(gift).then(pl.format("{} Oak Ave", pl.col("o") % 900 + 10)).otherwise(street)
    )
    order_id = (pl.col("o") * 7919 + 5_612_000_000_000).cast(pl.Utf8)
    phone = pl.when(pl.col("customer") % 3 == 0).then(
        pl.format("'+1 617-555-0{}", pl.col("customer") % 90 + 100)
    )
    fin = pl.col("status")
    cancelled = (fin == "voided") | ((fin == "refunded") & (pl.col("o") % 2 == 0))
    fulfilled = ~pl.col("open") & ~cancelled
    nk = pl.col("note_kind")
    notes = (
        pl.when(gift)
        .then(pl.format("Happy birthday {}! Love, {}", pl.col("recipient"), pl.col("fn")))
        .when(nk == 0)
        .then(pl.lit("Please leave at the back door."))
    )
    attrs = pl.when(nk == 1).then(pl.lit("utm_source: instagram\nutm_medium: social"))
    yes_no = pl.when(pl.col("customer") % 2 == 0).then(pl.lit("yes")).otherwise(pl.lit("no"))
    head = {
        "Financial Status": fin,
        "Paid at": pl.when(fin != "voided").then(shop_time(pl.col("at") + pl.duration(seconds=2))),
        "Fulfillment Status": pl.when(fulfilled)
        .then(pl.lit("fulfilled"))
        .otherwise(pl.lit("unfulfilled")),
        "Fulfilled at": pl.when(fulfilled).then(
            shop_time(pl.col("at") + pl.duration(hours="ship_hours"))
        ),
        "Accepts Marketing": yes_no,
        "Currency": pl.lit("USD"),
        "Subtotal": money2(pl.col("subtotal")),
        "Shipping": money2(pl.col("shipping")),
        "Taxes": pl.lit("0.00"),
        "Total": money2(pl.col("total")),
        "Discount Code": pl.col("code"),
        "Discount Amount": money2(pl.col("discount")),
        "Shipping Method": pl.when(pl.col("shipping") == 0)
        .then(pl.lit("Free Shipping"))
        .otherwise(pl.lit("Standard Shipping")),
        "Billing Name": bill_name,
        "Billing Street": street,
        "Billing Address1": street,
        "Billing City": pl.col("b_city"),
        "Billing Zip": _excel_text(pl.col("b_zip")),
        "Billing Province": pl.col("b_region"),
        "Billing Country": pl.col("b_cc"),
        "Billing Phone": phone,
        "Shipping Name": pl.when(gift).then(pl.col("recipient")).otherwise(bill_name),
        "Shipping Street": ship_street,
        "Shipping Address1": ship_street,
        "Shipping City": ship["city"],
        "Shipping Zip": _excel_text(ship["zip"]),
        "Shipping Province": ship["region"],
        "Shipping Country": ship["cc"],
        "Notes": notes,
        "Note Attributes": attrs,
        "Cancelled at": pl.when(cancelled).then(
            shop_time(pl.col("at") + pl.duration(hours=pl.col("ship_hours") // 4))
        ),
        "Payment Method": pl.lit("Shopify Payments"),
        "Payment Reference": pl.format("c{}.1", order_id),
        "Refunded Amount": money2(pl.col("refunded")),
        "Outstanding Balance": pl.lit("0.00"),
        "Id": order_id,
        "Tags": pl.when(pl.col("customer") % 50 == 0).then(pl.lit("VIP, wholesale")),
        "Risk Level": pl.lit("Low"),
        "Source": pl.col("source"),
        "Phone": phone,
        "Billing Province Name": pl.col("b_region_name"),
        "Shipping Province Name": ship["region_name"],
        "Payment ID": pl.format("r{}", order_id),
        "Payment References": pl.format("c{}.1", order_id),
    }
    order_cols = orders.select(
        "o", email.alias("Email"), created.alias("Created at"),
        *[expr.alias(name) for name, expr in head.items()],
    )  # fmt: skip
    tip = pl.col("tip")
    rows = lines.join(order_cols, on="o", how="left").join(
        orders.select("o", "open", (~pl.col("open")).alias("__shipped")), on="o", how="left"
    )
    first = pl.col("pos") == 0
    out = rows.sort(["o", "pos"], descending=[True, False]).select(
        [
            pl.format("#{}", pl.col("o") + 1001).alias("Name"),
            pl.col("Email"),
            pl.col("Created at"),
            pl.col("qty").alias("Lineitem quantity"),
            pl.when(tip)
            .then(pl.lit("Tip"))
            .otherwise(
                pl.concat_str("p_name", pl.lit(" - "), "p_variant", ignore_nulls=False).fill_null(
                    pl.col("p_name")
                )
            )
            .alias("Lineitem name"),
            money2(pl.col("price")).alias("Lineitem price"),
            pl.when(~tip).then("p_sku").alias("Lineitem sku"),
            *shopify_line_flags(tip, pl.col("__shipped")),
            pl.when(~tip).then("p_vendor").alias("Vendor"),
            pl.lit("0.00").alias("Lineitem discount"),
            *[pl.when(first).then(pl.col(name)).alias(name) for name in head],
        ]
    )
    out = out.select(
        [pl.col(c) if c in out.columns else pl.lit(None, pl.Utf8).alias(c) for c in SHOPIFY_COLUMNS]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(path, null_value="")
    return {"path": str(path), "bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    stats = generate(args.out, args.lines, args.seed)
    print(
        f"wrote {stats['path']}: {stats['lines']:,} lines, {stats['orders']:,} orders, "
        f"{stats['customers']:,} customers, {stats['bytes'] / 1e6:,.0f} MB "
        f"in {stats['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
