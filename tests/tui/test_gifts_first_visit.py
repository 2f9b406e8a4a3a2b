"""The Gifts screen's first visit once the warm-up is done: composed as it shows (the policies
at their width, the first segment's rule, template and preview, the scrollbars they need),
laid out and painted whole once, and the same screen as one filled by its worker."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from shopinsight.tui.app import ShopInsightApp
from shopinsight.tui.screens.gifts import GiftsScreen, policy_table_width
from shopinsight.tui.widgets.frame_table import FrameTable

from .conftest import go, settle
from .test_app_startup import _warmed

SIZES = [(80, 24), (101, 30), (120, 40), (200, 50)]


async def _gifts(app: ShopInsightApp, pilot: Pilot, warm: bool) -> str:
    """The Gifts screen's first visit, as an SVG screenshot. Filled by its worker, the
    template editor is repainted first: it can keep showing its lines wrapped for the width
    it had before its scrollbar appeared (101x30: "Customers like you" on a line the editor
    wraps before "you"), until anything repaints it."""
    await settle(pilot)
    if warm:
        await _warmed(app)
    await go(pilot, "3")
    assert isinstance(app.screen, GiftsScreen)
    if not warm:
        app.screen.query_one("#template-editor", TextArea).refresh()
        await settle(pilot)
    return app.export_screenshot()


def _scrollbars(app: ShopInsightApp) -> tuple[bool, bool]:
    """Whether the detail panel and the template editor show their scrollbars."""
    detail = app.screen.query_one("#policy-detail")
    editor = app.screen.query_one("#template-editor", TextArea)
    return detail.show_vertical_scrollbar, editor.show_vertical_scrollbar


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_a_warmed_up_first_visit_shows_what_the_worker_shows(
    demo_ws, make_app, monkeypatch, size
) -> None:
    """Composed from the warm-up's results, the screen is the one its worker fills in
    without them (policies, column widths, rule, template, preview, scrollbars, key bar),
    and the policy table's width was known before its first layout. The composed editor is
    not repainted before its screenshot: its lines were wrapped at its width before it was
    first painted."""
    warm = make_app(demo_ws)
    async with warm.run_test(size=size) as pilot:
        shown = await _gifts(warm, pilot, warm=True)
        table = warm.screen.query_one("#policy-table", FrameTable)
        assert table.size.width == policy_table_width(size[0])
        assert table._generation == 1  # loaded once: its width was right
        assert warm.screen.focused is table.table
        bars = _scrollbars(warm)
        editor_text = warm.screen.query_one("#template-editor", TextArea).text

    monkeypatch.setattr(ShopInsightApp, "schedule_warm_up", lambda self: None)
    cold = make_app(demo_ws)
    async with cold.run_test(size=size) as pilot:
        assert await _gifts(cold, pilot, warm=False) == shown
        assert _scrollbars(cold) == bars
        assert cold.screen.query_one("#template-editor", TextArea).text == editor_text


async def test_a_warmed_up_first_visit_is_laid_out_and_painted_whole_once(
    demo_ws, make_app, visit_probe
) -> None:
    """No worker, no table loaded after mounting; one layout that places the widgets (the
    next, Textual's Resize of the screen, moves nothing) and one whole-screen paint: the
    detail panel's and the editor's scrollbars were there before the first layout."""

    for size in [(80, 24), (120, 40)]:  # the detail panel scrolls at 80x24, not at 120x40
        app = make_app(demo_ws)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await _warmed(app)
            visit_probe.clear()
            await go(pilot, "3")
            assert app.current_mode == "gifts"
            assert visit_probe.started == [] and visit_probe.loads == []
            seen = visit_probe.reflows
            assert seen[0] > 0 and seen[1:] == [0] * (len(seen) - 1), (size, seen)
            assert len(seen) <= 2, (size, seen)
            assert visit_probe.whole == [1], size


async def test_the_first_segment_is_edited_and_previewed_as_when_highlighted(
    demo_ws, make_app
) -> None:
    """The composed first segment is the one the editor saves and the preview renders: an
    edit marks the preview 'not saved', and moving away and back shows the same detail."""
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _warmed(app)
        await go(pilot, "3")
        screen = app.screen
        assert isinstance(screen, GiftsScreen)
        first = screen.query_one("#policy-table", FrameTable).key_at(0)
        assert screen.segment == first and screen.template_name
        composed = {
            w: str(screen.query_one(w).render())
            for w in ("#policy-rule", "#template-label", "#preview-label", "#note-preview")
        }
        await go(pilot, "down", "up")
        assert screen.segment == first
        again = {w: str(screen.query_one(w).render()) for w in composed}
        assert again == composed
        await go(pilot, "enter")
        screen.query_one("#template-editor", TextArea).insert("Dear {first_name}! ")
        await settle(pilot)
        assert "(not saved)" in str(screen.query_one("#note-preview").render())
        assert screen.unsaved() is not None
