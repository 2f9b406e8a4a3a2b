"""Gifts & notes as a merchant types a note: focus where the hints say, typed keys are text,
Tab between fields, and edits never lost silently on leaving or quitting."""

from __future__ import annotations

from textual.widgets import Tabs, TextArea
from textual_fastdatatable import DataTable

from shopinsight.tui.screens.gifts import GiftsScreen
from shopinsight.tui.widgets.dialogs import SaveChangesDialog
from tests.tui.conftest import SIZE, go, settle


def _grid_of(app, selector: str) -> DataTable:
    return app.screen.query_one(selector).query_one(".frame-grid", DataTable)


async def _open_editor(app, pilot) -> TextArea:
    await settle(pilot)
    await go(pilot, "3")
    editor = app.screen.query_one("#template-editor", TextArea)
    await go(pilot, "enter")
    assert app.focused is editor
    return editor


async def test_arriving_focuses_the_segments_and_enter_edits(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        assert isinstance(app.screen, GiftsScreen)
        assert app.focused is _grid_of(app, "#policy-table")  # not the tab bar
        assert not isinstance(app.focused, Tabs)
        await go(pilot, "enter")
        assert app.focused is app.screen.query_one("#template-editor", TextArea)
        await go(pilot, "escape")
        assert app.focused is _grid_of(app, "#policy-table")


async def test_typed_letters_are_text_not_shortcuts(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await _open_editor(app, pilot)
        await pilot.press("ctrl+home")
        for key in ("e", "q", "1", "i", "s", "slash", "question_mark", "t"):
            await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, GiftsScreen)  # no jump to Export, no quit, no help
        assert editor.text.startswith("eq1is/?t")


async def test_tab_moves_between_fields(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        table = _grid_of(app, "#policy-table")
        assert app.focused is table
        await go(pilot, "tab")
        assert app.focused is app.screen.query_one("#template-editor", TextArea)
        await go(pilot, "shift+tab")
        assert app.focused is table
        await go(pilot, "ctrl+n")  # the next tab: its list has the cursor
        assert app.focused is _grid_of(app, "#plan-table")


async def test_leaving_with_an_unsaved_template_asks(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await _open_editor(app, pilot)
        editor.insert("Dear {first_name}! ")
        await settle(pilot)
        await go(pilot, "escape", "2")  # switch screen: asked, and Esc stays
        assert isinstance(app.screen, SaveChangesDialog)
        await go(pilot, "escape")
        assert isinstance(app.screen, GiftsScreen)
        assert editor.text.startswith("Dear {first_name}! ")

        await go(pilot, "q")  # quit: asked too; d discards and quits
        assert isinstance(app.screen, SaveChangesDialog)
        await go(pilot, "d")
    assert "Dear {first_name}" not in demo_ws.config_path.read_text(encoding="utf-8")


async def test_save_from_the_prompt_writes_the_template(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await _open_editor(app, pilot)
        name = app.screen.template_name
        editor.insert("Dear {first_name}! ")
        await settle(pilot)
        await go(pilot, "escape", "down", "up")  # another segment and back: the draft is kept
        assert app.screen.query_one("#template-editor", TextArea).text.startswith("Dear")
        await go(pilot, "5")
        assert isinstance(app.screen, SaveChangesDialog)
        await go(pilot, "s")
        assert app.current_mode == "bundles"
    assert demo_ws.config()["gifts"]["templates"][name].startswith("Dear {first_name}! ")


async def test_no_prompt_without_changes(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await _open_editor(app, pilot)
        editor.insert("x")
        await settle(pilot)
        editor.undo()
        await settle(pilot)
        await go(pilot, "escape", "2")
        assert app.current_mode == "customers"


async def test_the_other_tabs_are_built_when_first_opened(demo_ws, make_app, exports_dir):
    """Their widgets wait for the tab; ctrl+e before that writes to the default folder, and
    the tab, once open, shows the whole plan with the cursor on it."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        assert not app.screen.query("#plan-table")
        await go(pilot, "ctrl+e", "y")
        assert (exports_dir / "shopinsight-exports" / "packing-plan.csv").exists()
        await go(pilot, "ctrl+n")
        plan = app.screen.query_one("#plan-table")
        assert plan.row_count == app.data.gifts().plan.height
        assert app.focused is _grid_of(app, "#plan-table")
        assert "to pack" in str(app.screen.query_one("#plan-summary").content)
        await go(pilot, "ctrl+n")
        assert app.screen.query_one("#campaign-table").frame is not None
