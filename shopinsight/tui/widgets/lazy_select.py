"""A Select whose option list is built when it is first opened.

Textual's Select mounts its option list (an OptionList, hidden until the Select is opened) with
the Select, and styles and fills it then: at the Customers screen's first visit its two filter
Selects' option lists were a tenth of the work, for lists a merchant may never open. This one
mounts the list when it is first needed (opened, or given a value), filled as Select fills it;
until then it looks and answers the same (the current value's line is Select's own).
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Input, Select
from textual.widgets._select import NoSelection, SelectCurrent, SelectOverlay

T = TypeVar("T")
W = TypeVar("W", Input, Select)


def compact(widget: W) -> W:
    """`widget` in its compact style, as `compact=True` makes it, without restyling it before
    it is mounted (the `compact` flag's class, set as it is built, restyled the widget on
    its own, ~2% of the Customers screen's first visit; it is styled as it mounts anyway)."""
    widget.set_reactive(type(widget).compact, True)
    widget.add_class("-textual-compact", update=False)
    return widget


class LazySelect(Select[T]):
    """Select, with its option list mounted on first use (same look, keys and messages)."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)

    def _overlay(self) -> SelectOverlay | None:
        try:
            return self.query_one(SelectOverlay)
        except NoMatches:
            return None

    def _ensure_overlay(self) -> None:
        """Mount the option list (after the current value's line, as Select composes it),
        filled with the options."""
        if self._overlay() is None and self.is_attached:
            with self._context():  # bound to this Select, as in its compose
                overlay = SelectOverlay(type_to_search=self._type_to_search)
                overlay.data_bind(compact=Select.compact)
            self.mount(overlay)
            super()._setup_options_renderables()

    def _setup_options_renderables(self) -> None:
        if self._overlay() is not None:  # else filled when it is mounted
            super()._setup_options_renderables()

    def _watch_value(self, value: T | NoSelection) -> None:
        if value != self.NULL:  # Select highlights it in the list
            self._ensure_overlay()
        super()._watch_value(value)

    def _watch_expanded(self, expanded: bool) -> None:
        if expanded:
            self._ensure_overlay()
        super()._watch_expanded(expanded)

    def _watch_prompt(self, prompt: str) -> None:
        if self._overlay() is not None:  # Select renames the list's blank option too
            super()._watch_prompt(prompt)
        elif self.is_mounted:  # the list takes it when it is filled
            current = self.query_one(SelectCurrent)
            current.placeholder = prompt
            if self._allow_blank and self.value == self.NULL:
                current.update(self.NULL)

    def action_show_overlay(self) -> None:
        self._ensure_overlay()
        super().action_show_overlay()
