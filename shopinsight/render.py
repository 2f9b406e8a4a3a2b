"""Rich output for the CLI: tables, panels and progress. The only CLI module that draws.

Text from exports (names, emails, product titles, notes) is untrusted: `SafeConsole` shows any
control character or escape sequence in it visibly (`\x1b`) instead of sending it to the
terminal, whatever path the text takes (a string, markup, a Text, a table cell, a panel).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import polars as pl
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.text import UNSAFE, visible

TITLE_FITS = 66  # longest panel title that an 80-column terminal shows whole


class SafeConsole(Console):
    """A Rich console whose printed text never carries a terminal control sequence.

    Strings are made visible before Rich measures them (so tables keep their shape); every
    segment is checked again on the way out, so a Text or a title built elsewhere is covered
    too. Rich's own control segments (cursor moves of a progress bar) pass untouched.
    """

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(visible(text, keep_newlines=True), *args, **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterator[Segment]:
        for seg in super().render(renderable, options):
            if seg.control or not UNSAFE.intersection(seg.text.replace("\n", "")):
                yield seg
            else:
                yield Segment(visible(seg.text, keep_newlines=True), seg.style, seg.control)


def terminal_text(text: str) -> str:
    """CSV or HTML printed instead of written to a file: as is into a pipe or a file, shown
    visibly on a terminal."""
    return visible(text, keep_newlines=True) if sys.stdout.isatty() else text


def error_panel(error: ShopInsightError) -> Panel:
    """A user-facing error: the title in red, then what to do."""
    return plain_panel(error.title, error.detail or error.title)


def plain_panel(title: str, body: str) -> Panel:
    """A titled paragraph whose text is shown as written: `[bundles]` or a `[/` in a setting,
    a file name or a product name is never taken for Rich markup."""
    title, body = visible(title), visible(body, keep_newlines=True)
    if len(title) <= TITLE_FITS:
        return Panel(Text(body), title=Text(title, style="bold red"), expand=False)
    # a panel title never wraps: a long one (a path, a setting) goes into the text instead
    return Panel(
        Text(title, style="bold red") + Text(f"\n{body}"), expand=False, border_style="red"
    )


def frame_table(
    frame: pl.DataFrame,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    money: Iterable[str] = (),
    limit: int | None = None,
) -> Table:
    """A Rich table of a Polars frame; `money` columns are shown with 2 decimals."""
    columns = list(columns or frame.columns)
    money = set(money)
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        numeric = frame.schema[col].is_numeric()
        table.add_column(col.replace("_", " "), justify="right" if numeric else "left")
    shown = frame.select(columns).head(limit) if limit else frame.select(columns)
    for row in shown.iter_rows():
        table.add_row(*(_cell(v, c in money) for v, c in zip(row, columns, strict=True)))
    return table


def _cell(value: Any, money: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if money else f"{value:.3g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, list):
        return escape(visible(", ".join(str(v) for v in value)))
    return escape(visible(str(value)))
