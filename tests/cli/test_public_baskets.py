"""Public basket data imported as a merchant would, checked against a hand count from the raw
file (../shared/data; skipped where absent)."""

from __future__ import annotations

import gzip
import json

import polars as pl
from typer.testing import CliRunner

from shopinsight.cli import app
from tests.conftest import shared_file

runner = CliRunner()


def test_bread_basket_placeholders_are_rejected_and_bundles_match_a_hand_count(tmp_path):
    """The bakery's 786 `NONE` rows name no product and carry no money: rejected with their
    reason, so baskets are the 9,465 transactions with an item (SOURCES.md) and NONE is never
    bundled. Coke + Sandwich by hand: 49 baskets, support 49/9,465, lift 3.7067,
    confidence 26.6% (Coke → Sandwich)."""
    src = shared_file("breadbasket", "BreadBasket_DMS.csv.gz")
    path = tmp_path / "BreadBasket_DMS.csv"
    path.write_bytes(gzip.open(src).read())
    raw = pl.read_csv(path)
    baskets = raw.filter(pl.col("Item") != "NONE").unique(["Transaction", "Item"])
    n = baskets["Transaction"].n_unique()
    count = dict(baskets.group_by("Item").len().iter_rows())
    both = baskets.filter(pl.col("Item").is_in(["Coke", "Sandwich"])).group_by("Transaction")
    together = both.len().filter(pl.col("len") == 2).height

    ws = str(tmp_path / "ws")
    result = runner.invoke(app, ["-w", ws, "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert report["rows_read"] == raw.height == report["accepted"] + report["rejected"]
    assert report["rejected"] == raw.filter(pl.col("Item") == "NONE").height == 786
    rejects = pl.read_csv(report["rejects_path"])
    assert rejects["reason"].unique().to_list() == [
        "no product (NONE is a placeholder) and no amount"
    ]

    result = runner.invoke(app, ["-w", ws, "bundles", "--json"])
    assert result.exit_code == 0, result.output
    bundles = json.loads(result.stdout)
    assert not any("NONE" in b["names"] for b in bundles)
    top = bundles[0]
    assert top["names"] == ["Coke", "Sandwich"] and top["orders"] == together == 49
    assert top["support"] == together / n and n == 9_465
    assert abs(top["lift"] - together * n / (count["Coke"] * count["Sandwich"])) < 1e-9
    assert abs(top["confidence_best"] - together / count["Coke"]) < 1e-9
    assert "?" not in top["offer"]["reason"]
    assert "no bundle price (no prices in a known currency)" in top["offer"]["reason"]
