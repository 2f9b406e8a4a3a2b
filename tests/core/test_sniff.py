"""Encodings, delimiters, preambles and quoting are detected, never asked."""

from __future__ import annotations

import codecs

import pytest

from shopinsight.core.errors import InputError
from shopinsight.core.importers import load_file

CSV = "order_id,date,customer,product,qty,price\n1,2024-01-01,café@x.com,Crème brûlée,1,4.50\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"]
)  # fmt: skip
def test_encodings(tmp_path, encoding):
    path = tmp_path / f"x-{encoding}.csv"
    data = CSV.encode(encoding)
    if encoding == "utf-16-le":
        data = data  # no BOM
    path.write_bytes(data)
    lines = load_file(path).lines
    assert lines["product_name"].to_list() == ["Crème brûlée"]
    assert lines["customer_id"].to_list() == ["café@x.com"]


def test_gbk_detected(tmp_path):
    path = tmp_path / "gbk.csv"
    text = "order_id,date,customer,product,qty,price\n1,2024-01-01,张三,绿茶礼盒,1,88.00\n" * 1
    path.write_bytes(text.encode("gbk"))
    lines = load_file(path).lines
    assert lines["product_name"].to_list() == ["绿茶礼盒"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiters(tmp_path, delimiter):
    path = tmp_path / "d.csv"
    path.write_text(CSV.replace(",", delimiter), encoding="utf-8")
    assert load_file(path).lines.height == 1


def test_preamble_and_quoted_newlines(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "sep=,\n,,,\norder_id,date,customer,product,qty,price,note\n"
        '1,2024-01-01,a,Tea,1,4.50,"line one\nline two"\n2,2024-01-02,b,Tea,1,4.50,\n',
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert loaded.rows_read == 2
    assert loaded.lines["order_note"][0] == "line one\nline two"


def test_bom_and_crlf(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(codecs.BOM_UTF8 + CSV.replace("\n", "\r\n").encode())
    assert load_file(path).lines["unit_price"].to_list() == [4.5]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (b"order_id,date,customer,product,qty,price\n", "no rows"),
        (b"alpha,beta,gamma\n1,2,3\n", "unknown layout"),
        (b"\x1f\x8b\x08\x00" + bytes(50), "gzip"),
        (b"PK\x03\x04" + bytes(50), "Excel workbook"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_file(path)


def test_ragged_rows_rejected_not_lost(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(CSV + "2,2024-01-02,b,Tea,1,4.50,EXTRA,MORE\n", encoding="utf-8")
    loaded = load_file(path)
    assert loaded.rows_read == 2
    assert loaded.lines.height == 1
    assert "fields" in loaded.rejects["reason"][0]
