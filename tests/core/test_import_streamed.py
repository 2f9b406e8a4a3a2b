"""A big export parsed in batches of whole orders gives exactly what reading it whole gives."""

from __future__ import annotations

from pathlib import Path

import pytest

import shopinsight.core.importers as importers
from shopinsight.core.importers import stream
from tests.conftest import SHARED_DATA
from tests.core.test_importers_shopify import order, write_shopify

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_exports" / "orders_export_1.csv"
REAL = SHARED_DATA / "exports" / "shopify" / "orders_export_1.enavant-2021-22.redacted.csv"


def _both(monkeypatch, path: Path, batch: int = 37):
    monkeypatch.setattr(importers, "STREAM_BYTES", 1 << 60)
    whole = importers.load_file(path, digest=False)
    monkeypatch.setattr(importers, "STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_ROWS", batch)
    calls = []
    real = stream.load_streamed
    monkeypatch.setattr(importers, "load_streamed", lambda *a: calls.append(1) or real(*a))
    streamed = importers.load_file(path, digest=False)
    return whole, streamed, bool(calls)


def _same(whole, streamed) -> None:
    assert streamed.lines.equals(whole.lines)
    assert streamed.rows_read == whole.rows_read
    assert streamed.rejects.equals(whole.rejects)
    assert streamed.warnings == whole.warnings


@pytest.mark.parametrize("path", [SAMPLE, REAL], ids=["sample", "real"])
def test_batches_of_whole_orders_match_reading_whole(monkeypatch, path):
    if not path.exists():
        pytest.skip(f"{path} not available")
    whole, streamed, used = _both(monkeypatch, path)
    assert used and whole.lines.height > 100
    _same(whole, streamed)


def test_rejected_rows_and_a_split_order_fall_back_to_the_same_answer(monkeypatch, tmp_path):
    rows = []
    for i in range(40):
        items = [("Mug", 1, "10.00"), ("Tea", 2, "4.50")][: 1 + i % 2]
        rows += order(f"#{i}", f"c{i % 7}@x.com", f"2024-01-{1 + i % 28:02d} 10:00:00 +0000",
                      items, Total="20")  # fmt: skip
    rows += order("#bad", "z@x.com", "not a date", [("Mug", 1, "10.00")], Total="10")
    rows += rows[:1]  # order #0 again, far from its first rows
    path = write_shopify(tmp_path / "orders.csv", rows)
    whole, streamed, used = _both(monkeypatch, path, batch=8)
    assert used and whole.rejects.height == 1
    _same(whole, streamed)


def _import_both(monkeypatch, tmp_path, path: Path):
    from shopinsight.core import store
    from shopinsight.core.importers import import_files
    from shopinsight.core.workspace import Workspace

    monkeypatch.setattr(importers, "STREAM_BYTES", 1 << 60)
    whole = Workspace.open(tmp_path / "whole")
    expected = import_files(whole, [path])[0]
    monkeypatch.setattr(importers, "STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_ROWS", 40)
    monkeypatch.setattr(store, "PART_ROWS", 100)
    ws = Workspace.open(tmp_path / "early")
    report = import_files(ws, [path])[0]
    assert not list((ws.root / store.LINES_DIR).glob(f"{store.INCOMING}*"))
    assert ws.lines().collect().equals(whole.lines().collect())
    for key in ("rows_read", "accepted", "rejected", "new_lines", "updated", "duplicates"):
        assert getattr(report, key) == getattr(expected, key), key
    assert report.warnings == expected.warnings
    return ws


def test_a_big_first_import_writes_its_parts_while_reading(monkeypatch, tmp_path):
    if not SAMPLE.exists():
        pytest.skip("sample_exports/ is missing")
    ws = _import_both(monkeypatch, tmp_path, SAMPLE)
    manifest = ws.manifest()
    assert len(manifest["lines"]) > 3 and manifest["ordered"]


def test_a_first_import_that_cannot_be_streamed_leaves_no_parts_behind(monkeypatch, tmp_path):
    rows = []
    for i in range(40):
        rows += order(f"#{i}", f"c{i}@x.com", f"2024-02-{1 + i % 28:02d} 10:00:00 +0000",
                      [("Mug", 1, "10.00")], Total="10")  # fmt: skip
    rows += rows[:1]  # an order apart from its first row: read whole
    ws = _import_both(monkeypatch, tmp_path, write_shopify(tmp_path / "orders.csv", rows))
    assert len(ws.manifest()["lines"]) == 1


def test_rejected_rows_of_a_big_file_are_read_alone_with_every_column(monkeypatch, tmp_path):
    rows = order("#1", "a@x.com", "2024-01-01 10:00:00 +0000", [("Mug", 1, "10.00")],
                 Total="10", Notes='line one\nline "two", three')  # fmt: skip
    rows += order("#2", "b@x.com", "soon", [("Tea", 1, "5.00"), ("Pot", 1, "9")], Total="14")
    rows += order("#3", "c@x.com", "2024-01-03 10:00:00 +0000", [("Cup", 1, "4.00")], Total="4")
    path = write_shopify(tmp_path / "orders.csv", rows)
    monkeypatch.setattr(importers, "STREAM_BYTES", 1 << 60)
    whole = importers.load_file(path, digest=False)
    monkeypatch.setattr(importers, "STREAM_BYTES", 0)
    calls = []
    real = importers.read_rows
    monkeypatch.setattr(importers, "read_rows", lambda *a: calls.append(1) or real(*a))
    alone = importers.load_file(path, digest=False)
    assert calls and alone.rejects.equals(whole.rejects)
    assert alone.rejects["row"].to_list() == [2, 3]
    assert alone.rejects["lineitem name"].to_list() == ["Tea", "Pot"]
    assert len(alone.rejects.columns) == len(whole.rejects.columns) > 70
