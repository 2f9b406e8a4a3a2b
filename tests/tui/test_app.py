"""Pilot tests: each screen's main flow, driven by keys the way a shop owner would."""

from __future__ import annotations

import io

import polars as pl
import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Input, OptionList, Select, Static, TextArea
from textual_fastdatatable import DataTable

from shopinsight.core.workspace import Workspace
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.dialogs import ErrorDialog, HelpScreen, InputDialog
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.tui.conftest import SIZE, go, settle


def text_of(app, selector: str) -> str:
    """The plain text a Static shows (markup, Rich text or a Rich group)."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, str):
        return Text.from_markup(content).plain
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def test_every_screen_is_reachable_by_key(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, mode in [
            ("2", "customers"),
            ("3", "gifts"),
            ("4", "churn"),
            ("5", "bundles"),
            ("i", "import"),
            ("e", "export"),
            ("1", "overview"),
        ]:
            await go(pilot, key)
            assert app.current_mode == mode
            assert isinstance(app.screen, SectionScreen)
            assert app.screen.SECTION == mode


async def test_escape_leaves_the_search_box_so_section_keys_work_again(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        await go(pilot, "slash")
        assert isinstance(app.focused, Input)
        await pilot.press("K", "a", "t", "i", "e")
        await go(pilot, "escape")
        assert not isinstance(app.focused, Input)
        assert app.screen.query_one("#cust-search", Input).value == "Katie"  # filter kept
        await go(pilot, "4")
        assert app.current_mode == "churn"


async def test_overview_shows_kpis_charts_and_imports(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.data.status()
        orders = app.screen.query_one("#kpi-orders").query_one(".kpi-value", Static)
        assert str(orders.render()) == f"{status['orders']:,}"
        assert "As of 2026-11-20" in text_of(app, "#asof-line")
        rows = app.screen.query_one("#segments-chart").rows
        assert {r[0] for r in rows} >= {"Champions", "Lost"}
        # segments cover the customers in the main currency; the panel says which
        profiles = app.data.profiles()
        # one count of customers everywhere: segments, the KPI tile and `status`
        assert sum(r[1] for r in rows) == profiles.table.height == status["customers"]
        panel = app.screen.query_one("#segments-panel")
        assert panel.border_subtitle == f"{profiles.table.height} customers · USD"
        assert "in CNY not included — pick CNY in Settings (,) to see them" in str(panel.tooltip)


async def test_customers_filter_sort_and_detail(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        table = app.screen.query_one("#customers-table", FrameTable)
        total = app.data.profiles().table.height
        assert table.row_count == total
        # highest spender first, and the detail explains where they are
        top = app.data.profiles().table.sort("monetary", descending=True)["customer_id"][0]
        assert table.cursor_key == top
        detail = text_of(app, "#customer-detail-text")
        assert "Segment" in detail and "Tags" in detail

        # filter by segment
        segment = app.screen.query_one("#cust-segment", Select)
        segment.value = "Champions"
        await settle(pilot)
        champions = app.data.profiles().table.filter(pl.col("segment") == "Champions").height
        assert table.row_count == champions

        # free-text search through the / key
        await go(pilot, "slash")
        assert isinstance(app.focused, Input)
        segment.clear()
        await pilot.press(*"matcha")
        await settle(pilot)
        prof = app.data.profiles().table
        wanted = prof.filter(pl.col("favorite_product").str.to_lowercase().str.contains("matcha"))
        assert 0 < table.row_count <= prof.height and table.row_count >= wanted.height

        # open a customer: move down, the detail follows
        await go(pilot, "enter")
        await go(pilot, "down")
        cid = table.cursor_key
        name = app.data.profiles().table.filter(pl.col("customer_id") == cid)["customer_name"][0]
        assert (name or cid) in text_of(app, "#customer-detail-text")
        assert app.screen.selected == cid


async def test_customers_add_and_remove_a_tag_by_hand(demo_ws, make_app):
    from shopinsight.core.customers.tags import load_overrides

    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        cid = app.screen.query_one(FrameTable).cursor_key
        await go(pilot, "t")
        assert isinstance(app.screen, InputDialog)
        await pilot.press(*"vip", "enter")
        await settle(pilot)
        overrides = load_overrides(demo_ws)
        assert overrides.filter(pl.col("customer_id") == cid)["tag"].to_list() == ["vip"]
        tags = app.data.profiles().tags.filter(pl.col("customer_id") == cid)
        assert "vip" in tags["tag"].to_list()
        assert "• vip — added by you" in text_of(app, "#customer-detail-text")

        # remove it again: T opens the list of the customer's tags
        await go(pilot, "T")
        option_list = app.screen.query_one("OptionList")
        index = next(
            i
            for i in range(option_list.option_count)
            if option_list.get_option_at_index(i).id == "vip"
        )
        option_list.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert load_overrides(demo_ws).height == 0
        assert "vip" not in app.data.profiles().tags["tag"].to_list()


async def test_gifts_edit_template_and_see_the_preview_change(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        editor = app.screen.query_one("#template-editor", TextArea)
        before = text_of(app, "#note-preview")
        assert "{" not in before and before.strip()
        app.screen.query_one("#policy-table", FrameTable).focus_table()
        await go(pilot, "enter")  # Enter on a segment edits its note
        assert app.focused is editor
        await pilot.press("ctrl+home")
        editor.insert("Dear {first_name}! ")
        await pilot.press("enter")  # typed keys and inserted text both re-render the preview
        after = text_of(app, "#note-preview")
        assert after != before
        first = app.screen.example["first_name"][0] or ""
        assert f"Dear {first}!" in after
        assert "not saved" in after

        # a wrong placeholder is explained, not crashed on
        editor.insert("{nope}")
        await pilot.pause()
        assert "unknown placeholder" in text_of(app, "#note-preview")
        editor.undo()
        await pilot.pause()
        assert "unknown placeholder" not in text_of(app, "#note-preview")

        await go(pilot, "ctrl+s")
        await go(pilot, "escape")
        assert isinstance(app.focused, DataTable)
        config = demo_ws.config()
        segment_template = app.data.gifts().previews.filter(pl.col("segment") == "Champions")
        name = segment_template["template"][0]
        assert config["gifts"]["templates"][name].startswith("Dear {first_name}! \n")


async def test_gifts_export_the_packing_plan(demo_ws, make_app, exports_dir):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        app.screen.query_one("#gifts-tabs").active = "tab-plan"
        await settle(pilot)
        plan = app.data.gifts().plan
        assert app.screen.query_one("#plan-table", FrameTable).row_count == plan.height
        await go(pilot, "ctrl+e")
        await go(pilot, "y")
        out = exports_dir / "shopinsight-exports" / "packing-plan.csv"
        assert out.exists()
        written = pl.read_csv(out, infer_schema=False)
        assert written.height == plan.height
        await go(pilot, "ctrl+o", "y")
        assert "<html" in (exports_dir / "shopinsight-exports" / "notes.html").read_text()


async def test_bundles_by_segment(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        table = app.screen.query_one("#bundle-table", FrameTable)
        offers = app.data.bundles().offers
        assert table.row_count == offers.height > 0
        assert "bought together" in text_of(app, "#bundle-detail")
        app.screen.query_one("#bundle-segment", Select).value = "Champions"
        await settle(pilot)
        assert app.screen.bundles.segment == "Champions"
        assert "Champions" in text_of(app, "#bundle-summary")


async def test_import_a_file_with_the_picker(demo_ws, make_app):
    before = demo_ws.lines().collect().height
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        listing = app.screen.query_one("#import-files", OptionList)
        listing.focus()
        await go(pilot, "end", "enter")  # the only file in the folder, listed last
        assert "Generic order lines" in text_of(app, "#import-detected")
        assert "1 would be rejected" in text_of(app, "#import-detected")
        assert app.screen.query_one("#import-preview", FrameTable).row_count == 3
        await go(pilot, "ctrl+s")
        report = text_of(app, "#import-report")
        assert "4 rows read" in report and "1 rejected" in report
        rejects = app.screen.query_one("#import-rejects", FrameTable)
        assert rejects.row_count == 1
    assert Workspace.open(demo_ws.root).lines().collect().height == before + 3


async def test_core_errors_show_as_a_dialog_not_a_traceback(demo_ws, make_app, exports_dir):
    (exports_dir / "more_orders.csv").write_text("just,some\nwords,here\n", encoding="utf-8")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "i")
        screen = app.screen
        screen.add_file(exports_dir / "more_orders.csv")
        await settle(pilot)
        assert "unknown layout" in text_of(app, "#import-detected")
        await go(pilot, "ctrl+s")
        assert isinstance(app.screen, ErrorDialog)
        assert "Traceback" not in app.screen.detail


async def test_empty_workspace_says_what_to_do(tmp_path, make_app):
    ws = Workspace.open(tmp_path / "empty")
    app = make_app(ws, as_of=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No orders yet" in text_of(app, "#asof-line")
        await go(pilot, "2")
        assert app.current_mode == "customers"  # an error notification, the app keeps running
        assert any("No orders yet" in str(n.title) for n in app._notifications)


async def test_reopening_an_unchanged_workspace_reads_the_cache(demo_ws, make_app, monkeypatch):
    import shopinsight.core.customers.profiles as profiles
    import shopinsight.core.status as status

    def boom(*args, **kwargs):
        raise AssertionError("recomputed instead of reading the cache")

    monkeypatch.setattr(status, "shop_status", boom)
    monkeypatch.setattr(profiles, "customer_profiles", boom)
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        assert app.screen.query_one(FrameTable).row_count > 0


async def test_help_palette_and_theme(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = {c.title for c in app.get_system_commands(app.screen)}
        for wanted in (
            "Go to Overview",
            "Go to Customers",
            "Go to Gifts & notes",
            "Go to Churn alerts",
            "Go to Bundles",
            "Go to Import",
            "Go to Export",
            "Filter",
            "Help",
            "Toggle light/dark theme",
            "Quit",
        ):
            assert wanted in names
        await go(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await go(pilot, "escape")
        dark = app.current_theme.dark
        await go(pilot, "ctrl+t")
        assert app.current_theme.dark is not dark
        footer = str(app.screen.query_one("KeyBar", Static).content)
        for shown in ("1 2 3 4 5 6 i e ,", "? Help", "q Quit", "^p palette"):
            assert shown in footer
        assert "/ Filter" not in footer  # the overview has nothing to filter
        await go(pilot, "2")
        assert "/ Filter" in str(app.screen.query_one("KeyBar", Static).content)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_themes(demo_ws, make_app, theme):
    app = make_app(demo_ws, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_theme.dark is (theme == "dark")


async def test_export_a_tag_list_with_consent(demo_ws, make_app, exports_dir):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "e")
        screen = app.screen
        screen.query_one("#export-target", Select).value = "klaviyo"
        screen.query_one("#export-segment", Select).value = "Champions"
        await settle(pilot)
        dest = screen.query_one("#export-dest", Input)
        assert dest.value == "shopinsight-exports/klaviyo-profiles.csv"
        dest.value = "out/champions.csv"
        await settle(pilot)
        prof = app.data.profiles().table
        champions = prof.filter(pl.col("segment") == "Champions")
        consenting = champions.filter(
            pl.col("email").str.contains("@") & pl.col("accepts_marketing").fill_null(False)
        )
        count = text_of(app, "#export-count")
        assert f"{consenting.height:,} customers will be written" in count
        assert "no email-marketing consent" in count
        await go(pilot, "ctrl+s")
        assert "Export" in str(app.screen.query_one(".dialog-title", Static).content)
        await go(pilot, "y")
        written = pl.read_csv(exports_dir / "out" / "champions.csv", infer_schema=False)
        assert sorted(written["Email"].to_list()) == sorted(consenting["email"].to_list())
        assert set(written["shopinsight_segment"]) == {"Champions"}

        # including customers without consent writes more rows
        screen.query_one("#export-unsubscribed").value = True
        await settle(pilot)
        reachable = pl.col("email").str.contains("@") & ~pl.col("email").str.contains(
            "@marketplace.amazon.", literal=True
        )  # Amazon relay addresses never go to marketing tools
        with_email = champions.filter(reachable).height
        assert f"{with_email:,} customers will be written" in text_of(app, "#export-count")


async def test_gifts_start_a_campaign(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        app.screen.query_one("#gifts-tabs").active = "tab-campaigns"
        await settle(pilot)
        table = app.screen.query_one("#campaign-table", FrameTable)
        assert table.row_count == 0
        app.screen.action_start_campaign()
        await settle(pilot)
        await go(pilot, "y")
        assert table.row_count == 1
        row = table.frame.row(0, named=True)
        assert row["gift"] > 0 and row["control"] > 0
        assert "Campaign #1" in text_of(app, "#campaign-report")


async def test_churn_mark_snooze_and_dismiss(demo_ws, make_app):
    from shopinsight.core.churn.alerts import load_alert_states

    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        table = app.screen.query_one("#churn-table", FrameTable)
        alerts = app.data.churn().alerts.filter(pl.col("is_alert"))
        assert table.row_count == alerts.height > 0
        # ranked by value at risk
        assert table.frame["value_at_risk"].to_list() == sorted(
            table.frame["value_at_risk"].to_list(), reverse=True
        )
        first = table.cursor_key
        assert "→" in text_of(app, "#churn-detail")
        assert "Replayed as of" in text_of(app, "#churn-backtest")

        name = table.frame.filter(pl.col("customer_id") == first)["display_name"][0]
        await go(pilot, "c")
        states = load_alert_states(demo_ws)
        assert states.filter(pl.col("customer_id") == first)["state"].to_list() == ["contacted"]
        assert any(n.message == f"{name} marked contacted." for n in app._notifications)
        assert table.row_count == alerts.height - 1  # a contacted customer leaves the to-act list
        assert first not in table.frame["customer_id"].to_list()

        dismissed = table.cursor_key
        await go(pilot, "x")  # dismiss: off the list
        assert table.row_count == alerts.height - 2
        assert dismissed not in table.frame["customer_id"].to_list()

        second = table.cursor_key
        await go(pilot, "z")
        assert isinstance(app.screen, InputDialog)
        await go(pilot, "enter")  # default: 30 days from the as-of day
        states = load_alert_states(demo_ws)
        snoozed = states.filter(pl.col("customer_id") == second).row(0, named=True)
        assert snoozed["state"] == "snoozed"
        assert str(snoozed["until"]) == "2026-12-20"
        assert table.row_count == alerts.height - 3

        app.screen.query_one("#churn-view", Select).value = "dismissed"
        await settle(pilot)
        assert table.frame["customer_id"].to_list() == [dismissed]
        app.screen.query_one("#churn-view", Select).value = "contacted"
        await settle(pilot)
        assert table.frame["customer_id"].to_list() == [first]


def test_a_tag_edit_replaces_the_cached_customer_table(demo_ws):
    """Hand-made changes get fresh results, and the cache keeps one copy per result."""
    from shopinsight.core.customers.tags import save_override
    from shopinsight.core.shop import Shop
    from tests.tui.conftest import AS_OF

    before = Shop(demo_ws, AS_OF).profiles()
    cid = before.table["customer_id"][0]
    save_override(demo_ws, cid, "friend", "add")
    after = Shop(demo_ws, AS_OF).profiles()
    assert "friend" in after.tags.filter(pl.col("customer_id") == cid)["tag"].to_list()
    tables = list(demo_ws.cache_dir.glob(f"shop-*-profiles-{AS_OF}-*-table-*.parquet"))
    assert len(tables) == 1
