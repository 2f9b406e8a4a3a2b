"""A generic file without an order column: its orders are a buyer's rows at one time, and a
row without that buyer says so (red team on public data)."""

from __future__ import annotations

from shopinsight.core.importers import load_file
from tests.core.test_importers_olist import _write

# -- 5: a generic file without an order column says what its order lacks -----------------------


def test_rows_without_the_customer_an_order_is_made_from_say_so(tmp_path):
    path = _write(
        tmp_path / "members.csv",
        [["Member_number", "Date", "itemDescription"], ["1808", "21-07-2015", "tropical fruit"],
         ["", "21-07-2015", "whole milk"], ["1808", "", "pip fruit"]],
    )  # fmt: skip
    loaded = load_file(path)
    reasons = dict(zip(loaded.rejects["row"], loaded.rejects["reason"], strict=True))
    assert reasons[2] == (
        "no customer (member_number) to make its order from (the file has no order number)"
    )
    assert reasons[3] == "no order date"
    assert loaded.lines["order_id"].to_list() == ["1808@20150721T000000"]


def test_a_file_with_emails_and_no_order_column_makes_orders_by_email(tmp_path):
    path = _write(
        tmp_path / "sales.csv",
        [["email", "date", "product", "price"], ["ann@x.com", "2024-03-01", "Mug", "9.50"],
         ["", "2024-03-01", "Cup", "4.00"]],
    )  # fmt: skip
    loaded = load_file(path)
    assert loaded.lines["order_id"].to_list() == ["ann@x.com@20240301T000000"]
    assert loaded.rejects["reason"].to_list() == [
        "no customer (email) to make its order from (the file has no order number)"
    ]
