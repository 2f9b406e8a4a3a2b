"""LazySelect: Textual's Select with its option list mounted when first needed. It must look
and answer as Select does (keys, clicks, values, messages), before and after it is opened."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from shopinsight.tui.widgets.lazy_select import LazySelect, compact

OPTIONS = [(v, v) for v in ("Champions", "Loyal Customers", "At Risk", "Hibernating")]


class Pick(App[None]):
    def __init__(self, lazy: bool) -> None:
        super().__init__()
        self.lazy = lazy
        self.changes: list[object] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search", compact=True)
        if self.lazy:
            yield compact(LazySelect(OPTIONS, prompt="All segments", id="pick"))
        else:
            yield Select(OPTIONS, prompt="All segments", compact=True, id="pick")
        yield Input(placeholder="below", compact=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changes.append(event.value)


async def _run(lazy: bool, keys: list[str]) -> tuple[list[str], object, list[object], bool]:
    """Screenshots after each key, the final value, the Changed values, and whether the
    option list was mounted before any key."""
    app = Pick(lazy)
    shots = []
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.pause()
        mounted_before = bool(app.query(SelectOverlay))
        shots.append(app.export_screenshot())
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            shots.append(app.export_screenshot())
        value = app.query_one("#pick", Select).value
    return shots, value, app.changes, mounted_before


async def test_a_lazy_select_looks_and_answers_as_select() -> None:
    keys = ["tab", "enter", "down", "down", "enter", "enter", "up", "enter", "tab"]
    lazy = await _run(True, keys)
    eager = await _run(False, keys)
    assert not lazy[3] and eager[3]  # the list: mounted when opened, not before
    assert lazy[0] == eager[0]
    assert lazy[1:3] == eager[1:3]
    assert lazy[1] == "Champions"  # down, down, enter; then enter, up, enter


async def test_a_lazy_select_given_a_value_or_new_options_before_it_is_opened() -> None:
    app = Pick(True)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.pause()
        pick = app.query_one("#pick", LazySelect)
        pick.set_options([("At Risk", "At Risk"), ("New", "New")])
        await pilot.pause()
        assert not app.query(SelectOverlay)
        pick.value = "New"
        await pilot.pause()
        assert app.changes == ["New"]
        assert pick.query_one(SelectOverlay).highlighted == 2  # after the blank option
        pick.prompt = "Any segment"
        pick.clear()
        await pilot.pause()
        assert "Any&#160;segment" in app.export_screenshot()


def test_compact_is_compact() -> None:
    widget = compact(Input())
    assert widget.compact and widget.has_class("-textual-compact")
