"""Olist's public dataset: the orders and items files (with the customers, products and
category-name files beside them), and the same tables merged into one as notebooks save it."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame

ORDERS = [
    ["order_id", "customer_id", "order_status", "order_purchase_timestamp",
     "order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date",
     "order_estimated_delivery_date"],
    ["o1", "c1", "delivered", "2017-10-02 10:56:33", "", "", "", "2017-10-18 00:00:00"],
    ["o2", "c2", "delivered", "2018-07-24 20:41:37", "", "", "", "2018-08-13 00:00:00"],
    ["o3", "c3", "canceled", "2018-08-08 08:38:49", "", "", "", "2018-09-04 00:00:00"],
    ["o4", "c4", "shipped", "2018-08-09 10:00:00", "", "", "", "2018-08-20 00:00:00"],
    ["o5", "c5", "unavailable", "2018-08-10 10:00:00", "", "", "", "2018-08-20 00:00:00"],
]  # fmt: skip
ITEMS = [
    ["order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price",
     "freight_value"],
    ["o1", "1", "p1", "s1", "2017-10-06 11:07:15", "29.99", "8.72"],
    ["o2", "1", "p2", "s2", "2018-07-30 03:24:27", "118.70", "22.76"],
    ["o2", "2", "p2", "s2", "2018-07-30 03:24:27", "118.70", "22.76"],
    ["o3", "1", "p3", "s3", "2018-08-13 08:55:23", "159.90", "19.22"],
    ["o4", "1", "p1", "s1", "2018-08-13 10:10:00", "45.00", "5.00"],
]  # fmt: skip
CUSTOMERS = [
    ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
     "customer_state"],
    ["c1", "u1", "03149", "sao paulo", "SP"],
    ["c2", "u2", "47813", "barreiras", "BA"],
    ["c3", "u3", "03366", "sao paulo", "SP"],
    ["c4", "u1", "03149", "sao paulo", "SP"],  # u1 again: a repeat buyer
    ["c5", "u5", "01000", "sao paulo", "SP"],
]  # fmt: skip
PRODUCTS = [["product_id", "product_category_name"], ["p1", "utilidades_domesticas"],
            ["p2", "perfumaria"], ["p3", "perfumaria"]]  # fmt: skip
NAMES = [["product_category_name", "product_category_name_english"],
         ["utilidades_domesticas", "housewares"], ["perfumaria", "perfumery"]]  # fmt: skip


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
    return path


def _dataset(folder):
    for name, rows in (
        ("olist_orders_dataset.csv", ORDERS),
        ("olist_order_items_dataset.csv", ITEMS),
        ("olist_customers_dataset.csv", CUSTOMERS),
        ("olist_products_dataset.csv", PRODUCTS),
        ("product_category_name_translation.csv", NAMES),
    ):
        _write(folder / name, rows)
    return folder / "olist_orders_dataset.csv", folder / "olist_order_items_dataset.csv"


def _check(lines: pl.DataFrame) -> None:
    orders = orders_frame(lines).sort("order_id")
    assert orders["order_id"].to_list() == ["o1", "o2", "o3", "o4", "o5"]
    assert orders["status"].to_list() == ["paid", "paid", "cancelled", "paid", "cancelled"]
    assert orders["customer_id"].to_list() == ["olist:u1", "olist:u2", "olist:u3", "olist:u1",
                                               "olist:u5"]  # fmt: skip
    # price + freight per item; cancelled orders keep nothing
    assert orders["net_revenue"].round(2).to_list() == [38.71, 282.92, 0.0, 50.0, 0.0]
    products = lines.filter(pl.col("line_kind") == "product").sort("order_id", "line_no")
    assert products["category"].to_list()[:2] == ["housewares", "perfumery"]
    assert products["currency"].unique().to_list() == ["BRL"]
    # Brazil's time (-03:00) in UTC
    assert str(orders["ordered_at"][0]) == "2017-10-02 13:56:33+00:00"


def test_orders_and_items_files_with_their_companions(ws, tmp_path):
    orders, items = _dataset(tmp_path)
    assert load_file(orders).format.name == "olist-orders"
    assert load_file(items).format.name == "olist-items"
    reports = import_files(ws, [items, orders])
    assert [r.rejected for r in reports] == [0, 0]
    _check(ws.read_lines())


def test_a_merged_table_with_payments_joined_in(ws, tmp_path):
    """Orders ⋈ items ⋈ customers ⋈ products ⋈ payments in one file: an order paid in two
    parts repeats its items; each item is held once."""
    _dataset(tmp_path)
    frames = {
        n: pl.read_csv(tmp_path / f"{n}.csv", infer_schema=False)
        for n in ("olist_orders_dataset", "olist_order_items_dataset",
                  "olist_customers_dataset", "olist_products_dataset",
                  "product_category_name_translation")
    }  # fmt: skip
    payments = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o2", "o4"],
            "payment_sequential": ["1", "1", "2", "1"],
            "payment_value": ["38.71", "200.00", "82.92", "50.00"],
        }  # fmt: skip
    )
    merged = (
        frames["olist_orders_dataset"]
        .join(frames["olist_order_items_dataset"], on="order_id", how="left")
        .join(frames["olist_customers_dataset"], on="customer_id", how="left")
        .join(frames["olist_products_dataset"], on="product_id", how="left")
        .join(frames["product_category_name_translation"], on="product_category_name", how="left")
        .join(payments, on="order_id", how="left")
    )
    folder = tmp_path / "merged"
    folder.mkdir()
    merged.write_csv(folder / "olist_merged.csv")
    [report] = import_files(ws, [folder / "olist_merged.csv"])
    assert report.format == "olist-merged" and report.rejected == 0
    assert (report.rows_read, report.new_lines, report.duplicates) == (8, 6, 2)
    _check(ws.read_lines())


def test_without_the_customers_file_it_says_so(tmp_path):
    _write(tmp_path / "olist_orders_dataset.csv", ORDERS)
    loaded = load_file(tmp_path / "olist_orders_dataset.csv")
    assert loaded.lines["customer_id"].to_list()[0] == "olist:c1"
    assert any("customer_unique_id" in w for w in loaded.warnings)


def test_a_companion_file_is_named_not_a_wall_of_formats(tmp_path):
    path = _write(
        tmp_path / "olist_order_payments_dataset.csv",
        [["order_id", "payment_sequential", "payment_type", "payment_installments",
          "payment_value"], ["o1", "1", "credit_card", "1", "38.71"]],
    )  # fmt: skip
    with pytest.raises(InputError, match="olist_orders_dataset.csv and olist_order_items"):
        load_file(path)


def test_companions_renamed_as_copies_of_the_dataset_name_them(ws, tmp_path):
    """Copies of the dataset (the 10k-order subset in ../shared/data among them) drop the
    `olist_…_dataset` wrapping: `customers.csv`, `products.csv`. They are found by their header,
    so a buyer's second order is still the same customer."""
    for name, rows in (
        ("orders.csv", ORDERS),
        ("order_items.csv", ITEMS),
        ("customers.csv", CUSTOMERS),
        ("products.csv", PRODUCTS),
        ("product_category_name_translation.csv", NAMES),
    ):
        _write(tmp_path / name, rows)
    reports = import_files(ws, [tmp_path / "order_items.csv", tmp_path / "orders.csv"])
    assert [r.rejected for r in reports] == [0, 0]
    assert not any("customer_unique_id" in w for r in reports for w in r.warnings)
    _check(ws.read_lines())


def test_a_renamed_companion_file_is_named_too(tmp_path):
    path = _write(tmp_path / "olist_customers.csv", CUSTOMERS)
    with pytest.raises(InputError, match="Olist's customers"):
        load_file(path)
    payments = [["order_id", "payment_sequential", "payment_value"], ["o1", "1", "38.71"]]
    with pytest.raises(InputError, match="Olist's payments"):
        load_file(_write(tmp_path / "order_payments.csv", payments))
    # a bare products.csv may be any shop's catalogue (Complete Journey's): not called Olist's
    products = [["product_id", "department", "brand"], ["25671", "GROCERY", "National"]]
    with pytest.raises(InputError, match="unknown layout"):
        load_file(_write(tmp_path / "products.csv", products))


def test_the_real_subset_keeps_its_repeat_buyers(ws):
    """../shared/data/olist_subset (gzipped, named orders.csv …): 9,766 buyers of 9,843 kept
    orders (hand count: customer_unique_id over delivered/shipped/invoiced/processing orders),
    77 of them twice or more."""
    import gzip
    import shutil

    from tests.conftest import shared_file

    folder = ws.root.parent / "olist"
    folder.mkdir()
    for name in ("orders", "order_items", "customers", "products"):
        with gzip.open(shared_file("olist_subset", f"{name}.csv.gz")) as src:
            (folder / f"{name}.csv").write_bytes(src.read())
    shutil.copy(shared_file("olist_subset", "product_category_name_translation.csv"), folder)
    import_files(ws, [folder / "orders.csv", folder / "order_items.csv"])
    orders = orders_frame(ws.read_lines()).filter(pl.col("status") == "paid")
    per = orders.group_by("customer_id").len()
    assert (orders.height, per.height, (per["len"] > 1).sum()) == (9843, 9766, 77)
