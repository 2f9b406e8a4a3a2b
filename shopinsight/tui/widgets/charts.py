"""Small plots drawn with block characters: horizontal bars and monthly columns.

They size themselves to the space they get, so the same chart reads at 80×24 and on a wide
terminal. Data comes in as plain (label, value, shown) rows — already aggregated by Polars.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉█"
LEVELS = " ▁▂▃▄▅▆▇█"


def hbar(value: float, top: float, width: int) -> str:
    """A bar `width` cells long at full scale, with eighth-cell resolution."""
    if top <= 0 or width <= 0 or value <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


class BarChart(Widget):
    """Horizontal bars, one per row: label, bar, value."""

    COMPONENT_CLASSES = {"chart--bar", "chart--label", "chart--value"}
    DEFAULT_CSS = """
    BarChart { height: auto; }
    BarChart > .chart--bar { color: $accent; }
    BarChart > .chart--label { text-style: bold; }
    BarChart > .chart--value { color: $text-muted; }
    """

    def __init__(
        self,
        rows: list[tuple[str, float, str]] | None = None,
        *,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self.rows = rows or []
        self.empty = "No data yet."
        """What shows without rows: a chart whose figures are still computing says so."""

    def set_rows(self, rows: list[tuple[str, float, str]], empty: str | None = None) -> None:
        self.rows = rows
        if empty is not None:
            self.empty = empty
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return max(1, len(self.rows))

    def render(self) -> Text:
        if not self.rows:
            return Text(self.empty, style="dim")
        width = self.size.width or 40
        value_w = max(len(r[2]) for r in self.rows)
        # names whole ("Potential Loyalists") while the bars keep at least 4 cells
        label_w = min(max(len(r[0]) for r in self.rows), max(8, width - value_w - 3 - 4))
        bar_w = max(4, width - label_w - value_w - 3)
        rows = self.rows
        room = self.size.height or len(rows)
        hidden: list[str] = []
        if len(rows) > room:
            # the biggest rows, in their order: the first ones hid a shop's biggest segments
            # (Hibernating, 55% of All exports' customers, at 80x24)
            biggest = sorted(range(len(rows)), key=lambda i: -rows[i][1])[: max(0, room - 1)]
            hidden = [r[0] for i, r in enumerate(rows) if i not in biggest]
            rows = [r for i, r in enumerate(rows) if i in biggest]
        top = max((r[1] for r in rows), default=0.0)
        bar_style = self.get_component_rich_style("chart--bar")
        label_style = self.get_component_rich_style("chart--label")
        value_style = self.get_component_rich_style("chart--value")
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (label, value, shown) in enumerate(rows):
            if i:
                out.append("\n")
            out.append(label[:label_w].ljust(label_w), style=label_style)
            out.append(" ")
            bar = hbar(value, top, bar_w)
            out.append(bar, style=bar_style)
            out.append(" " * (bar_w - len(bar) + 1))
            out.append(shown.rjust(value_w), style=value_style)
        if hidden:
            more = f"+{len(hidden)} more: {', '.join(hidden)}"
            out.append(("\n" if rows else "") + more, style=value_style)
        return out


class ColumnChart(Widget):
    """Vertical columns (e.g. revenue by month) with the first and last labels underneath."""

    COMPONENT_CLASSES = {"chart--bar", "chart--axis"}
    DEFAULT_CSS = """
    ColumnChart { height: 8; }
    ColumnChart > .chart--bar { color: $accent; }
    ColumnChart > .chart--axis { color: $text-muted; }
    """

    def __init__(
        self,
        points: list[tuple[str, float]] | None = None,
        *,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self.points = points or []
        self.empty = "No orders yet."
        """What shows without points (while the orders are read: that they are)."""

    def set_points(self, points: list[tuple[str, float]], empty: str | None = None) -> None:
        self.points = points
        if empty is not None:
            self.empty = empty
        self.refresh()

    def render(self) -> Text:
        if not self.points:
            return Text(self.empty, style="dim")
        width = self.size.width or 40
        height = max(2, (self.size.height or 8) - 1)
        points = self.points[-width:]
        cell = max(1, width // len(points))
        bar_w = cell - 1 if cell >= 2 else 1
        top = max(v for _, v in points) or 1.0
        bar_style = self.get_component_rich_style("chart--bar")
        rows = []
        for level in range(height, 0, -1):
            line = Text(no_wrap=True)
            for _, value in points:
                eighths = round(max(value, 0) / top * height * 8)
                part = min(8, max(0, eighths - (level - 1) * 8))
                line.append(LEVELS[part] * bar_w, style=bar_style)
                line.append(" " * (cell - bar_w))
            rows.append(line)
        first, last = points[0][0], points[-1][0]
        span = len(points) * cell
        axis = first + " " * max(1, span - len(first) - len(last)) + last
        rows.append(Text(axis[:width], style=self.get_component_rich_style("chart--axis")))
        return Text("\n").join(rows)
