"""Import reports count against what the workspace ends up holding; warnings are about it too."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopinsight.core.importers import import_files, load_file

DATA = Path(__file__).resolve().parents[1] / "data"
TAOBAO_ORDERS = DATA / "taobao" / "ExportOrderList202401120930.csv"
TAOBAO_ITEMS = DATA / "taobao" / "ExportOrderDetailList202401120930.csv"
AMAZON_ALL_ORDERS = DATA / "amazon" / "all_orders_traps.txt"

ORDERS = "order_id,date,customer,order total,status,refunded\n"
ITEMS = "order_id,date,customer,sku,qty,price\n"


def _counts(ws, path: Path) -> tuple[int, int, int]:
    report = import_files(ws, [path])[0]
    return report.new_lines, report.duplicates, report.updated


def test_order_export_reimported_after_its_items_is_not_new(ws, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS + "1,2024-01-01,a@x.com,30,paid,0\n2,2024-01-02,b@x.com,12,paid,0\n")
    items = tmp_path / "items.csv"
    items.write_text(ITEMS + "1,2024-01-01,a@x.com,A,1,10\n1,2024-01-01,a@x.com,B,2,10\n")
    assert _counts(ws, orders) == (2, 0, 0)
    assert _counts(ws, items) == (2, 0, 0)  # order 1's order-level line is superseded
    before = ws.lines().collect()
    # order 1 only exists as its two items now: its order line is neither new nor changing
    assert _counts(ws, orders) == (0, 2, 0)
    assert ws.lines().collect().equals(before)


def test_order_export_that_changes_itemised_orders_counts_as_update(ws, tmp_path):
    items = tmp_path / "items.csv"
    items.write_text(ITEMS + "1,2024-01-01,a@x.com,A,1,10\n1,2024-01-01,a@x.com,B,2,10\n")
    refunded = tmp_path / "orders_later.csv"
    refunded.write_text(ORDERS + "1,2024-01-01,a@x.com,30,refunded,30\n")
    import_files(ws, [items])
    assert _counts(ws, refunded) == (0, 0, 1)
    lines = ws.lines().collect()
    assert lines["line_kind"].cast(pl.Utf8).to_list() == ["product", "product"]
    assert lines["status"].cast(pl.Utf8).to_list() == ["refunded", "refunded"]
    assert _counts(ws, refunded) == (0, 1, 0)


def test_taobao_orders_reimported_after_items(ws):
    import_files(ws, [TAOBAO_ORDERS])
    import_files(ws, [TAOBAO_ITEMS])
    report = import_files(ws, [TAOBAO_ORDERS])[0]
    assert report.new_lines == 0 and report.updated == 0
    assert report.duplicates == report.accepted


def test_no_buyer_warning_skips_lines_that_take_their_buyer_from_a_companion_export():
    items = load_file(TAOBAO_ITEMS)
    assert items.lines["customer_id"].null_count() == items.lines.height  # buyers come later
    assert not any("no buyer identity" in w for w in items.warnings)
    anonymous = load_file(AMAZON_ALL_ORDERS)  # dated orders that will never get a buyer
    assert any("orders have no buyer identity" in w for w in anonymous.warnings)


def test_identical_reimport_leaves_the_stored_lines_untouched(ws, tmp_path):
    items = tmp_path / "items.csv"
    items.write_text(ITEMS + "1,2024-01-01,a@x.com,A,1,10\n2,2024-01-02,b@x.com,B,2,10\n")
    import_files(ws, [items])
    stored = ws.lines_path.stat()
    assert _counts(ws, items) == (0, 2, 0)
    again = ws.lines_path.stat()
    assert (again.st_ino, again.st_mtime_ns) == (stored.st_ino, stored.st_mtime_ns)
    assert len(ws.ledger()) == 2
    items.write_text(ITEMS + "1,2024-01-01,a@x.com,A,1,12\n2,2024-01-02,b@x.com,B,2,10\n")
    assert _counts(ws, items) == (0, 1, 1)
    assert ws.lines_path.stat().st_ino != stored.st_ino
    assert ws.lines().collect().sort("order_id")["unit_price"].to_list() == [12.0, 10.0]


def test_a_line_repeated_in_one_file_is_a_duplicate(ws, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        ORDERS + "1,2024-01-01,a@x.com,30,paid,0\n2,2024-01-02,b@x.com,12,paid,0\n"
        "1,2024-01-01,a@x.com,30,paid,0\n"
    )
    report = import_files(ws, [orders])[0]
    assert (report.accepted, report.new_lines, report.duplicates, report.updated) == (3, 2, 1, 0)
    assert ws.lines().collect().height == 2


def test_order_rows_absorbed_in_the_same_import_are_not_new(ws, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS + "1,2024-01-01,a@x.com,30,paid,0\n2,2024-01-02,b@x.com,12,paid,0\n")
    items = tmp_path / "items.csv"
    items.write_text(ITEMS + "1,2024-01-01,a@x.com,A,1,10\n1,2024-01-01,a@x.com,B,2,10\n")
    first, second = import_files(ws, [orders, items])
    # order 1 merged into the items of the same import: neither new nor unchanged
    assert (first.new_lines, first.duplicates, first.updated, first.merged) == (1, 0, 0, 1)
    assert (second.new_lines, second.duplicates, second.updated) == (2, 0, 0)
    assert ws.lines().collect().height == 3


def test_customers_export_counts_new_changed_and_repeated(ws, tmp_path):
    head = "First Name,Last Name,Email,Accepts Email Marketing,Tags\n"
    path = tmp_path / "customers.csv"
    path.write_text(head + "Ann,Lee,a@x.com,yes,vip\nBo,Ng,b@x.com,no,\nBo,Ng,b@x.com,no,\n")
    report = import_files(ws, [path])[0]
    assert (report.accepted, report.new_lines, report.duplicates, report.updated) == (3, 2, 1, 0)
    path.write_text(head + "Ann,Lee,a@x.com,no,vip\nBo,Ng,b@x.com,no,\nCy,Li,c@x.com,no,\n")
    report = import_files(ws, [path])[0]
    assert (report.new_lines, report.duplicates, report.updated) == (1, 1, 1)
