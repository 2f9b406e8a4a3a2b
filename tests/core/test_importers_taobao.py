"""Taobao/Tmall importers: 订单报表, 宝贝报表 (GBK, `="…"` ids) and the 7-column Tmall report."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import KNOWN_COLUMNS, detect, import_files, load_file
from shopinsight.core.importers.sniff import sniff
from shopinsight.core.orders import orders_frame
from tests.conftest import shared_file
from tests.core.importer_checks import reads_only_what_it_uses

DATA = Path(__file__).resolve().parents[1] / "data" / "taobao"
ORDER_LIST = DATA / "ExportOrderList202401120930.csv"
ITEM_LIST = DATA / "ExportOrderDetailList202401120930.csv"
TMALL = ("exports", "taobao", "tmall_order_report.head3000.csv")


def test_files_are_gbk_and_detected():
    sn = sniff(ORDER_LIST, KNOWN_COLUMNS)
    assert sn.encoding == "gb18030"
    assert detect(sn.columns).name == "taobao-orders"
    assert detect(sniff(ITEM_LIST, KNOWN_COLUMNS).columns).name == "taobao-items"
    real = shared_file(*TMALL)
    assert detect(sniff(real, KNOWN_COLUMNS).columns).name == "tmall-order-report"


def test_order_list_statuses_refunds_and_ids():
    loaded = load_file(ORDER_LIST)
    lines = loaded.lines
    assert loaded.rows_read == 8 == lines.height + loaded.rejects.height
    assert "订单创建时间" in loaded.rejects["reason"][0]
    assert set(lines["line_kind"].to_list()) == {"order"}
    by = {r["order_id"]: r for r in lines.iter_rows(named=True)}
    assert set(by) == {"1001", "1002", "1003", "1004", "1005", "1006", "1008"}  # `="…"` gone
    expect = {
        "1001": ("paid", True), "1002": ("paid", False), "1003": ("cancelled", False),
        "1004": ("pending", False), "1005": ("partially_refunded", True),
        "1006": ("refunded", False), "1008": ("paid", True),
    }  # fmt: skip
    assert {k: (v["status"], v["fulfilled"]) for k, v in by.items()} == expect
    assert by["1005"]["refunded"] == 30.0 and by["1006"]["refunded"] == 60.0
    first = by["1001"]
    assert first["customer_id"] == "taobao:小明" and first["shipping_name"] == "王芳"
    assert (first["region"], first["city"], first["postal_code"]) == ("浙江省", "杭州市", "310000")
    assert first["currency"] == "CNY"
    assert first["is_gift"] is True and first["gift_message"] == "送给妈妈的生日礼物"
    # Beijing time stored in UTC
    assert first["ordered_at"] == dt.datetime(2024, 1, 5, 2, 0, tzinfo=dt.UTC)


def test_item_list_alone_is_kept_undated():
    loaded = load_file(ITEM_LIST)
    assert loaded.rows_read == 6 == loaded.lines.height + loaded.rejects.height
    assert "价格" in loaded.rejects["reason"][0]
    assert loaded.lines["ordered_at"].null_count() == loaded.lines.height
    assert any("订单报表" in w for w in loaded.warnings)
    scarf = loaded.lines.filter(pl.col("sku") == "SC-01").row(0, named=True)
    assert scarf["variant"] == "颜色分类：红色" and scarf["order_id"] == "1001"


@pytest.mark.parametrize("order", ["orders_first", "items_first", "together"])
def test_items_join_their_orders(ws, order):
    if order == "together":
        import_files(ws, [ITEM_LIST, ORDER_LIST])
    else:
        first, second = (
            (ORDER_LIST, ITEM_LIST) if order == "orders_first" else (ITEM_LIST, ORDER_LIST)
        )
        import_files(ws, [first])
        import_files(ws, [second])
    lines = ws.lines().collect()
    scarf_order = lines.filter(pl.col("order_id") == "1001")
    assert scarf_order["line_kind"].cast(pl.Utf8).to_list() == ["product", "product"]
    assert scarf_order["customer_id"].to_list() == ["taobao:小明"] * 2
    assert scarf_order["order_total"].to_list() == [120.0, 120.0]  # 总金额, postage included
    assert scarf_order["ordered_at"].null_count() == 0
    refunded = lines.filter(pl.col("order_id") == "1005").row(0, named=True)
    assert refunded["status"] == "partially_refunded" and refunded["line_kind"] == "product"
    # orders without items stay order-level lines; the orphan item stays undated
    kinds = dict(lines.group_by("order_id").agg(pl.col("line_kind").first()).iter_rows())
    assert kinds["1003"] == "order" and kinds["1008"] == "order"
    assert lines.filter(pl.col("order_id") == "9999")["ordered_at"].null_count() == 1
    orders = orders_frame(ws.lines()).collect().filter(pl.col("ordered_at").is_not_null())
    assert orders.height == 7
    # net revenue once per order: 120 + 50 + 0 + (80-30) + (60-60) + 25.5; 1004 (45.00) is
    # 等待买家付款, waiting for the buyer to pay: no sale yet
    assert orders["net_revenue"].sum() == pytest.approx(245.5)


def test_real_tmall_report_refunds_and_unpaid():
    path = shared_file(*TMALL)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        raw = list(csv.DictReader(fh))
    loaded = load_file(path)
    lines = loaded.lines
    assert loaded.rows_read == len(raw) == lines.height + loaded.rejects.height
    assert loaded.rejects.height == 0
    assert lines["customer_id"].null_count() == lines.height
    assert any("买家会员名" in w for w in loaded.warnings)
    unpaid = sum(1 for r in raw if not r["订单付款时间"])
    full = sum(
        1 for r in raw
        if r["订单付款时间"] and float(r["买家实际支付金额"]) == 0
        and float(r["退款金额"]) == float(r["总金额"])
    )  # fmt: skip
    counts = dict(lines.group_by("status").len().iter_rows())
    assert counts["pending"] == unpaid
    assert counts["refunded"] == full
    # net revenue of paid orders = what buyers actually paid
    paid = lines.filter(pl.col("status") != "pending")
    actually_paid = sum(float(r["买家实际支付金额"]) for r in raw if r["订单付款时间"])
    net = (paid["order_total"] - paid["refunded"]).sum()
    assert net == pytest.approx(actually_paid)


def test_reads_only_the_columns_it_uses():
    for path in [ORDER_LIST, ITEM_LIST]:
        reads_only_what_it_uses(path)
