"""Bundles `g`: one of the bundle's products becomes a segment's gift, written into
shopinsight.toml with its comments kept, and the Gifts screen plans with it at once."""

from __future__ import annotations

import tomllib

import polars as pl
import pytest
from textual.widgets import OptionList, Static

from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.choice import gift_choice
from shopinsight.core.shop import Shop
from tests.tui.conftest import go, settle


async def pick(pilot, option_id: str) -> None:
    """Choose an option of the PickDialog on top by its id, with the keys a person presses."""
    options = pilot.app.screen.query_one(OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.focus()
    await pilot.press("home", *["down"] * ids.index(option_id), "enter")
    await settle(pilot)


async def test_a_bundle_product_becomes_a_segments_gift(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        screen = app.screen
        table = screen.query_one("#bundle-table")
        row = screen.highlighted()
        while "TW-WHISK" not in row["items"]:  # a bundle with the whisk (cheap: fits a sample)
            await go(pilot, "down")
            row = screen.highlighted()
        assert table.row_count > 0
        await go(pilot, "g")
        if len(row["items"]) > 1:
            assert "Which product" in str(app.screen.query_one(".dialog-title").render())
            await pick(pilot, "TW-WHISK")
        assert "Give Bamboo Matcha Whisk" in str(app.screen.query_one(".dialog-title").render())
        await pick(pilot, "Loyal Customers")
        await settle(pilot)

        text = demo_ws.config_path.read_text(encoding="utf-8")
        settings = tomllib.loads(text)
        loyal = settings["gifts"]["segments"]["Loyal Customers"]
        assert loyal["skus"] == ["TW-WHISK"] and loyal["kind"] == "sample"
        assert "# What goes into a parcel besides the order" in text  # comments kept

        await go(pilot, "3")  # Gifts: no restart
        gifts = app.screen.gifts
        loyal_picks = gifts.picks.filter(pl.col("policy") == "Loyal Customers")
        chosen = loyal_picks.filter(pl.col("gift_sku") == "TW-WHISK")
        assert chosen.height > 0
        assert chosen["reason"].str.contains("the gift you chose for this segment").all()
        bought = (
            Shop(demo_ws, app.data.as_of())
            .lines()
            .filter(pl.col("sku") == "TW-WHISK")
            .select("customer_id")
            .unique()
            .collect()["customer_id"]
        )
        others = loyal_picks.filter(pl.col("gift_sku") != "TW-WHISK")["customer_id"]
        assert others.is_in(bought.implode()).all()  # only those who have it get another gift
        await go(pilot, "down")  # Champions → Loyal Customers
        rule = str(app.screen.query_one("#policy-rule", Static).render())
        assert "first choice Bamboo Matcha Whisk (TW-WHISK)" in rule  # by name, SKU after


async def test_a_card_only_segment_asks_sample_or_full_size(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        row = app.screen.highlighted()
        await go(pilot, "g")
        sku = row["items"][0]
        if len(row["items"]) > 1:
            await pick(pilot, sku)
        await pick(pilot, "At Risk")  # a card today
        assert "gets no product today" in str(app.screen.query_one(".dialog-title").render())
        await pick(pilot, "full_size")
    settings = tomllib.loads(demo_ws.config_path.read_text(encoding="utf-8"))
    at_risk = settings["gifts"]["segments"]["At Risk"]
    assert at_risk["kind"] == "full_size" and at_risk["skus"] == [sku]
    assert at_risk["budget"] > 0  # it had none: set to what the gift costs, said in the notice
    assert "chosen from a bundle" in at_risk["purpose"]  # not "personal letter" any more


def test_the_choice_is_checked(demo_ws):
    settings = Shop(demo_ws).settings()
    with pytest.raises(ConfigError, match="No gift policy"):
        gift_choice(settings, "Nobody", "X", "X", 1.0, "USD")
    with pytest.raises(ConfigError, match="gets no product today"):
        gift_choice(settings, "Lost", "X", "X", 1.0, "USD")  # kind "none": sample or full size?
    changes, words = gift_choice(settings, "Champions", "X", "Pen", 50.0, "USD")
    assert changes == {("gifts", "segments", "Champions", "skus"): ["X"]}
    assert "more than their 40.00 budget" in words


async def test_product_names_with_brackets_are_text_not_markup(demo_ws, make_app):
    """A name from an export such as 'Ink [/] Bottle' is shown as written: no markup error."""
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        screen = app.screen
        key = screen.highlighted()["key"]
        odd = pl.col("names").list.eval(pl.format("[/]{} [b]", pl.element()))
        screen.rows = screen.rows.with_columns(
            pl.when(pl.col("key") == key).then(odd).otherwise(pl.col("names")).alias("names")
        )
        await go(pilot, "c")
        assert "[/]" in app.clipboard
        await go(pilot, "g")
        row = screen.highlighted()
        if len(row["items"]) > 1:  # the options are drawn: a markup error would end the app
            await pick(pilot, row["items"][0])
        title = str(app.screen.query_one(".dialog-title").render())
        assert "[/]" in title and "[b]" in title
