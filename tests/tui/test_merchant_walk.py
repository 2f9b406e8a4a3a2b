"""What a merchant walking through the app at 80×24 ran into: each test fails on the code
before its fix."""

from __future__ import annotations

from textual.widgets import Button, Static

from shopinsight.core.shop import Shop
from shopinsight.tui import fmt
from shopinsight.tui.screens.churn import METHOD_LABELS
from tests.tui.conftest import AS_OF, go, settle


def text(widget: Static) -> str:
    return " ".join(str(widget.render()).split())


async def test_the_backtest_dialog_scores_the_method_used_and_fits(demo_ws, make_app):
    """`b` on Churn: the method the line above the list names (and quotes) is in the dialog
    with those numbers (it listed only the rule and the learned model, while the purchase
    model was used), and the dialog's OK button is on screen at 80×24 (it was cut off)."""
    churn = Shop(demo_ws, AS_OF).churn()
    score = churn.backtest[churn.method]
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        await go(pilot, "b")
        body = text(app.screen.query_one(".dialog-body Static", Static))
        name = METHOD_LABELS[churn.method]
        assert f"{name} (used): {fmt.pct(score['precision'])} of its" in body
        for method, label in METHOD_LABELS.items():
            if churn.backtest.get(method):
                assert label in body
        ok = app.screen.query_one("#ok", Button)
        assert ok.region.bottom <= 24 and ok.region.height == 3


async def test_the_cohort_title_fits_80_columns_in_every_view(demo_ws, make_app):
    """Insights at 80×24: the heatmap's title with its key hints stays whole for each of the
    three numbers (v) by month and by quarter (p); by quarter with customers it ran past the
    edge and ended in a bare 'p'."""
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "6")
        title = app.screen.query_one("#cohort-title", Static)
        for period in ("months", "quarters"):
            for _ in range(3):
                await settle(pilot)
                words = str(title.render()).rstrip()
                assert words.endswith("quarters" if period == "months" else "months")
                assert len(words) <= title.content_region.width, words
                await go(pilot, "v")
            await go(pilot, "p")


async def test_one_setting_saved_is_said_in_the_singular(demo_ws, make_app):
    """Settings: 'Saved 1 setting to shopinsight.toml; every screen uses it now' (was 'uses
    them now')."""
    from textual.widgets import Input

    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "comma", "enter")
        app.screen.query_one("#set-churn-list_size", Input).value = "10"
        await go(pilot, "ctrl+s")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert "Saved 1 setting to shopinsight.toml; every screen uses it now." in said


async def test_the_backtest_panel_is_whole_at_120x36(demo_ws, make_app):
    """Churn at 120×36: the 'How good is this?' panel shows its text whole (the method used,
    its numbers and why it was chosen); four methods' numbers ran past its last line."""
    churn = Shop(demo_ws, AS_OF).churn()
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        panel = app.screen.query_one("#churn-backtest-panel")
        words = app.screen.query_one("#churn-backtest", Static)
        width = words.content_size.width
        needed = words.get_content_height(panel.content_size, app.size, width)
        room = app.screen.query_one("#churn-top").size.height - panel.styles.gutter.height
        assert 0 < needed <= room, text(words)
        assert f"{METHOD_LABELS[churn.method]} (used)" in text(words)


async def test_the_bundle_summary_counts_what_a_search_leaves(demo_ws, make_app):
    """Bundles: a search says how many bundles it left of how many ('1,295 bundles' stayed
    while it showed 17 on Online Retail), as the Customers summary does."""
    from textual.widgets import Input

    from shopinsight.tui.widgets.frame_table import FrameTable

    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        summary = app.screen.query_one("#bundle-summary", Static)
        table = app.screen.query_one(FrameTable)
        total = table.row_count
        assert text(summary).startswith(f"{total:,} bundles from ")
        app.screen.query_one("#bundle-search", Input).value = "matcha"
        await settle(pilot)
        shown = table.row_count
        assert 0 < shown < total
        assert text(summary).startswith(f"{shown:,} of {total:,} bundles from ")


LATER_IN_EUROS = """\
InvoiceNo,InvoiceDate,StockCode,Description,Quantity,UnitPrice,CustomerID,Country,Currency
1,2026-01-05 10:00,A,Apple,1,10.00,c1,United States,USD
2,2026-02-05 10:00,A,Apple,1,10.00,c1,United States,USD
3,2026-03-05 10:00,B,Pear,2,10.00,c2,United States,USD
4,2026-03-06 10:00,B,Pear,2,10.00,c3,United States,USD
5,2026-04-05 10:00,B,Pear,2,9.00,c4,Germany,EUR
"""


async def test_the_overview_names_no_command_line_option(tmp_path, make_app):
    """A shop whose last order is in another currency: the Overview says the results stop at
    the last dollar order and where in the app to see the others (it said 'use --currency or
    --as-of', options of the command line)."""
    from shopinsight.core.importers import import_files
    from shopinsight.core.workspace import Workspace

    export = tmp_path / "orders.csv"
    export.write_text(LATER_IN_EUROS, encoding="utf-8")
    ws = Workspace.open(tmp_path / "ws")
    import_files(ws, [export])
    assert "--currency" in (Shop(ws).day_note() or "")  # the core's words, for the CLI
    app = make_app(ws, as_of=None)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        line = text(app.screen.query_one("#asof-line", Static))
        assert "Results are as of 2026-03-06, the last order in USD" in line
        assert "pick their currency in Settings (,)" in line and "--" not in line


async def test_notes_on_other_currencies_and_consent_name_no_option(demo_ws, make_app):
    """The Overview's segment panel tooltip (orders in CNY left out) and the Export count with
    the consent box ticked say it in the app's words, not '--currency CNY' or
    '(--include-unsubscribed)'."""
    from textual.widgets import Checkbox, Select

    from shopinsight.core.exclusions import save_manual

    save_manual(demo_ws, "customer", "etsy:katiemitc80", "my own orders")
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tip = str(app.screen.query_one("#segments-panel").tooltip)
        assert "orders in CNY not included — pick CNY in Settings (,) to see them." in tip
        assert "(my own orders)); X on Customers brings one back." in tip
        assert "--" not in tip
        await go(pilot, "e")
        screen = app.screen
        screen.query_one("#export-target", Select).value = "klaviyo"
        screen.query_one("#export-unsubscribed", Checkbox).value = True
        await settle(pilot)
        count = text(screen.query_one("#export-count", Static))
        assert "Customers without marketing consent are included." in count
        assert "--" not in count


async def test_the_default_gift_budget_is_named_for_the_merchant(demo_ws, make_app):
    """Settings: the budget of the policy every other segment falls back to reads 'Gift
    budget: other segments' (it read 'Gift budget: default', beside the '(default)' hint)."""
    from textual.widgets import Label

    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "comma")
        await settle(pilot)
        labels = [str(w.render()) for w in app.screen.query(".settings-label").results(Label)]
        assert "Gift budget: other segments" in labels
        assert "Gift budget: default" not in labels
        assert "Gift budget: Champions" in labels


async def test_churn_says_the_status_in_words(demo_ws, make_app):
    """Churn: the Status column and the detail say 'second order at risk', not the code
    'second_order_at_risk'; a search finds it in those words; the CSV keeps the code."""
    from textual.widgets import Input

    from shopinsight.core.table_csv import table_csv
    from shopinsight.tui.screens.churn import CSV_COLUMNS
    from shopinsight.tui.widgets.frame_table import FrameTable

    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        table = app.screen.query_one(FrameTable)
        grid = table.table
        from textual.coordinate import Coordinate

        cells = {str(grid.get_cell_at(Coordinate(row, 5))) for row in range(table.row_count)}
        assert "second order at risk" in cells and not any("_" in c for c in cells)
        # the CSV the app saves keeps the code, as `churn --json` does
        assert ",second_order_at_risk," in table_csv(table.frame, CSV_COLUMNS)
        app.screen.query_one("#churn-search", Input).value = "second order"
        await settle(pilot)
        assert table.row_count > 0
        assert set(table.frame["status"].to_list()) == {"second_order_at_risk"}
        detail = text(app.screen.query_one("#churn-detail", Static))
        assert "· second order at risk ·" in detail


async def test_the_snooze_question_names_the_customer(demo_ws, make_app):
    """z on Churn: the dialog asks about the highlighted customer by name (it hides the
    table at 80×24 and asked 'Snooze for how many days…?' of nobody)."""
    from textual.widgets import Label

    from shopinsight.tui.widgets.dialogs import InputDialog
    from shopinsight.tui.widgets.frame_table import FrameTable

    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        name = app.screen.query_one(FrameTable).frame["display_name"][0]
        await go(pilot, "z")
        assert isinstance(app.screen, InputDialog)
        title = str(app.screen.query_one(".dialog-title", Label).render())
        assert title == f"Snooze {name} for how many days (or until YYYY-MM-DD)?"


async def test_a_question_naming_an_export_text_shows_it_as_typed() -> None:
    """A one-line question quoting a customer's name shows its brackets as typed."""
    from textual.app import App
    from textual.widgets import Label

    from shopinsight.tui.widgets.dialogs import InputDialog

    app = App[None]()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(InputDialog("Add a tag to [b]Bob[/b] (x:1)"))
        await pilot.pause()
        title = str(app.screen.query_one(".dialog-title", Label).render())
        assert title == "Add a tag to [b]Bob[/b] (x:1)"
