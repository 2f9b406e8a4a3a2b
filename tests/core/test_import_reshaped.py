"""Exports as merchants hand them over after a spreadsheet has been at them: rows sorted,
two exports pasted into one file, European separators. Every line must still be read with
the order's own fields, and never twice."""

from __future__ import annotations

import csv

import polars as pl

from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from tests.core.test_importers_shopify import HEADER_79, order, write_shopify


def _shop_rows():
    return [
        *order("#1003", "c@example.com", "2024-03-01 09:00:00 -0500",
               [("Mug", 1, "12.00"), ("Tea", 2, "5.00"), ("Bag", 1, "3.00")],
               Total="25.00", **{"Financial Status": "partially_refunded",
                                 "Refunded Amount": "5.00"}),
        *order("#1002", "b@example.com", "2024-02-01 09:00:00 -0500",
               [("Zest", 1, "9.00"), ("Apron", 1, "20.00")], Total="29.00"),
        *order("#1001", "a@example.com", "2024-01-01 09:00:00 -0500",
               [("Tea", 3, "5.00")], Total="15.00"),
    ]  # fmt: skip


def _by_order(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.select(
        "order_id", "customer_id", "ordered_at", "product_name", "quantity", "line_total",
        "order_total", "refunded", "status", "currency",
    ).sort(pl.all())  # fmt: skip


def test_shopify_rows_sorted_in_a_spreadsheet_keep_their_order_fields(tmp_path):
    """Sorted by product, an order's first row (the one with its total, status and email)
    is no longer first: the fields still come from it, not from a continuation row."""
    rows = _shop_rows()
    plain = load_file(write_shopify(tmp_path / "orders_export.csv", rows))
    ordered = sorted(rows, key=lambda r: r["Lineitem name"])
    resorted = load_file(write_shopify(tmp_path / "orders_export_sorted.csv", ordered))
    assert resorted.rejects.height == 0
    assert _by_order(resorted.lines).equals(_by_order(plain.lines))
    orders = orders_frame(resorted.lines).sort("order_id")
    assert orders["order_total"].to_list() == [15.0, 29.0, 25.0]
    assert orders["refunded"].to_list() == [0.0, 0.0, 5.0]


def test_two_shopify_exports_pasted_together_hold_each_line_once(ws, tmp_path):
    """An older export pasted under a newer one (header repeated): the orders in both are
    held once, with the later copy's fields (refunded since); the header row is rejected."""
    old = _shop_rows()
    new = [dict(r) for r in old]
    new[0] |= {"Financial Status": "refunded", "Refunded Amount": "25.00"}
    path = tmp_path / "orders_both.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, HEADER_79)
        w.writeheader()
        w.writerows({k: r.get(k, "") for k in HEADER_79} for r in old)
        w.writerow({k: k for k in HEADER_79})
        w.writerows({k: r.get(k, "") for k in HEADER_79} for r in new[:3])  # order #1003
    [rep] = import_files(ws, [path])
    assert (rep.rows_read, rep.accepted, rep.rejected) == (10, 9, 1)
    assert (rep.new_lines, rep.duplicates) == (6, 3)
    lines = ws.read_lines()
    assert lines.height == 6
    orders = orders_frame(lines).sort("order_id")
    assert orders["status"].to_list() == ["paid", "paid", "refunded"]
    assert orders["refunded"].to_list() == [0.0, 0.0, 25.0]


def test_etsy_items_sorted_in_a_spreadsheet_keep_the_order_money(tmp_path):
    """Etsy writes an order's shipping, tax and discount on its first item row and 0 on the
    others: sorted so that another item comes first, the order still has them."""
    sample = "tests/data/etsy/EtsySoldOrderItems_sample.csv"
    with open(sample, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    resorted = tmp_path / "EtsySoldOrderItems_sorted.csv"
    with open(resorted, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *sorted(rows, key=lambda r: r[1])])
    columns = ["order_id", "order_total", "order_discount", "shipping", "discount_code"]
    plain, shuffled = (
        load_file(p).lines.select(columns).unique().sort("order_id") for p in (sample, resorted)
    )
    assert shuffled.equals(plain)
    assert plain.filter(pl.col("order_id") == "900001")["shipping"].to_list() == [3.5]


def _retail(path, delimiter, price):
    """Online Retail's columns with day-first dates that also read month-first."""
    rows = [
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
         "CustomerID", "Country"],
        ["536365", "85123A", "WHITE HANGING HEART", "6", "01/12/2010 08:26", price, "17850",
         "United Kingdom"],
        ["536366", "22633", "HAND WARMER", "6", "05/12/2010 09:02", price, "17850",
         "United Kingdom"],
        ["C536379", "D", "Discount", "-1", "09/12/2010 09:41", price, "14527", "United Kingdom"],
    ]  # fmt: skip
    with open(path, "w", newline="", encoding="cp1252") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def test_european_spreadsheet_dates_are_day_first(tmp_path):
    """Saved by a European spreadsheet (`;`, or a decimal comma), `01/12/2010` is 1 December,
    even when no day in the file is past the 12th; a `,` file with a decimal point keeps the
    month-first reading."""
    december = [12, 12, 12]
    for name, delimiter, price in (("semi.csv", ";", "2,55"), ("tab.txt", "\t", "2,55")):
        lines = load_file(_retail(tmp_path / name, delimiter, price)).lines
        assert lines["ordered_at"].dt.month().to_list() == december, name
        assert lines["ordered_at"].dt.day().to_list() == [1, 5, 9], name
        assert lines["unit_price"].to_list() == [2.55] * 3
    us = load_file(_retail(tmp_path / "us.csv", ",", "2.55")).lines
    assert us["ordered_at"].dt.month().to_list() == [1, 5, 9]


def test_empty_rows_and_a_repeated_header_say_what_they_are(tmp_path):
    """Blank rows (left by a spreadsheet, or trailing ',,,,' rows) and the header pasted in
    again are rejected with their row numbers as what they are, not as 'no order id'."""
    path = tmp_path / "sales.csv"
    header = ["order_id", "customer_id", "date", "product", "qty", "price"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow(["1", "c1", "2024-01-05", "Mug", "1", "10"])
        w.writerow(["", "", "", "", "", ""])
        w.writerow(["Order_ID", "Customer_ID ", "Date", "Product", "Qty", "Price"])
        w.writerow(["2", "c2", "2024-01-06", "Tea", "2", "3"])
        w.writerow(["", " ", "", "", "", ""])
    loaded = load_file(path)
    assert loaded.rows_read == 5 and loaded.lines.height == 2
    assert loaded.rejects.select("row", "reason").rows() == [
        (2, "empty row"),
        (3, "repeated header row"),
        (5, "empty row"),
    ]


def test_generic_orders_pasted_twice_are_held_once(ws, tmp_path):
    """Two exports with overlapping dates pasted into one file (as Online Retail II's two
    years are joined into one CSV): an invoice there twice, row for row, counts once, in
    lines, totals and returns; an invoice whose rows are apart but differ keeps them all."""
    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
              "CustomerID", "Country"]  # fmt: skip
    at = "2010-12-01 08:26:00"
    a = [["536365", "85123A", "HEART", "6", at, "2.55", "17850", "UK"],
         ["536365", "71053", "LANTERN", "6", at, "3.39", "17850", "UK"]]  # fmt: skip
    c = [["C536379", "D", "Discount", "-1", "2010-12-01 09:41:00", "27.50", "14527", "UK"]]
    b1 = [["536366", "22633", "HAND WARMER", "6", "2010-12-01 08:28:00", "1.85", "17850", "UK"]]
    b2 = [["536366", "22632", "HAND WARMER RED", "2", "2010-12-01 08:28:00", "1.85", "17850",
           "UK"]]  # fmt: skip
    path = tmp_path / "online_retail_II.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *a, *c, *b1, *a, *c, *b2])
    loaded = load_file(path)
    assert any("2 orders are in the file twice" in w for w in loaded.warnings)
    assert any("1 credit notes/returns (1 lines, 27.50)" in w for w in loaded.warnings)
    [rep] = import_files(ws, [path])
    assert (rep.rows_read, rep.new_lines, rep.duplicates) == (8, 5, 3)
    orders = orders_frame(ws.read_lines()).sort("order_id")
    assert orders["order_id"].to_list() == ["536365", "536366", "C536379"]
    assert orders["net_revenue"].round(2).to_list() == [35.64, 14.8, -27.5]


def test_online_retail_ii_adjustments_and_tests_are_not_products(tmp_path):
    """Online Retail II's manual adjustments and test items keep their money but are not
    products (bundles, favourites); a shop's own product coded ADJUST is one."""
    path = tmp_path / "online_retail_II.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
             "Customer ID", "Country"],
            ["C496350", "ADJUST", "Adjustment by john on 26/01/2010 16", "1",
             "2010-01-26 16:00:00", "96.83", "14911.0", "EIRE"],
            ["507521", "TEST001", "This is a test product.", "5", "2010-05-10 09:00:00", "4.5",
             "12346.0", "United Kingdom"],
            ["507522", "ADJUST2", "Wrench set", "1", "2010-05-10 09:00:00", "12",
             "12346.0", "United Kingdom"],
        ])  # fmt: skip
    lines = load_file(path).lines.sort("order_id")
    assert lines["order_id"].to_list() == ["507521", "507522", "C496350"]
    assert lines["line_kind"].to_list() == ["adjustment", "product", "adjustment"]
    assert lines["customer_id"].to_list() == ["generic:12346", "generic:12346", "generic:14911"]


def test_sample_sales_data_layout_needs_no_map(tmp_path):
    """Kaggle's 'Sample Sales Data' (sales_data_sample.csv: ORDERNUMBER, ORDERDATE,
    QUANTITYORDERED, PRICEEACH, SALES, STATUS, PRODUCTLINE, PRODUCTCODE, CUSTOMERNAME…) is
    read without --map; 'On Hold' waits as 'on-hold' does."""
    path = tmp_path / "sales_data_sample.csv"
    with open(path, "w", newline="", encoding="cp1252") as fh:
        csv.writer(fh).writerows([
            ["ORDERNUMBER", "QUANTITYORDERED", "PRICEEACH", "ORDERLINENUMBER", "SALES",
             "ORDERDATE", "STATUS", "PRODUCTLINE", "PRODUCTCODE", "CUSTOMERNAME", "COUNTRY"],
            ["10107", "30", "95.7", "2", "2871", "2/24/2003 0:00", "Shipped", "Motorcycles",
             "S10_1678", "Land of Toys Inc.", "USA"],
            ["10134", "41", "94.74", "2", "3884.34", "7/1/2003 0:00", "Cancelled",
             "Motorcycles", "S10_1678", "Lyon Souveniers", "France"],
            ["10145", "45", "83.26", "6", "3746.7", "8/25/2003 0:00", "On Hold", "Motorcycles",
             "S10_1678", "Toys4GrownUps.com", "USA"],
        ])  # fmt: skip
    loaded = load_file(path)
    assert loaded.format.name == "generic" and loaded.rejects.height == 0
    lines = loaded.lines.sort("order_id")
    assert lines["status"].to_list() == ["paid", "cancelled", "pending"]
    assert lines["customer_id"].to_list()[0] == "generic:land of toys inc."
    assert lines["category"].to_list()[0] == "Motorcycles"
    assert lines["quantity"].to_list() == [30, 41, 45]
    assert lines["line_total"].to_list() == [2871.0, 3884.34, 3746.7]
