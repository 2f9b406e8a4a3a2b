"""A view's lines keep the workspace's line order when it leaves orders out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from shopinsight.core.importers import import_files
from shopinsight.core.schema import conform
from shopinsight.core.shop import Shop
from shopinsight.core.shop_data import prepare
from shopinsight.core.workspace import Workspace

ORDERS = 150_000
"""Big enough for Polars' default engine to split the lines over several morsels (an
anti-join without `maintain_order` then gave them back in another order on most runs)."""


def _shop(tmp_path: Path) -> Workspace:
    """Two lines per order, one order in 50 in EUR (left out of the dollar view)."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    order = pl.col("i") // 2
    lines = pl.DataFrame({"i": pl.int_range(ORDERS * 2, eager=True)}).select(
        pl.lit("generic").alias("source"),
        order.cast(pl.String).str.zfill(7).alias("order_id"),
        (pl.col("i") % 2 + 1).alias("line_no"),
        pl.lit("product").alias("line_kind"),
        (pl.lit(start) + pl.duration(minutes=order)).alias("ordered_at"),
        ((order % 7_000).cast(pl.String) + "@example.com").alias("customer_id"),
        (pl.col("i") % 13).cast(pl.String).alias("sku"),
        pl.lit(1).alias("quantity"),
        pl.lit(10.0).alias("unit_price"),
        pl.lit(10.0).alias("line_total"),
        pl.lit(20.0).alias("order_total"),
        pl.when(order % 50 == 0).then(pl.lit("EUR")).otherwise(pl.lit("USD")).alias("currency"),
        pl.lit("paid").alias("status"),
    )
    ws = Workspace.open(tmp_path / "ws")
    ws.commit(conform(lines).collect(), [])
    return ws


def test_the_lines_left_after_leaving_orders_out_are_in_workspace_order(tmp_path: Path):
    ws = _shop(tmp_path)
    shop = Shop(ws)
    assert shop.currency() == "USD"
    got = shop.lines().select("order_id", "line_no").collect()
    want = ws.lines().filter(pl.col("currency") == "USD").select("order_id", "line_no").collect()
    assert got.height == ORDERS * 2 * 49 // 50
    assert got.equals(want)
    data = prepare(shop.lines(), shop.as_of(), shop.config())
    assert data.orders.get_column("order_id").equals(
        want.filter(pl.col("line_no") == 1).get_column("order_id")
    )
    assert data.orders.get_column("order_total").eq(20.0).all()


def test_a_warm_view_that_leaves_nothing_out_reads_no_order(tmp_path: Path, monkeypatch):
    """The cached view counts the orders it leaves out: when none, a warm start's lines are
    every line, without reading the flagged orders' cached columns."""
    ws = Workspace.open(tmp_path / "ws")
    rows = ["Order ID,Date,Customer Email,SKU,Product,Quantity,Price,Currency"]
    rows += [f"U{i},2024-03-0{1 + i} 10:00,c{i}@example.com,M,Mug,1,20.00,USD" for i in range(4)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_files(ws, [path])
    cold = Shop(ws).lines().collect()
    assert cold.height == 4

    def unread(*args, **kwargs):
        raise AssertionError("the flagged orders were read")

    warm = Shop(ws)
    monkeypatch.setattr(warm.cache, "columns", unread)
    monkeypatch.setattr(warm, "all_orders", unread)
    assert warm.lines().collect().equals(cold)
