"""Time the customer table, segments and tags on a big synthetic shop.

    python benchmarks/bench_customers.py [--customers 200000] [--seed 7]

Generates canonical order lines directly (about 5 lines per customer: ~1M lines for 200,000
customers) with numpy, stores them the way the workspace does (order_lines.parquet sorted by
ordered_at, source, order_id, line_no) and times customer_profiles() on a scan of that file,
stage by stage. Not part of the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import customer_profiles
from shopinsight.core.customers.segments import score_segments
from shopinsight.core.customers.table import customer_table
from shopinsight.core.customers.tag_features import tag_features
from shopinsight.core.schema import LINE_SCHEMA, conform
from shopinsight.core.shop_data import prepare


def generate(customers: int, seed: int) -> pl.DataFrame:
    """Canonical lines: skewed order counts, 500 SKUs in 12 categories, 2 years of dates."""
    rng = np.random.default_rng(seed)
    n_orders = np.minimum(rng.geometric(0.45, customers), 40)
    cust = np.repeat(np.arange(customers), n_orders)
    orders = len(cust)
    start = np.datetime64("2023-01-01T00:00:00", "s")
    first = rng.integers(0, 700 * 86400, customers)
    offset = first[cust] + rng.integers(0, 120 * 86400, orders) * (
        np.arange(orders) - np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    )
    at = start + np.minimum(offset, 730 * 86400).astype("timedelta64[s]")
    n_lines = rng.integers(1, 4, orders) + (rng.random(orders) < 0.15)
    order_idx = np.repeat(np.arange(orders), n_lines)
    lines = len(order_idx)
    sku = rng.zipf(1.3, lines) % 500
    qty = rng.integers(1, 4, lines)
    price = (5 + (sku % 37) * 1.5).astype(float)
    line_total = qty * price
    order_total = np.bincount(order_idx, weights=line_total)
    status = rng.choice(
        ["paid", "refunded", "partially_refunded", "cancelled"], orders, p=[0.9, 0.04, 0.03, 0.03]
    )
    refunded = np.where(
        status == "refunded", order_total, np.where(status == "partially_refunded", 5.0, 0.0)
    )
    code = np.where(rng.random(orders) < 0.3, "SAVE10", None)
    cid = np.char.add(np.char.add("c", cust.astype(str)), "@example.com")
    line_no = np.arange(lines) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    frame = pl.DataFrame(
        {
            "source": np.where(rng.random(orders) < 0.1, "etsy", "shopify")[order_idx],
            "order_id": order_idx.astype(str),
            "line_no": line_no.astype(np.int32),
            "line_kind": "product",
            "ordered_at": at[order_idx].astype("datetime64[us]"),
            "customer_id": cid[order_idx],
            "email": cid[order_idx],
            "customer_name": np.char.add("Customer ", cust.astype(str))[order_idx],
            "country": np.where(rng.random(customers) < 0.1, "DE", "US")[cust][order_idx],
            "postal_code": (10000 + cust % 5000).astype(str)[order_idx],
            "sku": np.char.add("SKU", sku.astype(str)),
            "product_name": np.char.add("Product ", sku.astype(str)),
            "variant": np.where(rng.random(lines) < 0.3, "L", "M"),
            "category": np.char.add("Cat ", (sku % 12).astype(str)),
            "quantity": qty.astype(np.int32),
            "unit_price": price,
            "line_total": line_total,
            "order_total": order_total[order_idx],
            "order_discount": np.where(code == "SAVE10", 2.0, 0.0)[order_idx],
            "refunded": refunded[order_idx],
            "currency": "USD",
            "status": status[order_idx],
            "discount_code": code[order_idx],
            "is_gift": (rng.random(orders) < 0.08)[order_idx],
            "accepts_marketing": (rng.random(customers) < 0.6)[cust][order_idx],
            "channel": np.where(rng.random(orders) < 0.05, "pos", "web")[order_idx],
        }
    ).with_columns(pl.col("ordered_at").dt.replace_time_zone("UTC"))
    return conform(frame, LINE_SCHEMA).collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    t0 = time.perf_counter()
    lines = generate(args.customers, args.seed)
    print(
        f"generated {lines.height:,} lines for {args.customers:,} customers "
        f"in {time.perf_counter() - t0:.2f} s"
    )
    config = defaults()
    as_of = dt.date(2024, 12, 31)
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "order_lines.parquet"
    lines.sort("ordered_at", "source", "order_id", "line_no").write_parquet(path)
    lf = pl.scan_parquet(path)

    t = time.perf_counter()
    data = prepare(lf, as_of, config)
    t_prep = time.perf_counter() - t
    t = time.perf_counter()
    table = customer_table(data)
    t_table = time.perf_counter() - t
    t = time.perf_counter()
    tag_features(data, config)
    t_feats = time.perf_counter() - t
    t = time.perf_counter()
    score_segments(table, config)
    t_seg = time.perf_counter() - t
    print(f"  prepare (orders, flags)  {t_prep:6.2f} s")
    print(f"  customer table           {t_table:6.2f} s")
    print(f"  tag features             {t_feats:6.2f} s")
    print(f"  segments                 {t_seg:6.2f} s")

    runs, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        prof = customer_profiles(lf, as_of, config)
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(
        f"customer_profiles: table {prof.table.height:,} customers, {prof.tags.height:,} tags, "
        f"fallback={prof.segments.fallback_used}\n  wall: best {min(runs):.2f} s "
        f"(runs {', '.join(f'{r:.2f}' for r in runs)}); CPU time of all threads: best "
        f"{min(cpu):.2f} s (target: wall < 3 s; on a busy machine CPU time is the fairer number)"
    )
    print(prof.segments.sizes.select("segment", "customers", "revenue_share"))


if __name__ == "__main__":
    main()
