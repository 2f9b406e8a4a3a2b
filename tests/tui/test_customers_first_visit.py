"""The Customers screen's first visit once the warm-up is done: composed as it shows (table at
its width, the first customer's detail, the filters' choices), laid out and painted whole once,
and the same screen as one filled by its workers."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from shopinsight.tui.app import ShopInsightApp
from shopinsight.tui.screens.base import SectionScreen
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
    demo_ws, make_app, monkeypatch
) -> None:
    """No worker, no table loaded after mounting; one layout that places the widgets (the
    next, Textual's Resize of the screen, moves nothing) and one whole-screen paint. Fails
    if Textual stops asking for what SectionScreen drops (see `_refresh_layout`, `refresh`),
    or asks it another way, or if a widget is mounted or sized after the first paint."""
    from textual._compositor import Compositor

    started: list[str] = []
    real_task = SectionScreen.run_task
    monkeypatch.setattr(
        SectionScreen,
        "run_task",
        lambda screen, name, *a, **k: (started.append(name), real_task(screen, name, *a, **k))[1],
    )
    loads: list[object] = []
    real_load = FrameTable.load
    monkeypatch.setattr(
        FrameTable, "load", lambda table, *a, **k: (loads.append(a), real_load(table, *a, **k))[1]
    )
    reflows: list[int] = []
    real_reflow = Compositor.reflow

    def reflow(compositor, parent, size):  # noqa: ANN001, ANN202
        before = dict(compositor._full_map)
        result = real_reflow(compositor, parent, size)
        reflows.append(sum(1 for w, g in compositor._full_map.items() if before.get(w) != g))
        return result

    monkeypatch.setattr(Compositor, "reflow", reflow)
    whole: list[int] = []
    real_full = Compositor.render_full_update
    monkeypatch.setattr(
        Compositor,
        "render_full_update",
        lambda compositor, *a, **k: (whole.append(1), real_full(compositor, *a, **k))[1],
    )

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _warmed(app)
        reflows.clear()
        whole.clear()
        started.clear()
        loads.clear()
        await go(pilot, "2")
        assert app.current_mode == "customers"
        assert started == [] and loads == []
        assert reflows[0] > 0 and reflows[1:] == [0] * (len(reflows) - 1), reflows
        assert len(reflows) <= 2, reflows
        assert whole == [1]


async def test_later_visits_repaint_the_screen_whole(demo_ws, make_app) -> None:
    """What a first visit leaves out (SectionScreen) is only its first: coming back to a
    screen paints it whole again, after another screen was shown."""
    from textual._compositor import Compositor

    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        await go(pilot, "1")
        whole: list[int] = []
        real_full = Compositor.render_full_update

        def spy(compositor, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
            whole.append(1)
            return real_full(compositor, *a, **k)

        Compositor.render_full_update = spy  # type: ignore[method-assign]
        try:
            await go(pilot, "2")
        finally:
            Compositor.render_full_update = real_full  # type: ignore[method-assign]
        assert whole, "the screen shown again was not repainted"


def test_the_table_width_is_what_the_detail_panel_leaves() -> None:
    """app.tcss: `.detail { width: 40%; min-width: 34 }`; the table takes the rest (checked
    against Textual's layout by the screenshots above at 80, 101 and 200 columns)."""
    assert table_width(80) == 80 - 34
    assert table_width(101) == 101 - 40  # 40.4: whole cells, as Textual resolves a percent
    assert table_width(88) == 88 - 35
    assert table_width(200) == 120
