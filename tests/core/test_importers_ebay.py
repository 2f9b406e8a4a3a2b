"""eBay Seller Hub orders report: preamble, padding row, footer, summary rows, money and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.importers import KNOWN_COLUMNS, detect, import_files, load_file
from shopinsight.core.importers.sniff import sniff
from shopinsight.core.orders import orders_frame
from tests.core.importer_checks import reads_only_what_it_uses

DATA = Path(__file__).resolve().parents[1] / "data" / "ebay"
US = DATA / "ebay_orders_us.csv"
UK = DATA / "ebay_orders_uk.csv"
FR = DATA / "ebay_orders_fr.csv"


def test_header_found_after_preamble_and_detected():
    sn = sniff(US, KNOWN_COLUMNS)
    assert sn.header_line == 1 and sn.columns[0] == "Sales Record Number"
    assert detect(sn.columns).name == "ebay"
    assert detect(sniff(UK, KNOWN_COLUMNS).columns).name == "ebay"
    fr = sniff(FR, KNOWN_COLUMNS)
    assert fr.delimiter == ";" and detect(fr.columns).name == "ebay-fr"


def test_footer_padding_and_summary_rows_are_not_rows(ws):
    loaded = load_file(US)
    # 1 single-item + 2 items of a multi-item order + 1 bad + 1 unpaid; no padding/footer/summary
    assert loaded.rows_read == 5
    assert loaded.lines.height == 4 and loaded.rejects.height == 1
    reason = loaded.rejects["reason"][0]
    assert "Sale Date" in reason and "Foo-99-26" in reason
    assert loaded.rejects["row"].to_list() == [6]  # 6th record after the header
    report = import_files(ws, [US])[0]
    assert (report.rows_read, report.accepted, report.rejected) == (5, 4, 1)


def test_multi_item_order_takes_the_summary_totals():
    lines = load_file(US).lines
    multi = lines.filter(pl.col("order_id") == "12-11111-00002").sort("line_no")
    assert multi["sku"].to_list() == ["CHAIR-1", "CUSH-1"]
    assert multi["line_total"].to_list() == [1000.0, 50.0]
    assert multi["order_total"].to_list() == [1055.0, 1055.0]  # "$1,055.00"
    assert multi["shipping"].to_list() == [5.0, 5.0]
    assert multi["customer_id"].to_list() == ["ebay:carol_c"] * 2
    assert multi["city"].to_list() == ["Austin"] * 2  # address from the summary row
    assert multi["is_gift"].to_list() == [True, True]  # buyer note says gift
    assert multi["variant"].to_list() == ["Colour: Natural", None]
    orders = orders_frame(lines.lazy()).collect()
    totals = dict(orders.select("order_id", "order_total").iter_rows())
    assert totals == {"12-11111-00001": 29.98, "12-11111-00002": 1055.0, "12-11111-00004": 12.99}
    single = lines.filter(pl.col("order_id") == "12-11111-00001").row(0, named=True)
    assert (single["quantity"], single["unit_price"], single["line_total"]) == (2, 12.99, 25.98)
    assert single["currency"] == "USD" and single["fulfilled"] is True
    assert single["ordered_at"] == dt.datetime(2026, 9, 28, tzinfo=dt.UTC)
    unpaid = lines.filter(pl.col("order_id") == "12-11111-00004").row(0, named=True)
    assert unpaid["status"] == "pending" and unpaid["is_gift"] is True  # shipped to Frank
    assert unpaid["customer_id"] == "ebay:erin_e"


def test_uk_site_pounds_and_day_first_dates():
    loaded = load_file(UK)
    lines = loaded.lines.sort("order_id")
    assert loaded.rows_read == 2 and loaded.rejects.height == 0
    assert lines["currency"].to_list() == ["GBP", "GBP"]
    assert lines["order_total"].to_list() == [1237.7, 14.0]
    assert lines["unit_price"].to_list() == [1234.5, 4.0]
    assert lines["ordered_at"].dt.date().to_list() == [dt.date(2026, 5, 26), dt.date(2026, 5, 28)]
    assert lines["postal_code"].to_list() == ["YO1 7HH", "LS1 1BA"]
    assert lines["fulfilled"].to_list() == [True, False]


def test_french_site_semicolons_decimal_commas_and_months():
    loaded = load_file(FR)
    lines = loaded.lines.sort("order_id")
    assert loaded.rows_read == 2 and loaded.rejects.height == 0
    assert lines["order_total"].to_list() == pytest.approx([1238.5, 180.0])
    assert lines["unit_price"].to_list() == pytest.approx([1234.5, 90.0])
    assert lines["currency"].to_list() == ["EUR", "EUR"]
    assert lines["ordered_at"].dt.date().to_list() == [dt.date(2026, 10, 5), dt.date(2026, 12, 12)]
    assert lines["customer_id"].to_list() == ["ebay:lucie", "ebay:marc"]
    assert lines["status"].to_list() == ["paid", "pending"]


def test_reads_only_the_columns_it_uses():
    for path in [US, UK, FR]:
        reads_only_what_it_uses(path)
