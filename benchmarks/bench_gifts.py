"""Time the gift picks, packing plan, exports and campaign report on a big synthetic shop.

    python benchmarks/bench_gifts.py [--customers 100000] [--open 5000] [--seed 7]

Generates canonical order lines with numpy (about 5 lines per customer), with `--open` paid,
unfulfilled orders on the last days and 8% gift orders, then times each stage of
the gift plan (profiles and bundles too, since the plan needs them; the orders to pack found
once and handed to `packing_plan`, as `gifts.plan.gift_parts` does) and the campaign report on
a seeded control group. Not part of the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from shopinsight.core.bundles import mine_itemsets, next_products, product_catalogue
from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.gifts.campaigns import assign_arms, campaign_report
from shopinsight.core.gifts.notes import preview_notes
from shopinsight.core.gifts.packing import (
    PREVIEW_POOL,
    mailmerge_csv,
    notes_html,
    packing_plan,
    picking_csv,
    plan_orders,
)
from shopinsight.core.gifts.policies import gift_picks, gift_policies
from shopinsight.core.schema import conform

FIRST = ["Ann", "Chiara", "小明", "José", "Zoë", "Bob", "Ingrid", "Olu"]


def generate(customers: int, open_orders: int, seed: int) -> pl.DataFrame:
    """Canonical lines: skewed order counts, 400 SKUs in 10 categories, 2 years of dates."""
    rng = np.random.default_rng(seed)
    n_orders = np.minimum(rng.geometric(0.45, customers), 30)
    cust = np.repeat(np.arange(customers), n_orders)
    orders = len(cust)
    start = np.datetime64("2023-01-01T00:00:00", "s")
    at = start + rng.integers(0, 728 * 86400, orders).astype("timedelta64[s]")
    recent = rng.choice(orders, min(open_orders, orders), replace=False)
    at[recent] = start + (728 * 86400 + rng.integers(0, 2 * 86400, len(recent))).astype(
        "timedelta64[s]"
    )
    fulfilled = np.ones(orders, dtype=bool)
    fulfilled[recent] = False
    n_lines = rng.integers(1, 4, orders)
    order_idx = np.repeat(np.arange(orders), n_lines)
    lines = len(order_idx)
    fav = rng.integers(0, 400, customers)
    sku = np.where(rng.random(lines) < 0.5, fav[cust][order_idx], rng.zipf(1.4, lines) % 400)
    qty = rng.integers(1, 3, lines)
    price = (4 + (sku % 31) * 2.5).astype(float)
    line_total = qty * price
    order_total = np.bincount(order_idx, weights=line_total)
    gift = rng.random(orders) < 0.08
    cid = np.char.add(np.char.add("c", cust.astype(str)), "@example.com")
    name = np.char.add(np.array(FIRST)[cust % len(FIRST)], np.char.add(" ", cust.astype(str)))
    frame = pl.DataFrame(
        {
            "source": "shopify",
            "order_id": order_idx.astype(str),
            "line_no": (np.arange(lines) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1),
            "line_kind": "product",
            "ordered_at": at[order_idx].astype("datetime64[us]"),
            "customer_id": cid[order_idx],
            "customer_name": name[order_idx],
            "shipping_name": np.where(gift, "Gift Recipient", name[cust])[order_idx],
            "city": "Milano",
            "postal_code": (10000 + cust % 5000).astype(str)[order_idx],
            "country": "IT",
            "sku": np.char.add("SKU", sku.astype(str)),
            "product_name": np.char.add("Product ", sku.astype(str)),
            "category": np.char.add("Cat ", (sku % 10).astype(str)),
            "quantity": qty,
            "unit_price": price,
            "line_total": line_total,
            "order_total": order_total[order_idx],
            "refunded": 0.0,
            "currency": "EUR",
            "status": "paid",
            "fulfilled": fulfilled[order_idx],
            "__coded": (rng.random(orders) < 0.25)[order_idx],
            "is_gift": gift[order_idx],
        }
    )
    frame = frame.with_columns(
        pl.col("ordered_at").dt.replace_time_zone("UTC"),
        pl.when(pl.col("__coded")).then(pl.lit("SAVE10")).alias("discount_code"),
        pl.when(pl.col("is_gift")).then(pl.lit("Tanti auguri!")).alias("gift_message"),
    )
    return conform(frame).collect()


def timed(label: str, fn: Callable[[], Any], times: dict[str, float]) -> Any:
    """Run `fn`, print and record its wall time (a label in parentheses is for reference)."""
    t0 = time.perf_counter()
    out = fn()
    times[label] = time.perf_counter() - t0
    print(f"  {label:<28} {times[label]:7.2f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    config = defaults()
    config["shop"].update(language="it", name="Bottega", currency="EUR")

    t0 = time.perf_counter()
    lines = generate(args.customers, args.open, args.seed)
    print(f"generated {lines.height:,} lines in {time.perf_counter() - t0:.1f} s")
    lazy = lines.lazy()
    as_of = lines["ordered_at"].max().date()
    times: dict[str, float] = {}
    prof = timed("customer_profiles", lambda: customer_profiles(lazy, as_of, config), times)
    table = prof.table
    cat = timed("product_catalogue", lambda: product_catalogue(lazy, "EUR"), times)
    rules = timed("mine_itemsets", lambda: mine_itemsets(lazy, config=config).rules, times)
    nexts = timed("next_products", lambda: next_products(lazy, rules, cat), times)
    timed("(gift_picks, all customers)", lambda: gift_picks(table, cat, nexts, lines, config), {})
    todo = timed("plan_orders (open)", lambda: plan_orders(lines, "open"), times)
    wanted = pl.col("customer_id").is_in(todo["customer_id"].implode())
    top = pl.col("monetary").rank("ordinal", descending=True).over("segment") <= PREVIEW_POOL
    subset = table.filter(wanted | top)
    picks = timed(
        "gift_picks (plan + previews)",
        lambda: gift_picks(subset, cat, nexts, lines, config),
        times,
    )
    gift_buyers = lines.filter(pl.col("is_gift") & ~pl.col("fulfilled"))["customer_id"].unique()
    gift_table = table.filter(pl.col("customer_id").is_in(gift_buyers.implode()))
    gpicks = timed(
        "gift_picks (gift orders)",
        lambda: gift_picks(gift_table, cat, nexts, lines, config, gift_orders=True),
        times,
    )
    plan = timed(
        "packing_plan",
        lambda: packing_plan(lines, table, picks, config, "open", gpicks, todo=todo),
        times,
    )
    timed(
        "preview_notes",
        lambda: preview_notes(table, picks, gift_policies(config), config),
        times,
    )
    timed("picking_csv", lambda: picking_csv(plan), times)
    timed("notes_html", lambda: notes_html(plan, config), times)
    timed("mailmerge_csv", lambda: mailmerge_csv(plan, config), times)
    members = timed("campaign assign_arms", lambda: assign_arms(plan, 0.2, 1), times)
    end = as_of + dt.timedelta(days=60)
    timed(
        "campaign_report",
        lambda: campaign_report(members, lazy, as_of - dt.timedelta(days=60), end, "EUR"),
        times,
    )

    ours = sum(
        v
        for k, v in times.items()
        if k.startswith(
            ("plan_orders", "gift", "packing", "preview", "picking", "notes", "mail", "campaign")
        )
    )
    gifts = plan.filter(pl.col("gift").is_not_null())
    print(
        f"\n{table.height:,} customers, {plan.height:,} open orders, {gifts.height:,} gifts, "
        f"{plan.filter(pl.col('note') != '').height:,} notes; budgets respected: "
        f"{bool((gifts['gift_cost'] <= gifts['budget']).all())}"
    )
    total = sum(times.values())
    print(f"gift + packing + export + campaign stages: {ours:.2f} s; all stages: {total:.2f} s")


if __name__ == "__main__":
    main()
