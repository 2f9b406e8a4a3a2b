"""Rich output for the CLI: tables, panels and progress. The only CLI module that draws."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from rich.panel import Panel
from rich.table import Table

from shopinsight.core.errors import ShopInsightError


def error_panel(error: ShopInsightError) -> Panel:
    """A user-facing error: the title in red, then what to do."""
    return Panel(error.detail or error.title, title=f"[bold red]{error.title}", expand=False)


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
        return ", ".join(str(v) for v in value)
    return str(value)
