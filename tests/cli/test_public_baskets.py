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


def test_explain_of_a_household_without_names_currency_or_categories(tmp_path):
    """Complete Journey's households have only an id, amounts without a currency and products
    without categories: the card names the id once, with no '(-)' nor 'unknown'. Household
    1023 by hand: 88 baskets on 82 days, 1,156.05 net, last 2017-12-24."""
    src = shared_file("completejourney_sample", "transactions_sample.csv.gz")
    path = tmp_path / "transactions_sample.csv"
    path.write_bytes(gzip.open(src).read())
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["-w", ws, "import", str(path)]).exit_code == 0
    result = runner.invoke(app, ["-w", ws, "explain", "1023"])
    assert result.exit_code == 0, result.output
    card = " ".join(result.stdout.split("Segment:")[0].split())  # the customer card
    assert "generic:1023 (generic:1023)" not in card and "generic:1023" in card
    assert "88 orders on 82 days" in card and "last 2017-12-24" in card
    assert "net spend 1,156.05, average order 13.14" in card
    assert "(-)" not in card and "unknown" not in card


def test_customers_json_and_csv_together_is_an_error(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "customers", "--json", "--csv"])
    assert result.exit_code == 2
    assert "Choose --json or --csv" in result.output
