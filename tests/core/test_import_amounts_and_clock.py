"""Amounts that are not numbers, the shop's timezone setting and the UTC-offset note, in
every importer (red team on public data)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from shopinsight.core.errors import ConfigError
from shopinsight.core.importers import load_file
from tests.core.test_importers_olist import _write

REPO = Path(__file__).resolve().parents[2]
SHOPIFY = REPO / "sample_exports" / "orders_export_1.csv"


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# -- 10: inf / NaN are bad amounts in every importer ------------------------------------------


def test_inf_and_nan_prices_are_rejected_as_bad_amounts(tmp_path):
    rows = _rows(SHOPIFY)
    price = rows[0].index("Lineitem price")
    rows[1][price], rows[2][price] = "inf", "NaN"
    path = _write(tmp_path / "orders_export_1.csv", rows)
    loaded = load_file(path)
    reasons = dict(zip(loaded.rejects["row"], loaded.rejects["reason"], strict=True))
    assert "bad amount 'inf' in column 'Lineitem price'" in reasons[1]
    assert "bad amount 'NaN' in column 'Lineitem price'" in reasons[2]
    assert loaded.lines["unit_price"].is_nan().sum() == 0
    assert loaded.lines["unit_price"].is_infinite().sum() == 0


# -- (a): [shop] timezone is stripped and checked ---------------------------------------------


def test_the_timezone_setting_is_stripped_and_checked(tmp_path):
    plain = load_file(SHOPIFY, settings={"shop": {"timezone": "America/New_York"}}, digest=False)
    spaced = load_file(SHOPIFY, settings={"shop": {"timezone": " America/New_York "}}, digest=False)
    assert spaced.lines.equals(plain.lines)
    with pytest.raises(ConfigError, match="shop.timezone"):
        load_file(SHOPIFY, settings={"shop": {"timezone": "Mars/Olympus"}}, digest=False)


# -- (b): the offset note, said once, also when read in batches ---------------------------------


def test_offset_note_is_said_once_when_the_export_is_read_in_batches(monkeypatch):
    import shopinsight.core.importers as imp
    from shopinsight.core.importers import stream

    whole = load_file(SHOPIFY, digest=False)
    monkeypatch.setattr(imp, "STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_ROWS", 97)
    batched = load_file(SHOPIFY, digest=False)
    for loaded in (whole, batched):
        notes = [w for w in loaded.warnings if "UTC offsets" in w]
        assert len(notes) == 1, loaded.warnings
    assert batched.warnings == whole.warnings
    ny = {"shop": {"timezone": "America/New_York"}}
    assert not any("UTC offsets" in w for w in load_file(SHOPIFY, settings=ny).warnings)
