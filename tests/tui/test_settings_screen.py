"""The Settings screen: values in force shown, a change validated, written with the file's
comments kept and used at once; a wrong value named and never written; leaving asks."""

from __future__ import annotations

from textual.widgets import Input, Select

from shopinsight.tui.screens.settings import SettingsScreen
from shopinsight.tui.widgets.dialogs import ErrorDialog, SaveChangesDialog
from tests.tui.conftest import SIZE, go, settle


async def _open(app, pilot) -> SettingsScreen:
    await settle(pilot)
    await go(pilot, "comma")
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def _save_refused(app, pilot, screen, field: str, value: str, title: str) -> ErrorDialog:
    """Type `value` into `field` and save: the error dialog that names the setting (`title`)."""
    screen.query_one(field, Input).value = value
    await go(pilot, "ctrl+s")
    assert isinstance(app.screen, ErrorDialog)
    assert title in app.screen.title_text
    return app.screen


async def test_change_settings_and_see_them_used(demo_ws, make_app):
    text = demo_ws.config_path.read_text(encoding="utf-8")
    demo_ws.config_path.write_text("# my note\n" + text, encoding="utf-8")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        name = screen.query_one("#set-shop-name", Input)
        assert name.value == "Our Shop"
        assert app.focused is None  # no field until Enter: the section keys still work
        await go(pilot, "enter")
        assert app.focused is name  # Enter goes into the first field
        name.value = "Ink & Paper"
        screen.query_one("#set-churn-list_size", Input).value = "7"
        screen.query_one("#set-gifts-segments-Champions-budget", Input).value = "12.5"
        screen.query_one("#set-segments-scheme", Select).value = "klaviyo"
        await go(pilot, "ctrl+s")
        await settle(pilot)
        config = demo_ws.config()
        assert config["shop"]["name"] == "Ink & Paper"
        assert config["churn"]["list_size"] == 7
        assert config["gifts"]["segments"]["Champions"]["budget"] == 12.5
        assert config["segments"]["scheme"] == "klaviyo"
        assert demo_ws.config_path.read_text(encoding="utf-8").startswith("# my note\n")
        # effective without leaving the app: the shop was re-opened with the new settings
        assert app.data.settings()["shop"]["name"] == "Ink & Paper"
        assert screen.unsaved() is None
        await go(pilot, "escape", "4")
        assert app.current_mode == "churn"
        assert app.data.churn().alerts.filter("is_alert").height <= 7


async def test_a_wrong_value_is_named_and_not_written(demo_ws, make_app):
    before = demo_ws.config_path.read_text(encoding="utf-8")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        await _save_refused(app, pilot, screen, "#set-shop-currency", "euro", "Currency")
        await go(pilot, "escape")
        assert demo_ws.config_path.read_text(encoding="utf-8") == before

        await go(pilot, "escape", "1")  # leaving with the change asks; discard it
        assert isinstance(app.screen, SaveChangesDialog)
        await go(pilot, "d")
        assert app.current_mode == "overview"
    assert demo_ws.config_path.read_text(encoding="utf-8") == before


async def test_section_keys_work_on_arrival_until_enter_or_tab_goes_into_a_field(demo_ws, make_app):
    """Settings and Export open with no field focused, as every other screen: a digit switches
    screens; Enter (or Tab) goes into the first field, where digits are text; Esc leaves it
    (from a list too), and the keys switch screens again (asking about an unsaved edit)."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        assert app.focused is None
        await go(pilot, "2")
        assert app.current_mode == "customers"

        await go(pilot, "comma")
        name = screen.query_one("#set-shop-name", Input)
        assert screen.check_action("edit", ()) is True  # the key bar says Enter edits
        await go(pilot, "tab")
        assert app.focused is name
        assert screen.check_action("edit", ()) is False  # in a field, Enter is the field's
        await go(pilot, "end", "2")
        assert app.current_mode == "settings" and name.value.endswith("2")
        await go(pilot, "escape", "e")  # out of the field: "e" is Export again (asks first)
        assert isinstance(app.screen, SaveChangesDialog)
        await go(pilot, "d")
        assert app.current_mode == "export"

        export = app.screen
        assert app.focused is None
        await go(pilot, "enter")
        target = export.query_one("#export-target", Select)
        assert app.focused is target
        await go(pilot, "escape")
        assert app.focused is None
        await go(pilot, "1")
        assert app.current_mode == "overview"


def _notes(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_time_zone_typed_in_any_case_is_saved_as_its_name_and_used(demo_ws, make_app):
    """A merchant types their zone in lower case (the field offers the name as they type);
    it is saved as the IANA name, the shop's days follow it at once, and the app says which
    exports to import again (times without an offset were read on the old clock)."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        zone = screen.query_one("#set-shop-timezone", Input)
        assert zone.value == "UTC"
        zone.focus()
        await settle(pilot)
        help_line = str(screen.query_one("#settings-help").render())
        assert "America/New_York" in help_line and "no UTC offset" in help_line
        zone.value = ""
        await pilot.press(*"america/new_y")
        await settle(pilot)
        await go(pilot, "right")
        assert zone.value == "America/New_York"
        zone.value = "america/new_york"  # typed out in full, in the wrong case
        await go(pilot, "ctrl+s")
        await settle(pilot)
        assert 'timezone = "America/New_York"' in demo_ws.config_path.read_text(encoding="utf-8")
        assert app.data.tz() == "America/New_York"  # the re-opened shop reads it
        assert any("import them again" in note for note in _notes(app))
        assert screen.query_one("#set-shop-timezone", Input).value == "America/New_York"
        assert screen.unsaved() is None


async def test_a_wrong_time_zone_is_named_with_examples_and_not_written(demo_ws, make_app):
    before = demo_ws.config_path.read_text(encoding="utf-8")
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        dialog = await _save_refused(
            app, pilot, screen, "#set-shop-timezone", "New York", "Time zone"
        )
        detail = dialog.detail
        assert "Europe/Rome" in detail and "Did you mean America/New_York?" in detail
        await go(pilot, "escape")
        assert demo_ws.config_path.read_text(encoding="utf-8") == before


async def test_date_order_is_picked_from_its_three_values(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        order = screen.query_one("#set-shop-date_order", Select)
        assert order.value == "auto"
        order.focus()
        await go(pilot, "enter", "down", "enter")  # the list opens on auto; the next one
        assert order.value == "day-first"
        await go(pilot, "enter", "down", "enter")  # it opens on the value picked
        assert order.value == "month-first"
        await go(pilot, "ctrl+s")
        await settle(pilot)
        assert demo_ws.config()["shop"]["date_order"] == "month-first"
        assert any("Date order changed" in note for note in _notes(app))
        assert not any("Time zone changed" in note for note in _notes(app))


async def test_a_hand_written_date_order_in_capitals_is_shown_as_its_choice(demo_ws, make_app):
    """The importer reads date_order = "Day-First" as day-first; the form shows that choice,
    and leaving without touching it asks nothing."""
    text = demo_ws.config_path.read_text(encoding="utf-8")
    assert 'date_order = "auto"' in text
    demo_ws.config_path.write_text(
        text.replace('date_order = "auto"', 'date_order = "Day-First"'), encoding="utf-8"
    )
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        assert screen.query_one("#set-shop-date_order", Select).value == "day-first"
        assert screen.unsaved() is None
        await go(pilot, "1")
        assert app.current_mode == "overview"
