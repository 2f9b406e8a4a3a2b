"""Etsy importers: EtsySoldOrderItems, EtsySoldOrders, and the two imported together."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import KNOWN_COLUMNS, detect, import_files, load_file
from shopinsight.core.importers.sniff import sniff
from shopinsight.core.orders import orders_frame
from tests.conftest import EXPORTS, shared_file
from tests.core.importer_checks import reads_only_what_it_uses

DATA = Path(__file__).resolve().parents[1] / "data" / "etsy"
ITEMS = DATA / "EtsySoldOrderItems_sample.csv"
ORDERS = DATA / "EtsySoldOrders_sample.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _real_items() -> list[Path]:
    folder = EXPORTS / "etsy"
    files = sorted(folder.glob("EtsySoldOrderItems*.csv")) if folder.exists() else []
    if not files:
        pytest.skip("real Etsy exports not available")
    return files


def _order_totals(lines: pl.DataFrame) -> dict[str, float]:
    per_order = lines.group_by("order_id").agg(pl.col("order_total").first())
    return dict(per_order.iter_rows())


def test_detects_both_layouts_and_does_not_confuse_them():
    for path, name in [(ITEMS, "etsy-items"), (ORDERS, "etsy-orders")]:
        assert detect(sniff(path, KNOWN_COLUMNS).columns).name == name
    for path in _real_items():
        assert detect(sniff(path, KNOWN_COLUMNS).columns).name == "etsy-items"
    real_orders = shared_file("exports", "etsy", "EtsySoldOrders2022.redacted.csv")
    assert detect(sniff(real_orders, KNOWN_COLUMNS).columns).name == "etsy-orders"


def test_shopify_exports_are_still_shopify():
    folder = shared_file("exports", "shopify")
    for path in folder.glob("orders_export*.csv"):
        assert detect(sniff(path, KNOWN_COLUMNS).columns).name == "shopify"


def test_real_item_files_keep_every_row_and_order_money_once():
    for path in _real_items():
        raw = _rows(path)
        loaded = load_file(path)
        assert loaded.format.name == "etsy-items"
        assert loaded.rows_read == len(raw)
        assert loaded.rows_read == loaded.lines.height + loaded.rejects.height
        assert loaded.rejects.height == 0
        # Independently: items summed, order money from each order's first row only.
        items: dict[str, float] = defaultdict(float)
        first: dict[str, dict[str, str]] = {}
        for r in raw:
            items[r["Order ID"]] += float(r["Item Total"])
            first.setdefault(r["Order ID"], r)
        expected = {
            o: items[o]
            - float(first[o]["Discount Amount"])
            + float(first[o]["Order Shipping"])
            + float(first[o]["Order Sales Tax"])
            for o in items
        }
        got = _order_totals(loaded.lines)
        assert got.keys() == expected.keys()
        assert all(got[o] == pytest.approx(expected[o]) for o in expected)


def test_real_orders_file_one_line_per_order_with_guests_keyed():
    path = shared_file("exports", "etsy", "EtsySoldOrders2022.redacted.csv")
    raw = _rows(path)
    loaded = load_file(path)
    lines = loaded.lines
    assert loaded.rows_read == len(raw) == lines.height + loaded.rejects.height
    assert lines.height == len({r["Order ID"] for r in raw})
    assert set(lines["line_kind"].to_list()) == {"order"}
    assert lines["line_no"].unique().to_list() == [0]
    assert lines["order_total"].sum() == pytest.approx(sum(float(r["Order Total"]) for r in raw))
    guests = [r for r in raw if not r["Buyer User ID"]]
    got_guests = lines.filter(pl.col("customer_id").str.starts_with("etsy:guest:"))
    assert got_guests.height == len(guests)
    named = {r["Buyer User ID"].lower() for r in raw if r["Buyer User ID"]}
    assert set(
        lines.filter(~pl.col("customer_id").str.starts_with("etsy:guest:"))["customer_id"]
    ) == {f"etsy:{b}" for b in named}
    assert lines["currency"].unique().to_list() == ["USD"]
    # Sale Date is MM/DD/YY: all in 2022
    assert lines["ordered_at"].dt.year().unique().to_list() == [2022]


def test_items_first_row_money_buyers_gifts_and_rejects():
    loaded = load_file(ITEMS)
    lines = loaded.lines
    assert loaded.rows_read == 6
    assert lines.height == 5
    assert loaded.rejects.height == 1
    reason = loaded.rejects["reason"][0]
    assert "Sale Date" in reason and "13/45/22" in reason

    first = lines.filter(pl.col("order_id") == "900001").sort("line_no")
    # order money from the first item row (3.50 shipping, 1.00 discount), never summed
    assert first["shipping"].to_list() == [3.5, 3.5]
    assert first["order_total"].to_list() == [pytest.approx(21 - 1 + 3.5)] * 2
    assert first["discount_code"].to_list() == ["SPRING10"] * 2
    # line numbers follow Transaction ID, not file order
    assert first["product_name"].to_list() == ["moon journal", "starry sticker sheet"]

    by_order = {r["order_id"]: r for r in lines.unique("order_id").iter_rows(named=True)}
    assert by_order["900001"]["customer_id"] == "etsy:annlee"
    assert by_order["900001"]["customer_name"] == "Ann Lee"
    assert by_order["900002"]["customer_id"] == "etsy:bobby22"
    assert by_order["900003"]["customer_id"] == "etsy:guest:dan guest|02767"
    assert by_order["900003"]["fulfilled"] is False
    # gifts: gift-box packaging; ship-to name differs from the buyer's name
    assert by_order["900001"]["is_gift"] is True
    assert by_order["900004"]["is_gift"] is True
    # "Gift wrap:No" is not a gift; a bare username gives no name to compare
    assert by_order["900002"]["is_gift"] is False
    assert by_order["900003"]["is_gift"] is False
    assert lines["ordered_at"].dt.date().min().isoformat() == "2022-03-02"


def test_orders_sample_refunds_coupons_and_rejects():
    loaded = load_file(ORDERS)
    lines = loaded.lines
    assert loaded.rows_read == 6 == lines.height + loaded.rejects.height
    assert "Order Total" in loaded.rejects["reason"][0]
    by_order = {r["order_id"]: r for r in lines.iter_rows(named=True)}
    assert by_order["900001"]["discount_code"] == "SPRING10"
    assert by_order["900004"]["status"] == "partially_refunded"
    assert by_order["900004"]["refunded"] == pytest.approx(3.0)
    assert by_order["900003"]["customer_id"] == "etsy:guest:dan guest|02767"
    assert by_order["900002"]["is_gift"] is True  # shipped to Carol, bought by Bob
    assert by_order["900001"]["is_gift"] is False


@pytest.mark.parametrize("order", ["items_first", "orders_first", "together"])
def test_items_and_orders_join_without_double_counting(ws, order):
    if order == "together":
        import_files(ws, [ITEMS, ORDERS])
    else:
        first, second = (ITEMS, ORDERS) if order == "items_first" else (ORDERS, ITEMS)
        import_files(ws, [first])
        import_files(ws, [second])
    lines = ws.lines().collect()
    kinds = dict(lines.group_by("order_id").agg(pl.col("line_kind").unique()).iter_rows())
    for covered in ("900001", "900002", "900003", "900004"):
        assert [str(k) for k in kinds[covered]] == ["product"]
    assert [str(k) for k in kinds["900005"]] == ["order"]  # its item row was rejected
    orders = orders_frame(ws.lines()).collect()
    assert orders.height == 5
    totals = dict(orders.select("order_id", "order_total").iter_rows())
    # the orders file's tax-inclusive totals win over the items' own sums
    assert totals == pytest.approx(
        {"900001": 25.41, "900002": 7.36, "900003": 15.0, "900004": 15.0, "900005": 15.0}
    )
    assert orders["net_revenue"].sum() == pytest.approx(25.41 + 7.36 + 15 + 12 + 15)
    gifts = dict(orders.select("order_id", "is_gift").iter_rows())
    assert gifts["900001"] and gifts["900002"] and gifts["900004"] and not gifts["900003"]
    customers = dict(orders.select("order_id", "customer_id").iter_rows())
    assert customers["900003"] == "etsy:guest:dan guest|02767"
    assert customers["900001"] == "etsy:annlee"
    # re-importing both changes nothing
    import_files(ws, [ITEMS, ORDERS])
    assert (
        ws.lines().collect().sort("order_id", "line_no").equals(lines.sort("order_id", "line_no"))
    )


def test_reads_only_the_columns_it_uses():
    for path in [ITEMS, ORDERS]:
        reads_only_what_it_uses(path)
