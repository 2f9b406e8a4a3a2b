"""SectionScreen leans on a private Textual attribute (`_css_update_count`, see
`SectionScreen.__init__`): this fails if a Textual upgrade makes that silently do nothing."""

from __future__ import annotations

from tests.tui.conftest import settle


async def test_a_section_built_while_another_shows_skips_the_css_refresh(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app._css_update_count, int)  # still Textual's counter
        refreshes = []
        real = app.refresh_css
        app.refresh_css = lambda *a, **k: (refreshes.append(1), real(*a, **k))[1]
        await pilot.press("2")
        await settle(pilot)
        assert app.current_mode == "customers"
        assert app.screen._css_update_count == app._css_update_count
        assert refreshes == []  # switch_mode re-parses every CSS source when the counts differ
