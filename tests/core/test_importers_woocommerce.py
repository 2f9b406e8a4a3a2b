"""WooCommerce importers: Advanced Order Export plugin rows and the Analytics orders download."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import KNOWN_COLUMNS, detect, load_file
from shopinsight.core.importers.sniff import sniff
from shopinsight.core.orders import orders_frame
from tests.core.importer_checks import reads_only_what_it_uses

DATA = Path(__file__).resolve().parents[1] / "data" / "woocommerce"
PLUGIN = DATA / "advanced_order_export.csv"
CLIENT = DATA / "orders_2024-04-10_page-wc-admin_path--analytics-orders.csv"
SERVER = DATA / "wc-orders-report-export-17132737592198.csv"


def _by_order(lines: pl.DataFrame) -> dict[str, dict]:
    return {r["order_id"]: r for r in lines.unique("order_id", keep="first").iter_rows(named=True)}


def test_detects_plugin_and_both_analytics_column_sets(tmp_path):
    assert detect(sniff(PLUGIN, KNOWN_COLUMNS).columns).name == "woocommerce"
    assert detect(sniff(CLIENT, KNOWN_COLUMNS).columns).name == "woocommerce-analytics"
    assert detect(sniff(SERVER, KNOWN_COLUMNS).columns).name == "woocommerce-analytics"
    old = "Date,Order #,N. Revenue,Status,Customer,Customer type,Product(s),Items sold,Coupon(s)"
    assert detect(old.split(",")).name == "woocommerce-analytics"


def test_plugin_order_money_once_refunds_gifts_and_guards():
    loaded = load_file(PLUGIN)
    lines = loaded.lines
    assert loaded.rows_read == 7 == lines.height + loaded.rejects.height
    reason = loaded.rejects["reason"][0]
    assert "Order Date" in reason and "31/31/2024" in reason
    orders = orders_frame(lines.lazy()).collect()
    # order fields are repeated on each item row: 45 counted once, not twice
    assert dict(orders.select("order_id", "order_total").iter_rows()) == {
        "1001": 45.0, "1002": 30.0, "1003": 0.0, "1005": 19.0, "1006": 15.0,
    }  # fmt: skip
    assert orders["net_revenue"].sum() == pytest.approx(45 + (30 - 10) + 19)
    by = _by_order(lines)
    assert by["1001"]["customer_id"] == "ann.lee@example.com"
    assert by["1001"]["shipping"] == 5.0 and by["1001"]["order_discount"] == 5.0
    assert by["1001"]["discount_code"] == "SPRING" and by["1001"]["fulfilled"] is True
    assert by["1002"]["status"] == "partially_refunded" and by["1002"]["refunded"] == 10.0
    assert by["1002"]["is_gift"] is True and by["1002"]["gift_message"] == "Happy birthday Mum!"
    assert by["1001"]["is_gift"] is False
    assert by["1003"]["status"] == "cancelled"
    assert by["1003"]["product_name"] == "-10% set"  # the `'` injection guard is removed
    assert by["1005"]["status"] == "paid" and by["1005"]["fulfilled"] is False  # Processing
    assert by["1006"]["status"] == "refunded" and by["1006"]["refunded"] == 15.0
    assert set(lines["currency"].to_list()) == {"GBP"}
    hoodie = lines.filter(pl.col("sku") == "HOOD-1", pl.col("order_id") == "1001").row(
        0, named=True
    )
    assert (hoodie["quantity"], hoodie["line_total"], hoodie["variant"]) == (2, 30.0, "Size: M")


def test_plugin_with_only_quantity_net_of_refunds(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        '"Order Number","Order Status","Order Date","Email (Billing)",SKU,"Item Name",'
        '"Quantity (- Refund)","Item Cost","Order Total Amount","Order Refund Amount"\n'
        "7,completed,2024-05-01 10:00,a@x.com,A,Alpha,1,10.00,30.00,10.00\n"
        "7,completed,2024-05-01 10:00,a@x.com,B,Beta,0,10.00,30.00,10.00\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines.sort("line_no")
    assert lines["quantity"].to_list() == [1, 0]
    assert lines["order_total"].to_list() == [30.0, 30.0]
    assert lines["status"].to_list() == ["partially_refunded"] * 2


def test_analytics_products_refund_rows_and_name_only_customers():
    loaded = load_file(CLIENT)
    lines = loaded.lines
    # 8 rows: one bad amount; order 101 and 102 become 2 product lines each
    assert loaded.rows_read == 8
    assert loaded.rejects.height == 1 and "Net sales" in loaded.rejects["reason"][0]
    assert lines["order_id"].n_unique() == 7
    assert any("display name" in w for w in loaded.warnings)
    first = lines.filter(pl.col("order_id") == "101").sort("line_no")
    assert first["product_name"].to_list() == ["Hoodie", "Cap"]
    assert first["quantity"].to_list() == [2, 1]
    assert first["customer_id"].to_list() == ["woocommerce:ann lee"] * 2
    second = lines.filter(pl.col("order_id") == "102").sort("line_no")
    assert second["product_name"].to_list() == ["Tee, washed", "Cap"]  # comma inside a name
    orders = orders_frame(lines.lazy()).collect()
    by = {r["order_id"]: r for r in orders.iter_rows(named=True)}
    # the -5.00 refund row (104) is attached to Ann's latest earlier order (103)
    assert by["103"]["status"] == "partially_refunded" and by["103"]["refunded"] == 5.0
    assert by["104"]["status"] == "cancelled" and by["104"]["net_revenue"] == 0.0
    assert by["105"]["status"] == "refunded" and by["105"]["net_revenue"] == 0.0
    assert by["106"]["status"] == "pending" and by["106"]["has_products"] is False
    # a refund with no earlier order in the file is a return of its own: its money still goes
    assert by["108"]["status"] == "returned" and by["108"]["net_revenue"] == -3.0
    assert not by["108"]["counted"]
    assert any("1 refund rows" in w for w in loaded.warnings)
    # 106 (8.00) is on hold for a bank transfer: not paid yet, no sale
    assert orders["net_revenue"].sum() == pytest.approx(60 + 25.5 + 7 - 3)


def test_analytics_emailed_file_formatted_revenue():
    loaded = load_file(SERVER)
    orders = orders_frame(loaded.lines.lazy()).collect().sort("order_id")
    assert orders["order_total"].to_list() == [60.0, 1025.5]
    assert orders["currency"].to_list() == ["USD", "USD"]
    assert orders["discount_code"].to_list() == [None, "SPRING,VIP"]


def test_reads_only_the_columns_it_uses():
    for path in [PLUGIN]:
        reads_only_what_it_uses(path)


@pytest.mark.parametrize("order", [("early", "late"), ("late", "early")])
def test_overlapping_analytics_downloads_count_a_refund_once(tmp_path, order):
    """Two downloads overlapping on refund #104: the later one no longer holds the refunded
    order #103, so its refund row stands alone; in either import order the shop's money is
    the whole file's (the refund counted once)."""
    from shopinsight.core.importers import import_files
    from shopinsight.core.status import shop_status
    from shopinsight.core.workspace import Workspace

    header, *rows = CLIENT.read_text(encoding="utf-8").splitlines()
    parts = {"early": rows[:4], "late": rows[3:]}
    assert parts["early"][-1] == parts["late"][0] and ",104," in parts["late"][0]
    whole = Workspace.open(tmp_path / "whole")
    import_files(whole, [CLIENT])
    ws = Workspace.open(tmp_path / "parts")
    for name in order:
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join([header, *parts[name]]) + "\n", encoding="utf-8")
        import_files(ws, [path])
    got, want = shop_status(ws), shop_status(whole)
    for key in ("net_revenue", "gross_revenue", "returns", "lines", "orders"):
        assert got[key] == want[key], key
