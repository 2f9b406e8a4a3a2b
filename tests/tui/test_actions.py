"""Every screen acts: Customers (exclude, include, export the selection), Churn (export the
list), Bundles (copy the offer, export the list) — driven by keys, checked in the workspace and
in the files written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import polars as pl
from textual.widgets import Input, OptionList, Select

from shopinsight.core.exclusions import load_manual
from shopinsight.tui.widgets.dialogs import InputDialog, PickDialog
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.tui.conftest import SIZE, go, settle


async def _answer(app, pilot, text: str) -> None:
    assert isinstance(app.screen, InputDialog)
    app.screen.query_one("#answer", Input).value = text
    await go(pilot, "enter")


async def _customers_table(pilot) -> FrameTable:
    """The Customers screen's table, opened by its key once the app has settled."""
    await settle(pilot)
    await go(pilot, "2")
    return pilot.app.screen.query_one("#customers-table", FrameTable)


async def test_customers_exclude_and_include_again(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await _customers_table(pilot)
        before = table.row_count
        first = table.cursor_key
        name = table.frame["display_name"][0]
        await go(pilot, "x")
        await _answer(app, pilot, "my own orders")
        await settle(pilot)
        manual = load_manual(demo_ws)
        assert manual.select("kind", "key", "reason").rows() == [
            ("customer", first, "my own orders")
        ]
        assert first not in app.data.profiles().table["customer_id"].to_list()
        assert table.row_count == before - 1

        await go(pilot, "X")
        assert isinstance(app.screen, PickDialog)
        # named as the table named them, though no table shows them now
        assert app.screen.options == [(first, f"{name} ({first}) — my own orders")]
        await go(pilot, "enter")
        await settle(pilot)
        assert load_manual(demo_ws).height == 0
        assert table.row_count == before
        assert first in table.frame["customer_id"].to_list()


async def test_customers_export_the_selection(demo_ws, make_app, tmp_path):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        app.screen.query_one("#cust-segment", Select).value = "Champions"
        await settle(pilot)
        table = app.screen.query_one("#customers-table", FrameTable)
        shown = table.frame["customer_id"].to_list()
        assert 0 < len(shown) < app.data.profiles().table.height
        await go(pilot, "ctrl+e")
        default = app.screen.query_one("#answer", Input).value
        assert "shopinsight-exports" in default and default.endswith("2026-11-20.csv")
        out = tmp_path / "out" / "champions.csv"
        await _answer(app, pilot, str(out))
        await settle(pilot)
    written = pl.read_csv(out, infer_schema=False)
    assert written["Customer ID"].to_list() == shown
    assert set(written["Segment"].to_list()) == {"Champions"}
    assert {"Name", "Email", "Tags", "Spent"} <= set(written.columns)


async def test_churn_export_the_list(demo_ws, make_app, tmp_path):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        table = app.screen.query_one("#churn-table", FrameTable)
        shown = table.frame["customer_id"].to_list()
        await go(pilot, "ctrl+e")
        out = tmp_path / "churn.csv"
        await _answer(app, pilot, str(out))
        await settle(pilot)
    written = pl.read_csv(out, infer_schema=False)
    assert written["Customer ID"].to_list() == shown
    assert written["Reasons"].str.len_chars().min() > 0
    assert "Suggested action" in written.columns


async def test_bundles_copy_the_offer_and_export(demo_ws, make_app, tmp_path):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        screen = app.screen
        row = screen.highlighted()
        assert row is not None
        await go(pilot, "c")
        copied = app.clipboard
        assert copied.startswith("Bundle: ") and row["names"][-1] in copied
        assert "together for" in copied
        await go(pilot, "ctrl+e")
        out = Path(tmp_path / "bundles.csv")
        await _answer(app, pilot, str(out))
        await settle(pilot)
        n = screen.query_one("#bundle-table", FrameTable).row_count
    written = pl.read_csv(out, infer_schema=False)
    assert written.height == n > 0
    assert written["Bundle"][0] == " + ".join(row["names"])


async def test_customers_tag_notices_name_the_customer(demo_ws, make_app):
    """The toasts of tag and untag say who, as the dialog did: name and id, not the id alone."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await _customers_table(pilot)
        cid = table.cursor_key
        name = table.frame.row(table.cursor_row, named=True)["display_name"]
        assert name and name != cid
        who = f"{name} ({cid})"
        await go(pilot, "t")
        assert who in str(app.screen.query_one(".dialog-title").render())
        await _answer(app, pilot, "vip_friend")
        said = [str(n.message) for n in app._notifications]
        assert f"Added tag 'vip_friend' to {who}." in said, said
        await go(pilot, "T")
        assert isinstance(app.screen, PickDialog)
        app.screen.query_one(OptionList).highlighted = [
            o.id for o in app.screen.query_one(OptionList).options
        ].index("vip_friend")
        await go(pilot, "enter")
        said = [str(n.message) for n in app._notifications]
        assert f"Removed your tag 'vip_friend' from {who}." in said, said


async def test_a_key_right_after_moving_acts_on_the_highlighted_customer(demo_ws, make_app):
    """The detail panel waits while keys repeat; `t` pressed straight after two moves must
    tag the customer under the cursor, not the one the panel still shows."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await _customers_table(pilot)
        table.focus_table()
        await settle(pilot)
        first = table.cursor_key
        await pilot.press("down", "down", "t")  # no pause: the detail has not caught up
        await pilot.pause()
        third = table.cursor_key
        assert third != first
        title = str(app.screen.query_one(".dialog-title").render())
        assert f"({third})" in title and f"({first})" not in title, title


async def test_an_empty_search_leaves_no_customer_to_act_on(demo_ws, make_app):
    """A search that matches no one empties the table: x must not exclude the customer who
    was highlighted before (hidden now), it says to highlight one."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await _customers_table(pilot)
        table.focus_table()
        await go(pilot, "down")
        app.screen.query_one("#cust-search", Input).value = "zzzzqqqq-no-such"
        await settle(pilot)
        assert table.row_count == 0
        table.focus_table()
        await go(pilot, "x")
        assert not isinstance(app.screen, InputDialog)
        said = [str(n.message) for n in app._notifications]
        assert "Highlight a customer first." in said, said


async def test_bring_back_names_a_customer_excluded_elsewhere(demo_ws, make_app):
    """Excluded by the command line (or in an earlier session), a customer is in no table; the
    bring-back list still names them, from their orders."""
    from shopinsight.core.exclusions import save_manual

    save_manual(demo_ws, "customer", "etsy:katiemitc80", "a friend")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await _customers_table(pilot)
        assert "etsy:katiemitc80" not in table.frame["customer_id"].to_list()
        await go(pilot, "X")
        assert isinstance(app.screen, PickDialog)
        assert app.screen.options == [
            ("etsy:katiemitc80", "Katie Mitchell (etsy:katiemitc80) — a friend")
        ]
        await go(pilot, "enter")
        back = "Katie Mitchell (etsy:katiemitc80) is back in the analyses."
        for _ in range(500):  # the dialog's answer starts the worker a message later
            said = [str(n.message) for n in app._notifications]
            if back in said:
                break
            await settle(pilot)
            await asyncio.sleep(0.02)
        assert back in said, said
