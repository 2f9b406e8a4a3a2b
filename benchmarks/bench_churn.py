"""Time churn alerts and customer value, cold (backtest, training, fits), on a big synthetic shop.

    python benchmarks/bench_churn.py [--customers 200000] [--seed 1] [--runs 3]

Customers follow a buy-till-you-die pattern: each buys at their own pace (gamma-distributed
rates) until they silently drop out, over two years of history, with 1-3 lines per order,
a few discounted and refunded orders, and several countries. Each run reads the purchase history
once and computes churn then value on it, as a `Shop` does (a fresh history: nothing cached).
The target is under 10 CPU seconds for 200,000 customers on a two-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np
import polars as pl

from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.features import prepare_history
from shopinsight.core.churn.value import customer_value
from shopinsight.core.orders import lines_as_of
from shopinsight.core.schema import conform

START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
DAYS = 730


def synthetic_lines(customers: int, seed: int) -> pl.DataFrame:
    """Canonical order lines for `customers` buy-till-you-die customers."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, DAYS, customers)
    rate = rng.gamma(0.8, 1 / 40, customers)  # orders per day while alive
    life = rng.exponential(300, customers)  # days until they silently stop
    end = np.minimum(first + life, DAYS)
    expected = np.maximum(rate * (end - first), 0)
    n = 1 + rng.poisson(expected)
    cust = np.repeat(np.arange(customers), n)
    idx = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    span = np.repeat(end - first, n)
    offset = np.where(idx == 0, 0, rng.uniform(0, 1, n.sum()) * span)
    day = np.repeat(first, n) + offset  # offset < span, so every order is inside the two years
    orders = len(day)
    per_order = rng.integers(1, 4, orders)
    order_of_line = np.repeat(np.arange(orders), per_order)
    lines = len(order_of_line)
    price = np.round(rng.lognormal(2.8, 0.6, lines), 2)
    qty = rng.integers(1, 4, lines)
    countries = np.array(["US", "US", "US", "CA", "GB", "DE", "FR", "AU"])
    country = countries[rng.integers(0, len(countries), customers)]
    discounted = rng.random(orders) < 0.2
    refunded = rng.random(orders) < 0.03
    frame = pl.DataFrame(
        {
            "order_id": order_of_line.astype(str),
            "customer_n": cust[order_of_line],
            "ordered_at": pl.Series(
                np.datetime64(START.replace(tzinfo=None), "us")
                + (day[order_of_line] * 86_400_000_000).astype("m8[us]")
            ),
            "sku_n": rng.integers(0, 500, lines),
            "quantity": qty,
            "unit_price": price,
            "country": country[cust[order_of_line]],
            "discounted": discounted[order_of_line],
        }
    ).with_columns(
        pl.lit("bench").alias("source"),
        pl.format("c{}@example.com", "customer_n").alias("customer_id"),
        pl.format("SKU{}", "sku_n").alias("sku"),
        pl.int_range(pl.len()).over("order_id").add(1).alias("line_no"),
        pl.lit("product").alias("line_kind"),
        pl.col("ordered_at").dt.replace_time_zone("UTC"),
        pl.format("SKU{}", "sku_n").alias("product_name"),
        (pl.col("quantity") * pl.col("unit_price")).alias("line_total"),
        pl.lit("USD").alias("currency"),
        pl.lit("web").alias("channel"),
        pl.when(pl.col("discounted")).then(pl.lit("SAVE10")).alias("discount_code"),
    )
    frame = frame.with_columns(pl.col("line_total").sum().over("order_id").alias("order_total"))
    refund = pl.Series(refunded[order_of_line])
    frame = frame.with_columns(
        pl.when(refund).then(pl.col("order_total") * 0.5).otherwise(0.0).alias("refunded"),
        pl.when(refund)
        .then(pl.lit("partially_refunded"))
        .otherwise(pl.lit("paid"))
        .alias("status"),
    )
    return conform(frame).collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    lines = synthetic_lines(args.customers, args.seed)
    made = time.perf_counter() - started
    as_of = (START + dt.timedelta(days=DAYS - 1)).date()
    print(f"generated {lines.height:,} lines, {lines['order_id'].n_unique():,} orders, "
          f"{lines['customer_id'].n_unique():,} customers in {made:.1f} s")  # fmt: skip
    config = {"shop": {"currency": "USD"}}  # as a Shop hands it over: its currency chosen
    for run in range(1, args.runs + 1):
        started, cpu = time.perf_counter(), time.process_time()
        history = prepare_history(lines_as_of(lines.lazy(), as_of), config)
        read = time.process_time() - cpu
        result = churn_alerts(lines.lazy(), as_of, config, history=history)
        churned = time.process_time() - cpu
        value = customer_value(lines.lazy(), as_of, config, history=history)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        alerts = int(result.alerts["is_alert"].sum())
        print(
            f"run {run}: churn + value on {result.alerts.height:,} customers cold in {cpu:.2f} s "
            f"CPU ({read:.2f} reading, {churned - read:.2f} churn, {cpu - churned:.2f} value), "
            f"{took:.2f} s wall (method {result.method}, {alerts:,} to act on, value "
            f"{value.table['expected_value'].sum():,.0f})"
        )
    print(f"machine load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    bt = result.backtest
    model_auc = bt.model.auc if bt.model else float("nan")
    print(f"backtest as of {bt.as_of}: rule AUC {bt.rule.auc:.3f}, model AUC {model_auc:.3f}")
    print(result.method_reason)
    print("target: churn + value for 200,000 customers cold in under 10 s CPU")


if __name__ == "__main__":
    main()
