"""eBay Payments transaction report: the layout of the real file FORMATS.md §5.2 describes
(UTF-8 BOM, notes above the header on line 12, every field quoted, `--` for empty)."""

from __future__ import annotations

import codecs
import csv
import io

import polars as pl

from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame

HEADER = [
    "Transaction creation date", "Type", "Order number", "Legacy order ID", "Buyer username",
    "Buyer name", "Ship to city", "Ship to province/region/state", "Ship to zip",
    "Ship to country", "Net amount", "Payout currency", "Payout date", "Payout ID",
    "Payout method", "Payout status", "Reason for hold", "Item ID", "Transaction ID",
    "Item title", "Custom label", "Quantity", "Item subtotal", "Shipping and handling",
    "Seller collected tax", "eBay collected tax", "Final Value Fee - fixed",
    "Final Value Fee - variable", 'Very high "item not as described" fee',
    "Below standard performance fee", "International fee", "Deposit processing fee",
    "Gross transaction amount", "Transaction currency", "Exchange rate", "Reference ID",
    "Description",
]  # fmt: skip


def row(date, kind, order, buyer, title="--", qty="--", subtotal="--", ship="--", gross="--",
        ref="--", net="--"):  # fmt: skip
    values = dict.fromkeys(HEADER, "--")
    values |= {
        "Transaction creation date": date, "Type": kind, "Order number": order,
        "Buyer username": buyer, "Buyer name": buyer.title() if buyer != "--" else "--",
        "Ship to city": "Leeds", "Ship to country": "GB", "Item title": title,
        "Quantity": qty, "Item subtotal": subtotal, "Shipping and handling": ship,
        "Gross transaction amount": gross, "Transaction currency": "GBP", "Reference ID": ref,
        "Net amount": net,
    }  # fmt: skip
    return [values[h] for h in HEADER]


def write_report(path, rows):
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(["--"] * 5)
    for note in (["Transaction report"], ["Seller", "shopname"],
                 ["Start date", "Nov-05-2022 00:00:00 AM PDT"],
                 ["End date", "Nov-12-2022 11:59:59 PM PST"], ["Currency", "GBP"],
                 ["Note", "Amounts are in the payout currency"], [], [], [], []):  # fmt: skip
        w.writerow(note)
    w.writerow(HEADER)
    w.writerows(rows)
    path.write_bytes(codecs.BOM_UTF8 + buf.getvalue().encode("utf-8"))
    return path


def test_sales_refunds_and_other_rows(ws, tmp_path):
    path = write_report(
        tmp_path / "transaction_report.csv",
        [
            row("Nov 8, 2022", "Order", "12-0001-0001", "annie", "Mug", "2", "20", "4", "24",
                net="21.1"),
            row("Nov 8, 2022", "Order", "12-0001-0001", "annie", "Tea", "1", "5.5", "0", "5.5"),
            row("Nov 9, 2022", "Shipping label", "12-0001-0001", "--", gross="-3.2"),
            row("Nov 9, 2022", "Order", "12-0002-0002", "bob", "Mug", "1", "10", "2", "12"),
            row("Nov 10, 2022", "Refund", "12-0002-0002", "bob", gross="-12",
                ref="Cancel ID 5306529370", net="-11.2"),
            row("Nov 11, 2022", "Payout", "--", "--", gross="--", net="-40"),
        ],
    )  # fmt: skip
    loaded = load_file(path)
    assert loaded.format.name == "ebay-transactions"
    assert loaded.rejects.select("row", "reason").rows() == [
        (3, "a 'Shipping label' row (not a sale or a refund)"),
        (6, "a 'Payout' row (not a sale or a refund); no order id"),
    ]
    [rep] = import_files(ws, [path])
    assert (rep.rows_read, rep.accepted, rep.rejected) == (6, 4, 2)
    orders = orders_frame(ws.read_lines()).sort("order_id")
    assert orders["order_id"].to_list() == [
        "12-0001-0001",
        "12-0002-0002",
        "R-12-0002-0002-5306529370",
    ]
    assert orders["status"].to_list() == ["paid", "paid", "returned"]
    assert orders["customer_id"].to_list() == ["ebay:annie", "ebay:bob", "ebay:bob"]
    assert orders["net_revenue"].to_list() == [29.5, 12.0, -12.0]
    assert orders["currency"].unique().to_list() == ["GBP"]
    lines = ws.read_lines().filter(pl.col("line_kind") == "product").sort("order_id", "line_no")
    assert lines["product_name"].to_list() == ["Mug", "Tea", "Mug"]
    assert lines["quantity"].to_list() == [2, 1, 1]
    assert lines["line_total"].to_list() == [20.0, 5.5, 10.0]
