"""Time the customer table, segments and tags on a big synthetic shop.

    python benchmarks/bench_customers.py [--customers 200000] [--seed 7] [--rounds 3]
                                         [--save DIR | --compare DIR]

Generates canonical order lines directly (about 5 lines per customer: ~1M lines for 200,000
customers) with numpy, stores them the way the workspace does (order_lines.parquet sorted by
ordered_at, source, order_id, line_no) and times customer_profiles() on a scan of that file,
stage by stage, and against the floor: `polars_baseline`, a plain Polars customer table from
the same file (CPU time of all threads, best of alternating runs; goal ≤ 1.2×). The load
average is printed before and after: the machine may be shared. Not part of the tests.

`--save DIR` writes the full profiles of the generated shop (table, tags, replenishment, stats,
segments); `--compare DIR` checks a later version of the code gives the same (floats to 1e-12
relative, as two runs of the same code differ in a float mean's last bit; tags as a set).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from shopinsight.core.config import defaults
from shopinsight.core.customers.profiles import CustomerProfiles, customer_profiles
from shopinsight.core.customers.segments import score_segments
from shopinsight.core.customers.table import customer_table
from shopinsight.core.customers.tag_features import tag_features
from shopinsight.core.orders import as_of_end
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
            "discount_code": np.where(code == "SAVE10", "SAVE10", "")[order_idx],
            "is_gift": (rng.random(orders) < 0.08)[order_idx],
            "accepts_marketing": (rng.random(customers) < 0.6)[cust][order_idx],
            "channel": np.where(rng.random(orders) < 0.05, "pos", "web")[order_idx],
        }
    ).with_columns(
        pl.col("ordered_at").dt.replace_time_zone("UTC"),
        pl.col("discount_code").replace("", None),  # numpy has no text with nulls
    )
    return conform(frame, LINE_SCHEMA).collect()


def polars_baseline(lf: pl.LazyFrame, as_of: dt.date) -> pl.DataFrame:
    """The floor: a plain Polars customer table from the same lines in one lazy query.

    The customer table's core columns (orders, frequency, first and last order, net spend,
    items, AOV, recency, tenure, favourite SKU, R/F/M quintiles) by the same purchase rule
    (a buyer, not cancelled, refunded or returned; net of refunds), without the habits, tags,
    segments and explanations the real table adds."""
    product = pl.col("line_kind") == "product"
    lines = lf.filter(pl.col("ordered_at") < as_of_end(as_of))
    orders = (
        lines.group_by("source", "store", "order_id")
        .agg(
            pl.col("customer_id", "ordered_at", "status", "order_total", "refunded").first(),
            pl.col("quantity").filter(product).sum().alias("items"),
        )
        .filter(
            pl.col("customer_id").is_not_null()
            & ~pl.col("status").is_in(["cancelled", "refunded", "returned"])
        )
        .with_columns((pl.col("order_total") - pl.col("refunded").fill_null(0)).alias("net"))
    )
    favourite = (
        lines.filter(product & pl.col("sku").is_not_null() & pl.col("customer_id").is_not_null())
        .group_by("customer_id", "sku")
        .agg(pl.len().alias("n"), pl.col("quantity").sum().alias("units"))
        .sort(["n", "units", "sku"], descending=[True, True, False])
        .group_by("customer_id", maintain_order=True)
        .agg(pl.col("sku").first().alias("favorite_sku"))
    )
    day = pl.lit(as_of)
    quintile = lambda e: (e.rank("ordinal") * 5 / pl.len()).ceil().cast(pl.Int8)  # noqa: E731
    return (
        orders.group_by("customer_id")
        .agg(
            pl.len().alias("orders"),
            pl.col("ordered_at").dt.date().n_unique().alias("frequency"),
            pl.col("ordered_at").min().alias("first_order"),
            pl.col("ordered_at").max().alias("last_order"),
            pl.col("net").sum().round(2).alias("monetary"),
            pl.col("items").sum(),
        )
        .with_columns(
            (pl.col("monetary") / pl.col("orders")).alias("aov"),
            (day - pl.col("last_order").dt.date()).dt.total_days().alias("recency_days"),
            (day - pl.col("first_order").dt.date()).dt.total_days().alias("tenure_days"),
        )
        .join(favourite, on="customer_id", how="left")
        .with_columns(
            quintile(-pl.col("recency_days")).alias("r_score"),
            quintile(pl.col("frequency")).alias("f_score"),
            quintile(pl.col("monetary")).alias("m_score"),
        )
        .collect()
    )


def _profile_parts(prof: CustomerProfiles) -> dict[str, pl.DataFrame]:
    return {"table": prof.table, "tags": prof.tags, "replenishment": prof.replenishment}


def _profile_meta(prof: CustomerProfiles) -> dict[str, object]:
    sizes = prof.segments.sizes.to_dicts()
    return json.loads(
        json.dumps(
            {
                "stats": prof.stats,
                "notes": prof.notes,
                "currency": prof.currency,
                "cut_points": prof.segments.cut_points,
                "note": prof.segments.note,
                "sizes": sizes,
            },
            default=str,
            sort_keys=True,
        )
    )


def save(prof: CustomerProfiles, folder: Path) -> None:
    """The full profiles, for `compare` after a change."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in _profile_parts(prof).items():
        frame.write_parquet(folder / f"{name}.parquet")
    (folder / "meta.json").write_text(json.dumps(_profile_meta(prof), sort_keys=True))
    print(f"saved the profiles to {folder}")


def compare(prof: CustomerProfiles, folder: Path) -> bool:
    """Whether the profiles equal the saved ones: every column exact but floats (to 1e-12
    relative: a float mean's last bit depends on the order threads add in), tags as a set."""
    from polars.testing import assert_frame_equal

    same = True
    for name, now in _profile_parts(prof).items():
        before = pl.read_parquet(folder / f"{name}.parquet")
        if name == "tags":
            before, now = before.sort(pl.all()), now.sort(pl.all())
        try:
            assert_frame_equal(before, now, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)
            inexact = [c for c in now.columns if not before[c].equals(now[c], null_equal=True)]
            close = f" (floats to 1e-12: {', '.join(inexact)})" if inexact else ""
            print(f"  {name} {now.shape}: same{close}")
        except AssertionError as e:
            same = False
            print(f"  {name}: DIFFERENT {before.shape} -> {now.shape}\n{str(e)[:1000]}")
    meta = json.loads((folder / "meta.json").read_text())
    same_meta = meta == _profile_meta(prof)
    print(f"  stats, notes, cut points, segment sizes: {'same' if same_meta else 'DIFFERENT'}")
    return same and same_meta


def _cpu() -> float:
    """CPU time of every thread of this process (Polars works in a thread pool)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="alternating timed runs")
    parser.add_argument("--save", type=Path, help="write the full profiles here")
    parser.add_argument("--compare", type=Path, help="check the profiles equal saved ones")
    args = parser.parse_args()
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
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

    runs, cpu, floor, table_cpu = [], [], [], []
    for _ in range(args.rounds):  # alternating, so a busy moment hits both alike
        c = _cpu()
        base = polars_baseline(lf, as_of)
        floor.append(_cpu() - c)
        c = _cpu()
        customer_table(prepare(lf, as_of, config))
        table_cpu.append(_cpu() - c)
        t, c = time.perf_counter(), _cpu()
        prof = customer_profiles(lf, as_of, config)
        runs.append(time.perf_counter() - t)
        cpu.append(_cpu() - c)
    print(
        f"customer_profiles: table {prof.table.height:,} customers, {prof.tags.height:,} tags, "
        f"fallback={prof.segments.fallback_used}\n  wall: best {min(runs):.2f} s "
        f"(runs {', '.join(f'{r:.2f}' for r in runs)}); CPU time of all threads: best "
        f"{min(cpu):.2f} s (on a busy machine CPU time is the fairer number)"
    )
    print(
        f"plain Polars customer table (polars_baseline, {base.height:,} customers): best "
        f"{min(floor):.2f} s CPU\n  prepare + customer table: {min(table_cpu):.2f} s CPU = "
        f"{min(table_cpu) / min(floor):.2f}× the floor; customer_profiles (table + tags + "
        f"segments): {min(cpu) / min(floor):.2f}× (goal ≤ 1.2×)"
    )
    print(prof.segments.sizes.select("segment", "customers", "revenue_share"))
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    if args.save:
        save(prof, args.save)
    if args.compare and not compare(prof, args.compare):
        sys.exit(1)


if __name__ == "__main__":
    main()
