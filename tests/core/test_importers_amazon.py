"""Amazon importers: All Orders flat file (no buyers) and the FBM order report (buyer-email)."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import KNOWN_COLUMNS, detect, import_files, load_file
from shopinsight.core.importers.sniff import sniff
from shopinsight.core.orders import orders_frame
from tests.conftest import shared_file
from tests.core.importer_checks import reads_only_what_it_uses

DATA = Path(__file__).resolve().parents[1] / "data" / "amazon"
ALL_ORDERS = DATA / "all_orders_traps.txt"
FBM = DATA / "fbm_order_report.txt"
REAL = ("exports", "amazon", "all-orders-by-last-update.fba-2020-02.reconstructed.txt")


def _money(value: str) -> float:
    return float(value) if value else 0.0


def test_detects_both_reports():
    assert detect(sniff(ALL_ORDERS, KNOWN_COLUMNS).columns).name == "amazon-all-orders"
    assert detect(sniff(FBM, KNOWN_COLUMNS).columns).name == "amazon-order-report"
    real = shared_file(*REAL)
    assert detect(sniff(real, KNOWN_COLUMNS).columns).name == "amazon-all-orders"


def test_real_all_orders_file_revenue_and_no_customers():
    path = shared_file(*REAL)
    with open(path, newline="", encoding="cp1252") as fh:
        raw = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    loaded = load_file(path)
    assert loaded.rows_read == len(raw) == loaded.lines.height + loaded.rejects.height
    assert loaded.rejects.height == 0
    assert loaded.lines["customer_id"].null_count() == loaded.lines.height
    assert any("FBM order report" in w for w in loaded.warnings)
    orders = orders_frame(loaded.lines.lazy()).collect()
    assert orders.height == len({r["amazon-order-id"] for r in raw})
    expected = sum(
        _money(r["item-price"]) + _money(r["item-tax"]) + _money(r["shipping-price"])
        + _money(r["shipping-tax"]) + _money(r["gift-wrap-price"]) + _money(r["gift-wrap-tax"])
        - abs(_money(r["item-promotion-discount"])) - abs(_money(r["ship-promotion-discount"]))
        for r in raw
    )  # fmt: skip
    assert orders["net_revenue"].sum() == pytest.approx(expected)
    # item-price is the line total: 4 × 25.99
    four = loaded.lines.filter(pl.col("quantity") == 4).row(0, named=True)
    assert four["line_total"] == pytest.approx(103.96)
    assert four["unit_price"] == pytest.approx(25.99)
    # titles keep their raw quotes and commas (no quoting in the file)
    assert loaded.lines["product_name"].str.contains('12" x 18"').any()


def test_all_orders_cancellations_pending_gift_wrap_and_rejects():
    loaded = load_file(ALL_ORDERS)
    assert loaded.rows_read == 6 == loaded.lines.height + loaded.rejects.height
    reason = loaded.rejects["reason"][0]
    assert "item-price" in reason and "12..50" in reason
    by = {(r["order_id"], r["sku"]): r for r in loaded.lines.iter_rows(named=True)}
    live = by[("111-0000001-0000001", "P1218")]
    dropped = by[("111-0000001-0000001", "P2020")]
    assert live["status"] == "paid" and live["fulfilled"] is True
    # 103.96 - 3.00 promotion + 5.00 shipping + 8.56 tax; the cancelled item adds nothing
    assert live["order_total"] == pytest.approx(114.52)
    assert dropped["quantity"] == 0 and dropped["line_total"] == 0.0
    assert by[("111-0000002-0000002", "P16")]["status"] == "cancelled"
    pending = by[("111-0000003-0000003", "P16")]
    assert pending["status"] == "pending" and pending["order_total"] == 0.0
    assert pending["fulfilled"] is False
    wrapped = by[("111-0000004-0000004", "P16")]
    assert wrapped["is_gift"] is True and wrapped["order_total"] == pytest.approx(18.98)
    assert not live["is_gift"]
    assert loaded.lines["customer_id"].null_count() == loaded.lines.height


def test_fbm_report_keys_customers_by_relay_email_without_marketing(ws):
    loaded = load_file(FBM)
    lines = loaded.lines
    assert loaded.rows_read == 4 == lines.height + loaded.rejects.height
    assert "purchase-date" in loaded.rejects["reason"][0]
    # both orders belong to one buyer (relay address, any case)
    assert lines["customer_id"].unique().to_list() == ["p3vkb18m93xc7lv@marketplace.amazon.com"]
    assert lines["accepts_marketing"].to_list() == [False] * 3
    first = lines.filter(pl.col("order_id") == "402-1000001-0000001").sort("line_no")
    assert first["sku"].to_list() == ["TEA-1", "MUG-1"]  # by order-item-id
    assert first["order_total"].to_list() == [pytest.approx(58.2)] * 2
    assert first["unit_price"].to_list() == [10.0, 20.0]
    gift = lines.filter(pl.col("order_id") == "402-1000002-0000002").row(0, named=True)
    assert gift["is_gift"] is True and gift["gift_message"] == "Happy birthday Ben"
    assert gift["fulfilled"] is False  # still to ship
    reports = import_files(ws, [FBM])
    assert reports[0].accepted == 3 and reports[0].rejected == 1
    orders = orders_frame(ws.lines()).collect()
    assert orders.filter(pl.col("counted")).height == 2


def test_reads_only_the_columns_it_uses():
    for path in [ALL_ORDERS, FBM]:
        reads_only_what_it_uses(path)
