"""A KPI tile: a big value, its label, and the exact figure and its meaning as a tooltip."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label


class Kpi(Vertical):
    """One headline number."""

    def __init__(self, label: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="kpi")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Label("…", classes="kpi-value")
        yield Label(self.label, classes="kpi-label")

    def set(self, value: str, tooltip: str | None = None) -> None:
        self.query_one(".kpi-value", Label).update(value)
        self.tooltip = tooltip
