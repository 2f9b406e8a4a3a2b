"""The footer: every key that works here, as one line of clickable text.

Textual's Footer builds a widget per key and rebuilds them on every screen switch; with a dozen
keys that alone costs more than the rest of a switch. This bar renders the same bindings as
a single Content line (click a key to press it), which keeps screen switches well under 100 ms.
"""

from __future__ import annotations

from functools import lru_cache

from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """The active screen's bindings (those with show=True), grouped ones side by side."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        link-style: none;
        link-background-hover: $block-hover-background;
        link-style-hover: none;
    }
    """

    _shown: tuple[str, tuple[object, ...]] | None = None
    _queued = False

    _width = 0

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._queue()

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self._queue()

    def _queue(self) -> None:
        """Show the bindings after the next refresh, once however often they change before
        it (a first visit's focus and mounts announced them ~6 times, ~1 ms each)."""
        if not self._queued:
            self._queued = True
            self.call_after_refresh(self._show_queued)

    def _show_queued(self) -> None:
        self._queued = False
        self.show_bindings()

    def show_bindings(self) -> None:
        if not self.is_attached:
            return
        app = self.app
        parts: list[Content] = []
        group: list[Content] = []
        seen: set[str] = set()
        palette = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
        screen = self.screen
        for key, active in screen.active_bindings.items():
            binding, enabled = active.binding, active.enabled
            if not binding.show:  # a table's hidden Enter may hide the screen's "Enter edits"
                binding, enabled = self._shadowed(key) or (binding, enabled)
            if not binding.show or key == palette or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = app.get_key_display(binding)
            if binding.group is not None:
                group.append(self._key(key, shown, "", enabled))
            else:
                parts.append(self._key(key, shown, binding.description, enabled))
        width = self._width = self.size.width or 80
        line = Content(" ") + Content("  ").join(parts)
        if group:  # the section keys, unless the line has no room (the nav bar has them too)
            with_group = Content(" ") + Content("  ").join([Content(" ").join(group), *parts])
            if with_group.cell_length <= width:
                line = with_group
        if palette and palette in self.screen.active_bindings:
            binding = self.screen.active_bindings[palette].binding
            hint = self._key(palette, app.get_key_display(binding), "palette", True)
            room = width - line.cell_length - hint.cell_length - 1
            if room >= 1:
                line = line + Content(" " * room) + hint
        shown = (line.plain, tuple(line.spans))
        if shown != self._shown:  # focus moves re-announce the same keys: no repaint then
            self._shown = shown
            self.update(line, layout=False)  # one line high whatever it says

    def _shadowed(self, key: str) -> tuple[Binding, bool] | None:
        """The screen's own shown binding for `key` when the focused widget's hidden one takes
        the key first (Gifts: the table's Enter selects the row, which opens the editor)."""
        screen = self.screen
        for binding in screen._bindings.key_to_bindings.get(key, ()):
            if binding.show:
                state = self.app._check_action_state(binding.action, screen)
                if state is not False:
                    return binding, bool(state)
        return None

    @staticmethod
    @lru_cache(maxsize=512)
    def _key(key: str, shown: str, description: str, enabled: bool) -> Content:
        """One key's text (parsed once: markup parsing was most of a first visit's footer;
        a Content is immutable, so one copy serves every screen)."""
        dim = "" if enabled else " dim"
        markup = f"[@click=app.simulate_key('{key}')][b $footer-key-foreground{dim}]$shown[/]"
        if description:
            markup += f" [$footer-description-foreground{dim}]$description[/]"
        return Content.from_markup(markup + "[/]", shown=shown, description=description)

    def on_resize(self) -> None:
        if self.size.width != self._width:  # its first: the width it was shown for
            self.show_bindings()
