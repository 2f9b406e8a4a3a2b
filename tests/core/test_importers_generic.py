"""Generic order lines: recognised column names, --map, no order id, credit notes."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import import_files, load_file
from shopinsight.core.orders import orders_frame
from tests.conftest import shared_file


def test_online_retail_layout(tmp_path):
    src = shared_file("online_retail", "online_retail.csv.gz")
    head = gzip.open(src, "rt", encoding="utf-8").readlines()[:3001]
    path = tmp_path / "online_retail.csv"
    path.write_text("".join(head), encoding="utf-8")
    loaded = load_file(path)
    assert loaded.format.name == "generic"
    assert loaded.rows_read == 3000 == loaded.lines.height + loaded.rejects.height
    raw = pl.read_csv(path, infer_schema=False)
    assert loaded.lines["order_id"].n_unique() == raw["InvoiceNo"].n_unique()
    credit = loaded.lines.filter(pl.col("order_id").str.starts_with("C"))
    assert credit.height > 0 and set(credit["status"].to_list()) == {"returned"}
    assert (credit["line_total"] <= 0).all() and (credit["order_total"] <= 0).all()
    assert loaded.lines.filter(pl.col("customer_id") == "generic:17850").height > 0
    assert any("credit notes/returns" in w for w in loaded.warnings)


def test_lines_without_order_id_group_by_customer_and_time(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(
        "date;customer;sku;qty;price\n"
        "2024-03-01 10:00;ann;A;1;10,50\n"
        "2024-03-01 10:00;ann;B;2;1.000,00\n"
        "2024-03-02 09:00;ann;A;1;10,50\n",
        encoding="utf-8",
    )
    lines = load_file(path).lines
    assert lines["order_id"].n_unique() == 2
    assert lines["line_total"].to_list() == [10.5, 2000.0, 10.5]
    orders = orders_frame(lines.lazy()).collect()
    assert sorted(orders["order_total"].to_list()) == [10.5, 2010.5]


def test_explicit_map(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Bon,Wann,Wer,Was,Betrag\n1,01.02.2024,x@y.de,Tee,4.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown layout"):
        load_file(path)
    mapping = {"order_id": "Bon", "ordered_at": "Wann", "email": "Wer",
               "product_name": "Was", "line_total": "Betrag"}  # fmt: skip
    lines = load_file(path, "generic", mapping).lines
    assert lines["customer_id"].to_list() == ["x@y.de"]
    assert lines["line_total"].to_list() == [4.5]
    assert str(lines["ordered_at"][0].date()) == "2024-02-01"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [({"nonsense": "Bon"}, "Unknown canonical column"), ({"order_id": "Nope"}, "not in the file")],
)
def test_bad_map_is_a_clear_error(tmp_path, mapping, message):
    path = tmp_path / "odd.csv"
    path.write_text("Bon,Wann\n1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_file(path, "generic", mapping)


def test_import_into_workspace_counts(ws, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text(
        "order_id,date,customer,sku,qty,price\n1,2024-01-01,a,A,1,5\n1,2024-01-01,a,B,1,x\n",
        encoding="utf-8",
    )
    report = import_files(ws, [path])[0]
    assert (report.rows_read, report.accepted, report.rejected) == (2, 1, 1)
    assert "bad amount 'x'" in pl.read_csv(report.rejects_path)["reason"][0]


def test_own_field_names_need_no_map():
    """A file written with ShopInsight's own field names imports without --map."""
    path = Path(__file__).resolve().parents[1] / "data" / "generic" / "own_names.csv"
    loaded = load_file(path)
    assert loaded.format.name == "generic" and loaded.rejects.height == 0
    lines = loaded.lines
    assert lines.select("order_id", "customer_id", "sku", "quantity", "line_total").rows() == [
        ("A-1", "generic:c1", "SKU1", 2, 20.0),
        ("A-1", "generic:c1", "SKU2", 1, 7.5),
        ("A-2", "generic:c2", "SKU1", 1, 10.0),
    ]
    assert lines["ordered_at"].null_count() == 0
    assert lines["product_name"].to_list() == ["Mug", "Tea", "Mug"]
