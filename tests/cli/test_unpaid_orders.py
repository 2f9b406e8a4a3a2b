"""Orders not paid for yet and not shipped are no sale: out of revenue and purchases, counted
apart as cancelled orders are, the same in `status` and in the Overview's revenue tooltip."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.orders import orders_frame
from shopinsight.core.schema import conform
from shopinsight.tui.screens.overview import _cancelled_text

runner = CliRunner()

# the reduced Tmall order report: no 订单付款时间 = never paid
TMALL = (
    "订单编号,总金额,买家实际支付金额,收货地址,订单创建时间,订单付款时间,退款金额\n"
    "1,178.8,0,上海,2020/2/21 0:00,,0\n"
    "2,21,21,内蒙古自治区,2020/2/20 23:59,2020/2/21 0:00,0\n"
    "3,37,37,安徽省,2020/2/20 23:58,2020/2/20 23:59,37\n"
    "4,50,50,安徽省,2020/2/20 23:57,2020/2/20 23:58,0\n"
)


def test_status_leaves_unpaid_orders_out_of_revenue(tmp_path: Path):
    path = tmp_path / "tmall_order_report.csv"
    path.write_text(TMALL, encoding="utf-8")
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["-w", ws, "import", str(path)]).exit_code == 0
    status = json.loads(runner.invoke(app, ["-w", ws, "status", "--json"]).output)
    # by hand: paid 21 + 37 + 50 = 108 (Σ 买家实际支付金额), 37 refunded; 178.8 never paid
    assert status["gross_revenue"] == {"CNY": 108.0}
    assert status["returns"] == {"CNY": 37.0}
    assert status["net_revenue"] == {"CNY": 71.0}
    assert (status["unpaid_orders"], status["unpaid_value"]) == (1, {"CNY": 178.8})
    shown = " ".join(runner.invoke(app, ["-w", ws, "status"]).output.split())
    assert "Unpaid orders │ 1 (178.80 CNY, not in revenue)" in shown
    # the Overview's tooltip says the same from the same figures
    assert "1 unpaid, unshipped order (¥178.80) excluded" in _cancelled_text(status)


def test_a_pending_order_counts_once_it_has_shipped():
    """Cash on delivery never marked paid, but shipped, has sold; pending and unshipped has not."""
    base = {"source": "shopify", "store": "", "line_no": 1, "line_kind": "product"}
    rows = [
        {**base, "order_id": "1", "status": "pending", "fulfilled": False},
        {**base, "order_id": "2", "status": "pending", "fulfilled": True},
        {**base, "order_id": "3", "status": "paid", "fulfilled": False},
    ]
    lines = pl.DataFrame(rows).with_columns(
        pl.lit("c@x.com").alias("customer_id"), pl.lit(10.0).alias("order_total")
    )
    orders = orders_frame(conform(lines)).collect().sort("order_id")
    assert orders["net_revenue"].to_list() == [0.0, 10.0, 10.0]
    assert orders["counted"].to_list() == [False, True, True]
