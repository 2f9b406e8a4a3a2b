"""`shopinsight bundles` on a small workspace built from hand-made lines."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_bundles_offers import shop_rows
from tests.factories import make_lines

runner = CliRunner()


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop"
    ws = Workspace.open(path)
    ws.commit(make_lines(shop_rows()), [])
    ws.config_path.write_text(
        ws.config_path.read_text(encoding="utf-8").replace(
            'min_support = "auto"', "min_support = 0.01"
        ),
        encoding="utf-8",
    )
    return path


def run(shop, *args: str):
    return runner.invoke(app, ["--workspace", str(shop), "bundles", *args])


def test_json_lists_bundles_with_rules_and_offer(shop):
    result = run(shop, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [b["items"] for b in data] == [["MUG", "TEA"], ["OPAL", "RUBY"]]
    first = data[0]
    assert first["names"] == ["Mug", "Tea"]
    assert first["orders"] == 6 and first["support"] == pytest.approx(0.15)
    assert first["lift"] == pytest.approx(3.75)
    assert {(tuple(r["antecedent"]), tuple(r["consequent"])) for r in first["rules"]} == {
        (("MUG",), ("TEA",)),
        (("TEA",), ("MUG",)),
    }
    assert all(r["confidence"] == pytest.approx(0.75) for r in first["rules"])
    offer = first["offer"]
    assert offer["bundle_price"] == pytest.approx(17.99) and offer["currency"] == "USD"
    assert offer["reach_customers"] == 4 and "lift 3.8" in offer["reason"]


def test_options_reach_the_miner(shop):
    lifted = json.loads(run(shop, "--json", "--min-lift", "1.6").stdout)
    assert [b["items"] for b in lifted] == [["MUG", "TEA"]]
    floor = json.loads(run(shop, "--json", "--min-orders", "4").stdout)
    assert [b["items"] for b in floor] == [["MUG", "TEA"]]  # Ruby+Opal: 3 orders
    assert json.loads(run(shop, "--json", "--min-support", "0.5").stdout) == []
    assert len(json.loads(run(shop, "--json", "--top", "1").stdout)) == 1
    everything = ["--json", "--min-lift", "0"]
    assert len(json.loads(run(shop, *everything).stdout)) == 2
    # as of the 13th, Ruby+Opal were bought together twice only: below the floor of 3
    as_of = json.loads(run(shop, *everything, "--as-of", "2024-01-13").stdout)
    assert [b["items"] for b in as_of] == [["MUG", "TEA"]]


def test_table_names_products_once_and_says_the_threshold(shop):
    """A SKU that only repeats the name (MUG for Mug) is not printed after it."""
    result = run(shop)
    assert result.exit_code == 0, result.output
    assert "Mug" in result.stdout and "Tea" in result.stdout
    assert "(MUG)" not in result.stdout and "(TEA)" not in result.stdout
    assert "20.00 → 17.99" in result.stdout and "USD" in result.stdout
    assert "in at least 3 of 40 orders" in result.stdout


def test_nothing_found_explains_what_to_try(shop):
    result = run(shop, "--min-orders", "50")
    assert result.exit_code == 0
    assert "No bundles" in result.stdout and "--min-orders" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-size", "4"], "Bad --max-size"),
        (["--min-support", "2"], "Bad --min-support"),
        (["--segment", "Nobody"], "No segment 'Nobody'"),
    ],
)
def test_bad_options_give_a_clean_error(shop, args, message):
    result = run(shop, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_empty_workspace_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["--workspace", str(tmp_path / "empty"), "bundles"])
    assert result.exit_code == 2 and "No orders yet" in result.output


def test_segment_keeps_the_bundles_it_over_indexes_on(shop, monkeypatch):
    import polars as pl

    from shopinsight.core.results import ProfilesResult
    from shopinsight.core.shop import Shop

    champions = {1, 2, 3, 4, 5, 30, 31, 32}
    table = pl.DataFrame(
        {
            "customer_id": [f"c{i}@x.com" for i in range(1, 41)],
            "segment": ["Champions" if i in champions else "Others" for i in range(1, 41)],
        }
    )
    prof = ProfilesResult(table, pl.DataFrame(), pl.DataFrame(), "USD", "rfm", "", {})
    monkeypatch.setattr(Shop, "profiles", lambda self: prof)
    data = json.loads(run(shop, "--json", "--segment", "champions").stdout)
    assert [b["items"] for b in data] == [["MUG", "TEA"]]
    assert data[0]["offer"]["segments_over_index"] == ["Champions"]
    result = run(shop, "--segment", "Others")
    assert result.exit_code == 0 and "No bundles that over-index in Others" in result.stdout
