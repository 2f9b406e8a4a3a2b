"""A seeded, realistic sample shop, and its exports in every supported marketplace layout.

`generate_shop` makes one canonical truth: customers with personas (champion, loyal, one-timer,
gift buyer, discount hunter, night owl, seasonal, lapsing, plus newsletter-only sign-ups), a
catalogue with planted co-purchase sets, and two years of orders ending on a fixed day, with a
Q4 peak, refunds, cancellations, gift orders, discount codes and open orders in the last days.
Most customers buy on Shopify; a few also buy on WooCommerce or Etsy. `write_exports` renders
that truth in the real export layouts, and `expected_totals` says what importing each file must
give back, so the importers are tested against a known answer. Deterministic per seed.

The truth is built in `samples_truth` (customers, order times) and `samples_orders` (order
fields, baskets, money); the layouts are in `samples_writers` and `samples_writers_mp`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from shopinsight.core.samples import data as D
from shopinsight.core.samples.orders import add_money, finish_orders, make_lines
from shopinsight.core.samples.truth import make_customers, make_order_times

DEFAULT_END = dt.date(2026, 11, 20)


@dataclass(frozen=True)
class SampleShop:
    """The generated truth.

    customers: customer_key, persona, marketplace (main), second_marketplace, names, email,
      username, relay_email (Amazon), address, phone, accepts_marketing, tags.
    products: sku, name, variant, category, price (USD), popularity, compare_at, cn_title.
    orders: order_key, marketplace, order_id, customer_key, ordered_at (UTC), local_at (the
      marketplace's wall time), status, fulfilled, discount_code, discount, shipping, subtotal,
      total, refunded, net_revenue, currency, is_gift, gift_message, ship-to fields, ….
    lines: order_key, line_no, kind (product | tip), sku, name, variant, category, quantity,
      unit_price, line_total (in the order's currency).
    """

    customers: pl.DataFrame
    products: pl.DataFrame
    orders: pl.DataFrame
    lines: pl.DataFrame
    end: dt.date
    seed: int


def make_products() -> pl.DataFrame:
    """The catalogue; teaware and gift sets show a compare-at price (they are "on sale")."""
    frame = pl.DataFrame(
        D.PRODUCTS,
        schema=["sku", "name", "variant", "category", "price", "popularity", "cn_title"],
        orient="row",
    )
    return frame.with_columns(
        pl.when(pl.col("category").is_in(["Teaware", "Gifts"]) & (pl.col("price") > 20))
        .then((pl.col("price") * 1.25).round(0))
        .alias("compare_at"),
        pl.when(pl.col("variant") != "").then("variant").alias("variant"),
    )


def generate_shop(seed: int = 7, customers: int = 400, end: dt.date = DEFAULT_END) -> SampleShop:
    """Generate the sample shop: the same seed, size and end day always give the same shop."""
    rng = np.random.default_rng(seed)
    products = make_products()
    people = make_customers(rng, customers)
    times = make_order_times(rng, people, end)
    orders = finish_orders(rng, times, people.drop("marketplace", "second_marketplace"), end)
    lines = make_lines(rng, orders, products)
    orders = add_money(orders, lines)
    return SampleShop(people, products, orders, lines, end, seed)


def file_names(end: dt.date) -> dict[str, list[str]]:
    """Format name → the files `write_exports` writes for it."""
    stamp = end.strftime("%Y%m%d") + "1200"
    return {
        "shopify": ["orders_export_1.csv"],
        "shopify-customers": ["customers_export.csv"],
        "etsy": ["EtsySoldOrders.csv", "EtsySoldOrderItems.csv"],
        "woocommerce": ["woocommerce_orders_export.csv"],
        "amazon": ["amazon_fbm_order_report.txt"],
        "ebay": [f"eBay-OrdersReport-{end.strftime('%b-%d-%Y')}.csv"],
        "taobao": [f"ExportOrderList{stamp}.csv", f"ExportOrderDetailList{stamp}.csv"],
        "generic": ["generic_orders.csv"],
    }


FORMAT_NAMES = list(file_names(DEFAULT_END))
"""Every format `write_exports` can write, in the order it writes them."""


def write_exports(shop: SampleShop, folder: Path, formats: list[str] | None = None) -> list[Path]:
    """Write the shop's exports into `folder` (created if needed); return the files written."""
    from shopinsight.core.errors import InputError
    from shopinsight.core.samples.writers import WRITERS

    chosen = formats or FORMAT_NAMES
    unknown = [f for f in chosen if f not in WRITERS]
    if unknown:
        raise InputError(
            f"Unknown sample format: {', '.join(unknown)}", f"Use any of: {', '.join(WRITERS)}."
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = file_names(shop.end)
    written: list[Path] = []
    for fmt in chosen:
        if _has_data(shop, fmt):  # a tiny shop may have no orders on some marketplace
            written += WRITERS[fmt](shop, [folder / n for n in names[fmt]])
    return written


def _has_data(shop: SampleShop, fmt: str) -> bool:
    if fmt == "shopify-customers":
        return not shop.customers.filter(pl.col("marketplace") == "shopify").is_empty()
    return not shop.orders.filter(pl.col("marketplace") == fmt).is_empty()


def _totals(orders: pl.DataFrame) -> dict:
    return {
        "orders": orders.height,
        "customers": orders["customer_key"].n_unique(),
        "net_revenue": round(float(orders["net_revenue"].sum()), 2),
        "currency": orders["currency"].first() if orders.height else None,
        "cancelled": orders.filter(pl.col("status") == "cancelled").height,
        "refunded": round(float(orders["refunded"].sum()), 2),
        "open": orders.filter(~pl.col("fulfilled") & (pl.col("status") == "paid")).height,
        "gift_orders": orders.filter(pl.col("is_gift")).height,
    }


def expected_totals(shop: SampleShop) -> dict[str, dict]:
    """What importing each written file (or file set) must give back, keyed by file name.

    Each entry: format, files (the files imported together: Taobao's item report has no buyer
    and needs its order report), orders, customers, net_revenue (sum over orders of
    total − refunded, 0 for cancelled ones), currency, cancelled, refunded, open, gift_orders,
    and product_lines / items where the file has products. The Shopify customers export gives
    customers only (rows, with the newsletter-only sign-ups). Formats with no orders in this
    shop (possible in a tiny one) are left out, as `write_exports` does not write them.
    """
    names = file_names(shop.end)
    out: dict[str, dict] = {}
    product_lines = shop.lines.filter(pl.col("kind") == "product")
    for fmt, files in names.items():
        if not _has_data(shop, fmt):
            continue
        if fmt == "shopify-customers":
            rows = shop.customers.filter(pl.col("marketplace") == "shopify").height
            out[files[0]] = {"format": fmt, "files": files, "customers": rows}
            continue
        orders = shop.orders.filter(pl.col("marketplace") == fmt)
        lines = product_lines.join(orders.select("order_key"), on="order_key", how="semi")
        with_items = {"product_lines": lines.height, "items": int(lines["quantity"].sum())}
        for i, name in enumerate(files):
            order_level_only = fmt in ("etsy", "taobao") and i == 0
            entry = {"format": fmt, "files": [name], **_totals(orders)}
            if not order_level_only:
                entry.update(with_items)
            if fmt == "taobao" and i == 1:
                entry["files"] = files  # the item report needs the order report beside it
            out[name] = entry
    return out
