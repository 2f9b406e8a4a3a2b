"""The top bar: one clickable tab per section with its key, and the as-of day when there is room."""

from __future__ import annotations

from functools import lru_cache

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

SECTIONS: list[tuple[str, str, str, str]] = [
    # mode, key, label, short label
    ("overview", "1", "Overview", "Overview"),
    ("customers", "2", "Customers", "Customers"),
    ("gifts", "3", "Gifts & notes", "Gifts"),
    ("churn", "4", "Churn alerts", "Churn"),
    ("bundles", "5", "Bundles", "Bundles"),
    ("insights", "6", "Insights", "Insights"),
    ("import", "i", "Import", "Import"),
    ("export", "e", "Export", "Export"),
    ("settings", "comma", "Settings", "Settings"),
]
KEY_SHOWN = {"comma": ","}


class NavBar(Static):
    """Tabs for the sections; the current one is highlighted. Click or press the key."""

    def __init__(self, current: str, right: str = "") -> None:
        super().__init__(classes="nav-bar")
        self.current = current
        self.right = right

    _drawn: Content | None = None

    def on_mount(self) -> None:
        # as wide as the screen (app.tcss): drawn at its width before its first layout, not
        # at 80 and again once laid out
        self._draw(self.size.width or self.app.size.width or 80)

    def on_resize(self, event: Resize) -> None:
        self._draw(event.size.width)

    def set_right(self, text: str) -> None:
        self.right = text
        self._draw(self.size.width or 80)

    def _tabs(self, short: bool, keys_only: bool = False) -> Content:
        """Every section's key and label; short labels, or on a narrow terminal only the keys
        of the other sections (the current one keeps its name)."""
        return _tabs(self.current, short, keys_only)

    def _draw(self, width: int) -> None:
        tabs = self._tabs(short=False)
        if tabs.cell_length > width:
            tabs = self._tabs(short=True)
        if tabs.cell_length > width:
            tabs = self._tabs(short=True, keys_only=True)
        room = width - tabs.cell_length
        if self.right and room >= len(self.right) + 2:
            tabs = tabs + Content(" " * (room - len(self.right) - 1)) + Content(self.right)
        if tabs != self._drawn:  # a Resize to the width it was drawn at: no repaint
            self._drawn = tabs
            self.update(tabs, layout=False)  # one line high whatever it says


@lru_cache(maxsize=64)
def _tabs(current: str, short: bool, keys_only: bool) -> Content:
    """`NavBar._tabs` for the section `current` (markup parsed once per section and width
    class: it was a tenth of a first visit's own work; a Content is immutable)."""
    parts = []
    for mode, key, label, short_label in SECTIONS:
        text = short_label if short else label
        if keys_only and mode != current:
            text = ""
        style = "reverse bold" if mode == current else ""
        parts.append(
            Content.from_markup(
                f"[@click=app.go('{mode}')] [b]$key[/b]{' $text' if text else ''} [/]",
                key=KEY_SHOWN.get(key, key),
                text=text,
            ).stylize(style)
        )
    return Content("").join(parts)


def warm_up() -> None:
    """Every section's tabs at every width class, parsed ahead (the app's warm-up thread;
    a Content is immutable): a first visit only looks them up."""
    for mode, *_ in SECTIONS:
        for short, keys_only in ((False, False), (True, False), (True, True)):
            _tabs(mode, short, keys_only)
