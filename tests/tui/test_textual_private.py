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


async def test_a_first_visit_does_not_restyle_the_screen(demo_ws, make_app):
    """Textual queues two ScreenResume events on a mode's first visit, each restyling the whole
    screen; SectionScreen drops both restyles (`post_message`: its nodes were styled as they
    mounted) and keeps Textual's one restyle on later visits: this fails if a first visit
    restyles the screen again, or a later one no longer does."""
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        restyled = []
        real = app.update_styles

        def spy(node, animate=True):  # noqa: ANN001, ANN202
            restyled.append(node)
            real(node, animate)

        app.update_styles = spy
        await pilot.press("2")
        await settle(pilot)
        assert app.current_mode == "customers"
        customers = app.screen
        assert [n for n in restyled if n is customers] == []
        await pilot.press("1")
        await settle(pilot)
        restyled.clear()
        await pilot.press("2")
        await settle(pilot)
        assert [n for n in restyled if n is customers] == [customers]


async def test_a_first_visit_loads_once(demo_ws, make_app, monkeypatch):
    """Textual calls every class's on_mount itself: a subclass calling super().on_mount() too
    loaded the screen twice."""
    from shopinsight.tui.screens.customers import CustomersScreen
    from shopinsight.tui.screens.importer import ImportScreen

    loads = []
    for cls in (CustomersScreen, ImportScreen):
        real = cls.load
        monkeypatch.setattr(cls, "load", lambda self, real=real: (loads.append(self), real(self)))
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("2", "i"):
            await pilot.press(key)
            await settle(pilot)
            assert loads.count(app.screen) == 1, key
