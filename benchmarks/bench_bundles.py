"""Bundle mining at scale: shopinsight's Polars miner side by side with mlxtend.

    python benchmarks/bench_bundles.py [--lines 1000000] [--orders 300000] [--products 2000]
                                       [--min-support auto|F] [--mlxtend sparse,dense]
                                       [--skip-mlxtend]

Generates realistic baskets (Zipf-like product popularity, geometric basket sizes, repeat
customers, shipping and tip pseudo-lines, a few planted co-purchase pairs and triples), writes
them as canonical order lines to a Parquet file as a workspace would, then mines pairs and
triples in a fresh process per engine so each one's time and peak memory (max RSS) are its own.
shopinsight's time includes the bundle offers made from the sets (what `bundles --max-size 3`
computes); mlxtend runs fpgrowth + association_rules on the same baskets at the same minimum
support, from a sparse and from a dense one-hot table, and the results are checked for the same
itemsets and supports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shopinsight.core.schema import LINE_SCHEMA, conform  # noqa: E402

PLANTED_PAIRS = 12
PLANTED_TRIPLES = 4


def generate_lines(
    n_lines: int = 1_000_000, n_orders: int = 300_000, n_products: int = 2_000, seed: int = 7
) -> pl.DataFrame:
    """Canonical order lines of a synthetic shop with skewed popularity and planted bundles."""
    rng = np.random.default_rng(seed)
    pseudo = n_orders // 10  # one order in ten has a shipping or tip line
    planted_share = 0.06  # share of orders that carry a planted pair or triple
    n_planted = int(n_orders * planted_share)
    planted_extra = n_planted * 2.3
    product_lines = max(n_orders, int(n_lines - pseudo - planted_extra))
    # basket sizes: 1 + geometric, scaled so the total matches product_lines
    mean_extra = product_lines / n_orders - 1
    sizes = 1 + rng.geometric(1 / (1 + mean_extra), n_orders) - 1
    sizes = np.maximum(sizes, 1)
    order_of_line = np.repeat(np.arange(n_orders), sizes)
    # Zipf-like popularity with a flat head, so the best sellers are in ~5% of orders
    weights = 1.0 / (np.arange(n_products) + 15.0) ** 1.05
    weights /= weights.sum()
    sku_of_line = rng.choice(n_products, size=order_of_line.size, p=weights)

    # planted co-purchases among mid-popularity products
    mids = rng.permutation(np.arange(40, 600))
    groups = [mids[2 * i : 2 * i + 2] for i in range(PLANTED_PAIRS)]
    base = 2 * PLANTED_PAIRS
    groups += [mids[base + 3 * i : base + 3 * i + 3] for i in range(PLANTED_TRIPLES)]
    carrier = rng.choice(n_orders, size=n_planted, replace=False)
    which = rng.integers(0, len(groups), n_planted)
    extra_orders = [np.repeat(carrier[which == g], len(groups[g])) for g in range(len(groups))]
    extra_skus = [np.tile(groups[g], int((which == g).sum())) for g in range(len(groups))]
    order_of_line = np.concatenate([order_of_line, *extra_orders])
    sku_of_line = np.concatenate([sku_of_line, *extra_skus])

    n_customers = n_orders // 3  # mildly skewed: a few customers order much more often
    loyalty = 1.0 / (np.arange(n_customers) + 200.0)
    cust_of_order = rng.choice(n_customers, size=n_orders, p=loyalty / loyalty.sum())
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    order_time = np.sort(rng.integers(0, 730 * 86_400, n_orders))
    prices = np.round(rng.lognormal(2.6, 0.7, n_products), 2)

    products = pl.DataFrame(
        {
            "order_id": order_of_line.astype(np.int64),
            "sku_n": sku_of_line.astype(np.int64),
            "line_kind": "product",
        }
    )
    pseudo_orders = rng.choice(n_orders, size=pseudo, replace=False)
    extra = pl.DataFrame(
        {
            "order_id": pseudo_orders.astype(np.int64),
            "sku_n": np.full(pseudo, -1, dtype=np.int64),
            "line_kind": np.where(rng.random(pseudo) < 0.7, "shipping", "tip"),
        }
    )
    orders = pl.DataFrame(
        {
            "order_id": np.arange(n_orders, dtype=np.int64),
            "customer_n": cust_of_order.astype(np.int64),
            "seconds": order_time,
        }
    )
    price_of = pl.DataFrame({"sku_n": np.arange(n_products), "price": prices})
    lines = (
        pl.concat([products, extra])
        .join(orders, on="order_id")
        .join(price_of, on="sku_n", how="left")
        .sort("order_id", "line_kind")
        .with_columns(
            pl.col("order_id").cast(pl.Utf8).alias("order_id"),
            (pl.col("order_id").cum_count().over("order_id")).cast(pl.Int32).alias("line_no"),
            (pl.lit(start) + pl.duration(seconds=pl.col("seconds"))).alias("ordered_at"),
            ("c" + pl.col("customer_n").cast(pl.Utf8) + "@example.com").alias("customer_id"),
            pl.when(pl.col("sku_n") >= 0)
            .then(pl.format("SKU-{}", pl.col("sku_n").cast(pl.Utf8).str.zfill(4)))
            .alias("sku"),
            pl.when(pl.col("sku_n") >= 0)
            .then(pl.format("Product {}", pl.col("sku_n")))
            .otherwise(pl.col("line_kind").cast(pl.Utf8).str.to_titlecase())
            .alias("product_name"),
            pl.lit(1, pl.Int32).alias("quantity"),
            pl.when(pl.col("sku_n") >= 0).then(pl.col("price")).otherwise(4.5).alias("unit_price"),
            pl.lit("shopify").alias("source"),
            pl.lit("USD").alias("currency"),
            pl.lit("paid").alias("status"),
        )
        .with_columns(pl.col("unit_price").alias("line_total"))
        .with_columns(pl.col("line_total").sum().over("order_id").alias("order_total"))
    )
    return conform(lines, LINE_SCHEMA).collect()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _worker_polars(path: Path, min_support: float | None, out: Path) -> dict:
    """Mining, then the bundle offers as `bundles --max-size 3` makes them (reach, prices,
    segments over-indexing; the customers' segments given, as `Shop` hands them over)."""
    # imported here, outside the timing like polars' (the counting imports numpy lazily)
    import shopinsight.core.bundles.walk  # noqa: F401
    from shopinsight.core.bundles import bundle_offers, mine_itemsets

    lines = pl.scan_parquet(path)
    customers = (  # eight synthetic segments: offers check each against each bundle
        lines.select(pl.col("customer_id").unique())
        .with_columns(pl.format("S{}", pl.col("customer_id").hash() % 8).alias("segment"))
        .collect()
    )
    t0, c0 = time.perf_counter(), time.process_time()
    floor = 1 if min_support is not None else None  # a --min-orders alone would be the count
    result = mine_itemsets(lines, min_support=min_support, min_orders=floor, max_size=3)
    mined, mined_cpu = time.perf_counter() - t0, time.process_time() - c0
    offers = bundle_offers(lines, result, None, customers)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    result.itemsets.with_columns(pl.col("items").list.join("|")).write_parquet(out)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "mining_seconds": mined,
        "mining_cpu": mined_cpu,
        "offers": offers.height,
        "peak_mb": _peak_mb(),
        "itemsets": result.itemsets.height,
        "rules": result.rules.height,
        "n_orders": result.n_orders,
        "thresholds": result.thresholds,
    }


def _worker_mlxtend(path: Path, min_support: float, out: Path, dense: bool = False) -> dict:
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from scipy import sparse

    t0, c0 = time.perf_counter(), time.process_time()
    baskets = (  # the same baskets shopinsight mines: distinct products per order
        pl.scan_parquet(path)
        .filter((pl.col("line_kind") == "product") & pl.col("sku").is_not_null())
        .select("order_id", "sku")
        .unique()
        .collect()
    )
    orders = baskets["order_id"].cast(pl.Categorical).to_physical().to_numpy()
    skus = baskets["sku"].unique().sort()
    codes = baskets["sku"].cast(pl.Enum(skus)).to_physical().to_numpy()
    n_orders = int(orders.max()) + 1
    matrix = sparse.csr_matrix(
        (np.ones(codes.size, dtype=bool), (orders, codes)), shape=(n_orders, skus.len())
    )
    if dense:  # the one-hot table as mlxtend's examples build it
        onehot = pd.DataFrame(matrix.toarray(), columns=skus.to_list())
    else:
        onehot = pd.DataFrame.sparse.from_spmatrix(matrix, columns=skus.to_list())
    t1 = time.perf_counter()
    frequent = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=3)
    rules = association_rules(frequent, num_itemsets=n_orders, metric="confidence", min_threshold=0)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    pl.DataFrame(
        {
            "items": ["|".join(sorted(s)) for s in frequent["itemsets"]],
            "support": frequent["support"].to_numpy(),
        }
    ).write_parquet(out)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "mining_seconds": seconds - (t1 - t0),
        "peak_mb": _peak_mb(),
        "itemsets": len(frequent),
        "rules": len(rules),
    }


def _run_worker(engine: str, path: Path, min_support: float | None, out: Path) -> dict:
    """`engine` in its own process: polars, mlxtend (sparse) or mlxtend-dense."""
    cmd = [sys.executable, __file__, "--worker", engine, "--data", str(path), "--out", str(out)]
    if min_support is not None:
        cmd += ["--min-support", repr(min_support)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{engine} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument(
        "--min-support",
        default="auto,0.0001",
        help="comma-separated supports to run; auto = the shop-size default",
    )
    parser.add_argument("--skip-mlxtend", action="store_true")
    parser.add_argument(
        "--mlxtend", default="sparse,dense", help="mlxtend inputs to run: sparse, dense or both"
    )
    parser.add_argument(
        "--worker", choices=["polars", "mlxtend", "mlxtend-dense"], help=argparse.SUPPRESS
    )
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    supports = [None if s == "auto" else float(s) for s in args.min_support.split(",")]
    if args.worker == "polars":
        print(json.dumps(_worker_polars(args.data, supports[0], args.out), default=str))
        return
    if args.worker in ("mlxtend", "mlxtend-dense"):
        dense = args.worker == "mlxtend-dense"
        print(json.dumps(_worker_mlxtend(args.data, supports[0], args.out, dense)))
        return

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order_lines.parquet"
        t0 = time.perf_counter()
        lines = generate_lines(args.lines, args.orders, args.products)
        lines.write_parquet(path)
        product = lines.filter(pl.col("line_kind") == "product")
        print(
            f"generated {lines.height:,} lines ({product.height:,} product lines), "
            f"{lines['order_id'].n_unique():,} orders, {product['sku'].n_unique():,} products "
            f"in {time.perf_counter() - t0:.1f}s"
        )
        del lines, product
        for support in supports:
            kinds = [] if args.skip_mlxtend else args.mlxtend.split(",")
            _compare(path, support, Path(tmp), kinds)


def _compare(path: Path, support: float | None, tmp: Path, kinds: list[str]) -> None:
    """Mine (and make the offers) with shopinsight, then mlxtend at the same support; print
    both and check the itemsets and supports are the same."""
    ours = _run_worker("polars", path, support, tmp / "ours.parquet")
    used = ours["thresholds"]
    print(
        f"\nmin support {used['min_support']:.5f} = {used['min_orders']} of "
        f"{ours['n_orders']:,} orders ({'auto' if support is None else 'given'})"
    )
    print(
        f"  shopinsight {ours['seconds']:6.2f} s wall {ours['cpu']:6.2f} s CPU  "
        f"peak {ours['peak_mb']:5.0f} MB  {ours['itemsets']:,} itemsets (sizes 1-3), "
        f"{ours['rules']:,} rules, {ours['offers']:,} offers (mining alone "
        f"{ours['mining_seconds']:.2f} s wall, {ours['mining_cpu']:.2f} s CPU)"
    )
    for kind in kinds:
        engine = "mlxtend" if kind == "sparse" else "mlxtend-dense"
        # mlxtend at exactly the support our threshold stands for
        theirs = _run_worker(engine, path, used["min_support"], tmp / "theirs.parquet")
        print(
            f"  mlxtend {kind:<6} {theirs['seconds']:6.2f} s wall {theirs['cpu']:6.2f} s CPU  "
            f"peak {theirs['peak_mb']:5.0f} MB  {theirs['itemsets']:,} itemsets, "
            f"{theirs['rules']:,} rules (fpgrowth + association_rules alone: "
            f"{theirs['mining_seconds']:.2f} s)"
        )
        a = pl.read_parquet(tmp / "ours.parquet").select("items", "support")
        b = pl.read_parquet(tmp / "theirs.parquet")
        joined = a.join(b, on="items", how="full", coalesce=True)
        same = joined.height == a.height == b.height and bool(
            ((joined["support"] - joined["support_right"]).abs() < 1e-12).all()
        )
        print(
            f"    same itemsets and supports: {same}; mining + offers "
            f"{theirs['seconds'] / ours['seconds']:.1f}x faster in wall time, "
            f"{theirs['cpu'] / ours['cpu']:.1f}x in CPU (goal: ≥ 20x dense, ≥ 10x sparse)"
        )


if __name__ == "__main__":
    main()
