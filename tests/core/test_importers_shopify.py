"""Shopify orders and customers exports, on the real redacted files and hand-made edge cases."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from shopinsight.core.samples.writers import SHOPIFY_COLUMNS
from tests.conftest import shared_file

HEADER_79 = SHOPIFY_COLUMNS  # the 79-column layout, as the sample writer writes it


def write_shopify(path, rows):
    """Write a 79-column Shopify export from dicts of the columns that matter."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, HEADER_79)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in HEADER_79})
    return path


def order(name, email, created, items, **order_fields):
    """An order as export rows: order fields on the first row only (continuation rows)."""
    rows = []
    for i, (title, qty, price) in enumerate(items):
        row = {"Name": name, "Email": email, "Created at": created, "Lineitem name": title,
               "Lineitem quantity": str(qty), "Lineitem price": price,
               "Lineitem requires shipping": "true"}  # fmt: skip
        if i == 0:
            row |= {"Financial Status": "paid", "Currency": "USD", "Fulfillment Status":
                    "fulfilled", "Accepts Marketing": "yes", "Refunded Amount": "0.00"}  # fmt: skip
            row |= order_fields
        rows.append(row)
    return rows


def test_continuation_rows_get_order_fields(tmp_path):
    path = write_shopify(
        tmp_path / "orders_export_1.csv",
        order("#1001", "A@Example.com ", "2024-01-05 10:00:00 -0500",
              [("Mug", 2, "10.00"), ("Tea", 1, "5.50")], Total="25.50",
              **{"Shipping Zip": "'07666", "Billing Name": "Ann Lee", "Shipping Name": "Ann Lee"}),
    )  # fmt: skip
    loaded = load_file(path)
    assert loaded.format.name == "shopify"
    lines = loaded.lines
    assert lines.height == 2 and loaded.rejects.height == 0
    assert lines["customer_id"].to_list() == ["a@example.com"] * 2
    assert lines["order_total"].to_list() == [25.5, 25.5]
    assert lines["status"].to_list() == ["paid", "paid"]
    assert lines["postal_code"].to_list() == ["07666", "07666"]
    assert lines["line_total"].to_list() == [20.0, 5.5]
    # -0500 offset converted to UTC
    assert str(lines["ordered_at"][0]) == "2024-01-05 15:00:00+00:00"


def test_refunds_cancellations_tips_and_gifts(tmp_path):
    rows = (
        order("#1", "a@x.com", "2024-01-01 10:00:00 +0000", [("Mug", 1, "10.00")],
              Total="10.00", **{"Financial Status": "refunded", "Refunded Amount": "10.00",
                                "Cancelled at": "2024-01-02 10:00:00 +0000"})
        + order("#2", "b@x.com", "2024-01-01 11:00:00 +0000",
                [("Mug", 1, "10.00"), ("Tip", 1, "2.00")], Total="12.00",
                **{"Financial Status": "partially_refunded", "Refunded Amount": "4.00"})
        + order("#3", "c@x.com", "2024-01-01 12:00:00 +0000", [("Mug", 1, "10.00")],
                Total="0.00", **{"Cancelled at": "2024-01-01 13:00:00 +0000"})
        + order("#4", "d@x.com", "2024-01-01 12:00:00 +0000", [("Mug", 1, "10.00")],
                Total="10.00", Notes="Happy birthday Mum!",
                **{"Billing Name": "Dee", "Shipping Name": "Mum", "Fulfillment Status": ""})
    )  # fmt: skip
    lines = load_file(write_shopify(tmp_path / "o.csv", rows)).lines
    orders = orders_frame(lines.lazy()).collect().sort("order_id")
    assert orders["status"].to_list() == ["refunded", "partially_refunded", "cancelled", "paid"]
    assert orders["net_revenue"].to_list() == [0.0, 8.0, 0.0, 10.0]
    assert orders["counted"].to_list() == [False, True, False, True]
    kinds = lines.filter(pl.col("order_id") == "#2")["line_kind"].to_list()
    assert kinds == ["product", "tip"]
    gift = lines.filter(pl.col("order_id") == "#4")
    assert gift["is_gift"].item() and gift["gift_message"].item() == "Happy birthday Mum!"
    assert gift["fulfilled"].item() is False


def test_reimport_is_noop_and_later_export_updates_status(ws, tmp_path):
    first = write_shopify(
        tmp_path / "jan.csv",
        order("#1", "a@x.com", "2024-01-01 10:00:00 +0000", [("Mug", 1, "10.00")], Total="10"),
    )
    r1 = import_files(ws, [first])[0]
    r2 = import_files(ws, [first])[0]
    assert (r1.new_lines, r2.new_lines, r2.duplicates) == (1, 0, 1)
    assert ws.lines().collect().height == 1
    later = write_shopify(
        tmp_path / "feb.csv",
        order("#1", "a@x.com", "2024-01-01 10:00:00 +0000", [("Mug", 1, "10.00")], Total="10",
              **{"Financial Status": "refunded", "Refunded Amount": "10.00"})
        + order("#2", "a@x.com", "2024-02-01 10:00:00 +0000", [("Tea", 1, "5.00")], Total="5"),
    )  # fmt: skip
    r3 = import_files(ws, [later])[0]
    assert (r3.new_lines, r3.updated, r3.duplicates) == (1, 1, 0)
    lines = ws.lines().collect().sort("order_id")
    assert lines["status"].to_list() == ["refunded", "paid"]
    assert len(ws.ledger()) == 3


def test_bad_values_rejected_with_row_and_reason(ws, tmp_path):
    rows = order("#1", "a@x.com", "not a date", [("Mug", 1, "10.00")], Total="10") + order(
        "#2", "b@x.com", "2024-01-01 10:00:00 +0000", [("Mug", "two", "10.00")], Total="10"
    )
    report = import_files(ws, [write_shopify(tmp_path / "bad.csv", rows)])[0]
    assert (report.rows_read, report.accepted, report.rejected) == (2, 0, 2)
    rejects = pl.read_csv(report.rejects_path)
    assert rejects["row"].to_list() == [1, 2]
    assert "bad date 'not a date' in column 'Created at'" in rejects["reason"][0]
    assert "Lineitem quantity" in rejects["reason"][1]


def test_real_devstore_79_columns(ws):
    path = shared_file("exports", "shopify", "orders_export_1.devstore-testdata.csv")
    report = import_files(ws, [path])[0]
    assert report.rows_read == 121 == report.accepted + report.rejected
    orders = orders_frame(ws.lines()).collect()
    assert orders.height == 51
    assert orders["currency"].unique().to_list() == ["INR"]


def test_real_enavant_73_columns_refunds(ws):
    path = shared_file("exports", "shopify", "orders_export_1.enavant-2021-22.redacted.csv")
    report = import_files(ws, [path])[0]
    assert report.rows_read == 811 == report.accepted + report.rejected
    assert report.rejected == 0
    orders = orders_frame(ws.lines()).collect()
    assert orders.height == 409
    counts = dict(orders.group_by("status").len().iter_rows())
    assert counts["refunded"] == 43 and counts["partially_refunded"] == 26
    raw = pl.read_csv(path, infer_schema=False).filter(pl.col("Total").is_not_null())
    expected = (
        raw.filter(pl.col("Cancelled at").is_null() | (pl.col("Financial Status") != "paid"))
        .select(
            (pl.col("Total").cast(pl.Float64) - pl.col("Refunded Amount").cast(pl.Float64)).sum()
        )
        .item()
    )
    assert orders["net_revenue"].sum() == pytest.approx(expected)


@pytest.mark.parametrize(
    "name",
    ["customers_export_1.enavant-2022.redacted.csv", "customers_export.2024-format.redacted.csv"],
)
def test_real_customers_exports(ws, name):
    path = shared_file("exports", "shopify", name)
    report = import_files(ws, [path])[0]
    assert report.format == "shopify-customers"
    assert report.rows_read == report.accepted + report.rejected
    attrs = ws.customer_attrs().collect()
    assert attrs.height == report.accepted
    assert attrs["customer_id"].null_count() == 0
    tagged = attrs.filter(pl.col("existing_tags").list.len() > 0)
    assert tagged.height > 0
    if "2024" in name:
        assert ["Bronze VIP", "loyal-app_new"] in attrs["existing_tags"].to_list()


def test_payment_states_decide_sale_and_packing(tmp_path):
    """Authorized (card held until shipping) and partly paid orders are sales and open orders
    to pack; a pending payment or an expired authorization is no sale until paid or shipped."""
    from shopinsight.core.orders import open_order

    states = ["authorized", "partially_paid", "pending", "expired"]
    rows = [
        r
        for i, state in enumerate(states)
        for r in order(f"#{i + 1}", f"c{i}@x.com", "2024-01-01 10:00:00 +0000",
                       [("Mug", 1, "10.00")], Total="10.00",
                       **{"Financial Status": state, "Fulfillment Status": ""})
    ]  # fmt: skip
    lines = load_file(write_shopify(tmp_path / "o.csv", rows)).lines
    orders = orders_frame(lines.lazy()).collect().sort("order_id")
    assert orders["status"].to_list() == ["paid", "paid", "pending", "pending"]
    assert orders["net_revenue"].to_list() == [10.0, 10.0, 0.0, 0.0]
    assert orders["counted"].to_list() == [True, True, False, False]
    assert orders.filter(open_order(None))["order_id"].to_list() == ["#1", "#2"]
