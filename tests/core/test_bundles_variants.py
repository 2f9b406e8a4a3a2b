"""Bundles count a product, not each of its size and colour variants.

Hand-made shop of 40 orders: a Pen bought with an Ink Bottle in 8 orders, the ink in four
colours (2 orders each: Shopify names them "Ink Bottle - Midnight Blue" …), so no colour pair
reaches the 3 orders a set needs but Pen + Ink Bottle does; the Midnight Blue bottle is also
bought alone twice, so it is the most bought colour. "T-Shirt - Limited Edition" has no sibling
and keeps its name. Then the real Shopify and Etsy exports, where no bundle was found before.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.bundles import bundle_offers, mine_itemsets, roll_up_variants
from tests.factories import make_lines

EXPORTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "exports"
COLOURS = {"INK-MB": "Midnight Blue", "INK-BK": "Black", "INK-RD": "Red", "INK-GR": "Green"}
CONFIG = {"bundles": {"min_orders": 3, "min_support": 0.01}}


def _rows() -> list[dict]:
    inks = list(COLOURS)
    baskets = [["PEN", inks[i % 4]] for i in range(8)] + [["INK-MB"]] * 2 + [["TEE"]] * 3
    baskets += [[f"F{i}"] for i in range(40 - len(baskets))]
    name = {sku: f"Ink Bottle - {c}" for sku, c in COLOURS.items()}
    name |= {"PEN": "Pen", "TEE": "T-Shirt - Limited Edition"}
    rows = []
    for i, basket in enumerate(baskets, start=1):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        for sku in basket:
            rows.append(
                dict(order_id=i, customer_id=f"c{i}@x.com", ordered_at=day, sku=sku,
                     product_name=name.get(sku, f"Filler {sku}"), unit_price=6.0)
            )  # fmt: skip
    return rows


@pytest.fixture
def shop() -> pl.LazyFrame:
    return make_lines(_rows()).lazy()


def test_variants_roll_up_to_their_product_and_keep_the_variant(shop):
    rolled = roll_up_variants(shop).filter(pl.col("sku").str.starts_with("INK")).collect()
    assert set(rolled["sku"]) == {"INK-BK"}  # the product's first SKU A-Z
    assert set(rolled["product_name"]) == {"Ink Bottle"}
    assert set(rolled["variant"]) == set(COLOURS.values())
    tee = roll_up_variants(shop).filter(pl.col("sku") == "TEE").collect()
    assert tee["product_name"].unique().to_list() == ["T-Shirt - Limited Edition"]


def test_a_shop_without_variants_is_left_as_it_is():
    lines = make_lines(
        [dict(order_id=1, customer_id="a@x.com", ordered_at=dt.date(2024, 1, 1), sku="MUG",
              product_name="Mug", unit_price=3.0)]
    ).lazy()  # fmt: skip
    assert roll_up_variants(lines) is lines


def test_the_pair_is_found_across_colours_with_the_most_bought_one(shop):
    found = mine_itemsets(shop, config=CONFIG)
    pairs = found.itemsets.filter(pl.col("size") == 2)
    assert pairs["items"].to_list() == [["INK-BK", "PEN"]]
    assert pairs["orders"].to_list() == [8]
    offers = bundle_offers(shop, found, CONFIG)
    assert offers["names"].to_list() == [["Ink Bottle", "Pen"]]
    assert "most bought: Ink Bottle: Midnight Blue (40%)" in offers["reason"][0]


def test_etsy_listing_titles_lose_their_search_words():
    lines = make_lines(
        [dict(order_id=1, customer_id="a@x.com", ordered_at=dt.date(2024, 1, 1),
              sku="match cylinder | candles, gifts", product_name="Match Cylinder | candles, gifts",
              variant="Rose", unit_price=3.0)]
    ).lazy()  # fmt: skip
    assert roll_up_variants(lines).collect()["product_name"].to_list() == ["Match Cylinder"]


def _bundles(tmp_path: Path, files: list[Path]) -> tuple[str, list[dict]]:
    runner = CliRunner()
    ws = str(tmp_path / "ws")
    for f in files:
        assert runner.invoke(app, ["--workspace", ws, "import", str(f)]).exit_code == 0
    table = runner.invoke(app, ["--workspace", ws, "bundles", "--top", "50"])
    assert table.exit_code == 0, table.output
    listed = runner.invoke(app, ["--workspace", ws, "bundles", "--json", "--top", "50"])
    return table.stdout, json.loads(listed.stdout)


@pytest.mark.parametrize(
    ("folder", "pattern"),
    [("shopify", "orders_export_1.enavant-*.csv"), ("etsy", "EtsySoldOrderItems*.csv")],
)
def test_real_exports_show_bundles_by_default_with_their_support(tmp_path, folder, pattern):
    files = sorted((EXPORTS / folder).glob(pattern))
    if not files:
        pytest.skip(f"the real {folder} export is not here")
    text, offers = _bundles(tmp_path, files)
    assert offers, text  # none were found before: variants split, √orders asked too much
    flat = " ".join(text.split())
    assert "bought together in" in flat and "orders (" in flat  # support said
    for offer in offers:
        assert len(set(offer["names"])) == len(offer["names"])  # one product, not two variants
        for name in offer["names"]:
            assert " | " not in name
            assert f"{name} ({name.lower()}" not in flat  # a name never printed twice
