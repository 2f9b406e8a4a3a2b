"""Time cohorts + repeat + drivers on a big synthetic shop (goal: under 2 s warm at 1M lines).

    python benchmarks/bench_insights.py [--customers 200000] [--seed 7]

Uses the line generator of bench_customers.py (~1M lines for 200,000 customers), commits the
lines to a temporary workspace and times, through `Shop`:
- cold: the first `Shop` (its orders frame and every insight computed, then cached on disk);
- analyses: the pure insight functions alone on the view's orders and lines (the orders frame
  itself is shared with every other analysis and cached by `Shop`);
- warm: a new `Shop` on the same workspace (results read from the workspace cache).
Not part of the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_customers import generate  # noqa: E402

from shopinsight.core.insights.cohorts import cohort_grid  # noqa: E402
from shopinsight.core.insights.drivers import (  # noqa: E402
    DRIVERS,
    first_order_facts,
    repeat_drivers,
)
from shopinsight.core.insights.repeat import (  # noqa: E402
    new_vs_returning,
    repeat_curve,
    repeat_steps,
)
from shopinsight.core.insights.timeline import buyer_orders, visits  # noqa: E402
from shopinsight.core.shop import Shop  # noqa: E402
from shopinsight.core.workspace import Workspace  # noqa: E402

AS_OF = dt.date(2024, 12, 31)


def everything(shop: Shop) -> None:
    shop.cohorts("month")
    shop.cohorts("quarter")
    shop.repeat()
    for by in DRIVERS:
        shop.drivers(by)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    lines = generate(args.customers, args.seed)
    print(f"{lines.height:,} lines, {args.customers:,} customers")
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace.open(Path(folder) / "ws")
        ws.commit(lines, [])
        t = time.perf_counter()
        shop = Shop.open(ws, as_of=AS_OF)
        orders, view = shop.orders(), shop.lines()
        t_orders = time.perf_counter() - t
        t = time.perf_counter()
        everything(shop)
        t_cold = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        seen = visits(orders, AS_OF)
        buyers = buyer_orders(orders, seen)
        grid = cohort_grid(orders, "month", AS_OF, seen, buyers)
        repeat_steps(seen), repeat_curve(seen), new_vs_returning(orders, grid)
        facts = first_order_facts(orders, AS_OF, seen, buyers)
        repeat_drivers(orders, view, AS_OF, "product", facts)
        t_pure, cpu_pure = time.perf_counter() - t, time.process_time() - cpu
        t = time.perf_counter()
        everything(Shop.open(ws, as_of=AS_OF))
        t_warm = time.perf_counter() - t
    print(f"orders frame (shared with every analysis): {t_orders:.2f} s")
    print(f"cold, all insights (2 cohorts, repeat, 6 drivers) + caching: {t_cold:.2f} s")
    print(
        f"pure cohorts(month) + repeat + drivers(product) on the orders: {t_pure:.2f} s "
        f"({cpu_pure:.2f} s CPU)"
    )
    print(f"warm, all insights from a new Shop: {t_warm:.2f} s")


if __name__ == "__main__":
    main()
