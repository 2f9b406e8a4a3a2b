"""Start-up: screens are built when first shown, and the results of the other screens are
prepared in the background once the visible one has painted (and again after a change)."""

from __future__ import annotations

import asyncio
import gc

from textual.worker import WorkerState

from shopinsight.tui.app import SCREENS, WARM_UP, ShopInsightApp, screen_class
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.nav import SECTIONS


def test_every_section_has_a_screen_built_on_demand() -> None:
    assert {mode for mode, *_ in SECTIONS} <= set(SCREENS)
    for mode in SCREENS:
        assert callable(ShopInsightApp.MODES[mode])
        cls = screen_class(mode)
        assert issubclass(cls, SectionScreen) and cls.SECTION == mode


def _month_ends(shop) -> list:  # noqa: ANN001
    from shopinsight.core.insights.segment_history import month_ends

    return month_ends(shop.first_day() or shop.as_of(), shop.as_of(), 6)


async def _warmed(app: ShopInsightApp, timeout: float = 60.0) -> None:
    """Wait until the latest warm-up worker ran and finished."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        worker = app.warm_up_worker
        if worker is not None and worker.state == WorkerState.SUCCESS:
            assert worker.name == WARM_UP
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no finished warm-up: {app.warm_up_worker}")


async def test_other_screens_results_ready_after_first_paint(demo_ws, make_app) -> None:
    threshold = gc.get_threshold()
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await _warmed(app)
        shop = app.data
        for key in ("profiles", "churn:", "bundles::[]", "gifts:open", "value:", "track"):
            assert shop.peek(key) is not None, key
        # the Export form's first count and the month-end tables of the segment history
        import shopinsight.core.exporters as exporters
        from shopinsight.tui.screens.export import DEFAULT_OPTIONS, export_preview

        def not_again(*args: object, **kwargs: object) -> None:
            raise AssertionError("the warm-up should have built this export")

        real, exporters.export_tags = exporters.export_tags, not_again
        try:
            export_preview(shop, shop.profiles(), "shopify", DEFAULT_OPTIONS, False)
        finally:
            exporters.export_tags = real
        assert any(shop.peek(f"shop-at:{day}") is not None for day in _month_ends(shop))
        await pilot.press("4")  # churn: shown from memory, nothing left to compute
        await pilot.pause()
        assert app.current_mode == "churn"

        assert gc.get_freeze_count() > 0  # the warmed-up state is left out of collections
        before = app.warm_up_worker
        app.data_changed(full=True)  # e.g. an import: a new Shop, warmed up again
        assert gc.get_freeze_count() == 0  # the replaced results can be collected
        assert app.data is not shop and app.data.peek("churn:") is None
        while app.warm_up_worker is before:
            await asyncio.sleep(0.05)
        await _warmed(app)
        assert app.data.peek("churn:") is not None
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold  # as it was


async def test_overview_paints_the_order_figures_before_the_customer_table(
    demo_ws, make_app, monkeypatch
) -> None:
    """A first open after an import: the KPIs and revenue chart come from the orders alone,
    the segments panel says it is computing until the customer table is in, then shows it
    and the customers tile takes the table's own count."""
    import threading

    from textual.widgets import Static

    from shopinsight.core.shop import Shop
    from shopinsight.tui.screens.overview import SEGMENTS_WAITING

    release = threading.Event()
    summary = Shop.segment_summary

    def slow_summary(self: Shop) -> dict:
        assert release.wait(30), "never released"
        return summary(self)

    monkeypatch.setattr(Shop, "segment_summary", slow_summary)
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        orders = screen.query_one("#kpi-orders").query_one(".kpi-value", Static)
        for _ in range(400):
            if str(orders.render()) not in ("…", ""):
                break
            await pilot.pause(0.05)
        status = app.data.order_status()
        assert str(orders.render()) == f"{status['orders']:,}"
        assert screen.query_one("#revenue-chart").points
        chart = screen.query_one("#segments-chart")
        assert chart.rows == [] and chart.empty == SEGMENTS_WAITING
        assert SEGMENTS_WAITING in str(chart.render())
        customers = screen.query_one("#kpi-customers").query_one(".kpi-value", Static)
        assert str(customers.render()) == f"{status['customers']:,}"  # counted from orders
        assert app.warm_up_worker is None  # nothing else competes with the segments

        release.set()
        for _ in range(400):
            if chart.rows:
                break
            await pilot.pause(0.05)
        table = app.data.profiles().table
        assert sum(r[1] for r in chart.rows) == table.height
        assert str(customers.render()) == f"{table.height:,}"


async def test_console_knows_the_terminal_size(demo_ws, make_app) -> None:
    """The Rich console is told the terminal's size (and each new one): table cells render
    through its options, which otherwise ask the OS for the size on every cell."""
    app = make_app(demo_ws)
    async with app.run_test(size=(90, 30)) as pilot:
        assert tuple(app.console.size) == (90, 30)
        await pilot.resize_terminal(150, 45)
        await pilot.pause()
        assert tuple(app.console.size) == (150, 45)


async def test_churn_first_visit_after_the_warm_up_reads_memory(demo_ws, make_app, monkeypatch):
    """The warm-up builds the Churn list with names and the track record: the first visit
    starts no worker for them and shows the first customer's detail with the list."""
    from textual.widgets import Static

    from shopinsight.tui.screens.churn import ChurnScreen

    started: list[str] = []
    real = ChurnScreen.run_task

    def spy(self, name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        started.append(name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(ChurnScreen, "run_task", spy)
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await _warmed(app)
        await pilot.press("4")
        await pilot.pause()
        assert app.current_mode == "churn"
        assert started == []
        table = app.screen.query_one("#churn-table")
        assert table.row_count > 0 and table.table.has_focus
        detail = str(app.screen.query_one("#churn-detail", Static).content)
        assert detail.startswith(f"[b]{table.frame['display_name'][0]}[/b]")


async def test_the_as_of_day_comes_back_after_an_import_on_a_screen_without_workers(
    demo_ws, make_app
):
    """After an import the new data's as-of day is unknown until something computes it; the
    Import screen runs nothing more, so the warm-up says it (the nav bar showed no day)."""
    from shopinsight.tui.widgets.nav import NavBar

    app = make_app(demo_ws, as_of=None)  # the day of the last order, as in the app
    async with app.run_test(size=(100, 30)) as pilot:
        await _warmed(app)
        await pilot.press("i")
        await pilot.pause()
        before = app.warm_up_worker
        app.data_changed(full=True)  # what an import does
        assert app.screen.query_one(NavBar).right == ""
        while app.warm_up_worker is before:
            await asyncio.sleep(0.05)
        await _warmed(app)
        await pilot.pause()
        assert app.screen.query_one(NavBar).right == "as of 2026-11-20"


def test_the_as_of_day_arriving_as_the_app_closes_is_ignored(demo_ws, make_app):
    """The warm-up's thread posts the day; as the app closes there is no screen left to show
    it on (a test's app failed with ScreenStackError while quitting during its warm-up)."""
    from shopinsight.tui.app import AsOfKnown

    app = make_app(demo_ws)  # never run: no screen on the stack, as after the last one closed
    app.on_as_of_known(AsOfKnown())


async def test_the_status_line_never_moves_the_layout(demo_ws, make_app):
    """A slow task's status line shows over the line above the key bar: the table keeps its
    place and size (showing and hiding it laid out and redrew every table twice)."""
    from textual.widgets import Static

    from shopinsight.tui.screens.base import BUSY_DELAY
    from shopinsight.tui.widgets.keybar import KeyBar

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#customers-table")
        before = table.region
        screen.set_busy("test", "Working on something slow…")
        await asyncio.sleep(BUSY_DELAY + 0.2)
        await pilot.pause()
        line = screen.query_one("#status-line", Static)
        assert line.display and "slow" in str(line.content)
        assert table.region == before
        assert line.region.y == screen.query_one(KeyBar).region.y - 1
        screen.set_busy("test", None)
        await pilot.pause()
        assert not line.has_class("-busy") and table.region == before


async def test_customers_first_visit_after_the_warm_up_shows_the_detail_without_a_worker(
    demo_ws, make_app, monkeypatch
) -> None:
    """The warm-up renders the detail of the customer the table opens on: a first visit
    mounts the grid and shows it, with the segment history, and starts no worker; a tag
    change makes it stale (the detail is then read again, and shows the tag)."""
    from shopinsight.tui.widgets.frame_table import FrameTable

    from .conftest import go, settle
    from .test_app import text_of

    started: list[str] = []
    real = SectionScreen.run_task

    def spy(screen, name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        started.append(name)
        return real(screen, name, *args, **kwargs)

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await _warmed(app)
        monkeypatch.setattr(SectionScreen, "run_task", spy)
        await go(pilot, "2")
        table = app.screen.query_one(FrameTable)
        cid = table.cursor_key
        name = table.frame.row(0, named=True)["display_name"]
        text = text_of(app, "#customer-detail-text")
        assert started == [], started
        assert name in text and "Segment history:" in text and "computing" not in text

        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"vip", "enter")
        await settle(pilot)
        assert app.screen.query_one(FrameTable).cursor_key == cid
        assert "• vip — added by you" in text_of(app, "#customer-detail-text")
        assert "detail" in started  # read again: the warmed-up one was stale


async def test_the_screens_widget_styles_are_parsed_before_a_first_visit(demo_ws, make_app):
    """The default CSS of every widget class the screens mount (the two tables apart) is added
    to the stylesheet after the first paint (`WARM_UP_STYLES`), so no first visit parses it;
    only those (a widget class never mounted adds nothing). Fails when a screen mounts a
    widget class not listed there: add it to its batch."""
    from textual.css.stylesheet import Stylesheet

    from shopinsight.tui.app import WARM_UP_STYLES, add_default_css

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await _warmed(app)
        while app.styles_to_add:
            await asyncio.sleep(0.02)
        primed = set(app.stylesheet.source)
        added = []
        real = app.stylesheet.add_source

        def spy(css, read_from=None, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            if read_from not in app.stylesheet.source:
                added.append(read_from)
            return real(css, read_from, *args, **kwargs)

        app.stylesheet.add_source = spy
        for mode, *_ in SECTIONS:
            app.switch_mode(mode)
            for _ in range(50):
                await pilot.pause(0.02)
                if app.current_mode == mode and app.screen.is_mounted:
                    break
        app.switch_mode("settings")
        await pilot.pause(0.2)
        # the two tables' CSS, left to their first visits (WARM_UP_STYLES)
        tables = ("DataTable.DEFAULT_CSS", "FrameGrid.DEFAULT_CSS")
        assert [r for r in added if r[1] not in tables] == [], added
        alone = Stylesheet(variables=app.get_css_variables())
        add_default_css(alone, [name for batch in WARM_UP_STYLES for name in batch])
        assert set(alone.source) <= primed
