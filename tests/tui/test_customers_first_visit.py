"""The Customers screen's first visit once the warm-up is done: composed as it shows (table at
its width, the first customer's detail, the filters' choices), laid out and painted whole once,
and the same screen as one filled by its workers."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from shopinsight.tui.app import ShopInsightApp
from shopinsight.tui.screens.customers import table_width
from shopinsight.tui.widgets.frame_table import FrameTable

from .conftest import go, settle
from .test_app_startup import _warmed

SIZES = [(80, 24), (101, 30), (200, 50)]


async def _customers(app: ShopInsightApp, pilot: Pilot, warm: bool) -> str:
    """The Customers screen's first visit, as an SVG screenshot."""
    await settle(pilot)
    if warm:
        await _warmed(app)
    await go(pilot, "2")
    return app.export_screenshot()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_a_warmed_up_first_visit_shows_what_the_workers_show(
    demo_ws, make_app, monkeypatch, size
) -> None:
    """Composed from the warm-up's results, the screen is the one its workers fill in
    without them (table, column widths, detail and its scrollbar, filters, key bar), and
    the table's width was known before its first layout."""
    warm = make_app(demo_ws)
    async with warm.run_test(size=size) as pilot:
        shown = await _customers(warm, pilot, warm=True)
        table = warm.screen.query_one(FrameTable)
        assert table.size.width == table_width(size[0])
        assert table._generation == 1  # loaded once: its width was right
        assert warm.screen.focused is table.table

    monkeypatch.setattr(ShopInsightApp, "schedule_warm_up", lambda self: None)
    cold = make_app(demo_ws)
    async with cold.run_test(size=size) as pilot:
        assert await _customers(cold, pilot, warm=False) == shown


async def test_a_warmed_up_first_visit_is_laid_out_and_painted_whole_once(
    demo_ws, make_app, visit_probe
) -> None:
    """No worker, no table loaded after mounting; one layout that places the widgets (the
    next, Textual's Resize of the screen, moves nothing) and one whole-screen paint. Fails
    if Textual stops asking for what SectionScreen drops (see `_refresh_layout`, `refresh`),
    or asks it another way, or if a widget is mounted or sized after the first paint."""

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _warmed(app)
        visit_probe.clear()
        await go(pilot, "2")
        assert app.current_mode == "customers"
        assert visit_probe.started == [] and visit_probe.loads == []
        seen = visit_probe.reflows
        assert seen[0] > 0 and seen[1:] == [0] * (len(seen) - 1), seen
        assert len(seen) <= 2, seen
        assert visit_probe.whole == [1]


async def test_later_visits_repaint_the_screen_whole(demo_ws, make_app, visit_probe) -> None:
    """What a first visit leaves out (SectionScreen) is only its first: coming back to a
    screen paints it whole again, after another screen was shown."""
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        await go(pilot, "1")
        visit_probe.clear()
        await go(pilot, "2")
        assert visit_probe.whole, "the screen shown again was not repainted"


def test_the_table_width_is_what_the_detail_panel_leaves() -> None:
    """app.tcss: `.detail { width: 40%; min-width: 34 }`; the table takes the rest (checked
    against Textual's layout by the screenshots above at 80, 101 and 200 columns)."""
    assert table_width(80) == 80 - 34
    assert table_width(101) == 101 - 40  # 40.4: whole cells, as Textual resolves a percent
    assert table_width(88) == 88 - 35
    assert table_width(200) == 120
