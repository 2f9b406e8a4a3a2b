"""Actions several screens share: save the list on screen as a CSV, at a path the merchant
confirms (pre-filled: the exports folder next to where the app was opened)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.tui.widgets.dialogs import InputDialog

if TYPE_CHECKING:
    from shopinsight.tui.screens.base import SectionScreen

EXPORT_DIR = "shopinsight-exports"


def default_path(screen: SectionScreen, stem: str) -> Path:
    """<start folder>/shopinsight-exports/<stem>-<as-of day>.csv"""
    day = screen.data.known_as_of()
    name = f"{stem}-{day}.csv" if day else f"{stem}.csv"
    return screen.shop_app.resolve_dir(EXPORT_DIR) / name


def export_csv(
    screen: SectionScreen, frame: pl.DataFrame, columns: dict[str, str], stem: str, what: str
) -> None:
    """Ask where, then write `frame` as CSV in a worker and say where it went."""
    from shopinsight.core.table_csv import write_table_csv

    if frame.height == 0:
        screen.notify(f"No {what} to export.", timeout=3)
        return
    rows = frame

    def chosen(answer: str | None) -> None:
        if not answer:
            return
        path = screen.shop_app.resolve_dir(answer)
        screen.run_task(
            "export-csv",
            lambda: write_table_csv(rows, columns, path),
            lambda written: screen.notify(
                f"Wrote {rows.height:,} {what} to {written}.",
                title="Exported",
                timeout=6,
                markup=False,
            ),
            f"Writing {what}…",
        )

    question = f"Save {frame.height:,} {what} as CSV to:"
    target = str(default_path(screen, stem))
    screen.app.push_screen(InputDialog(question, "a file path", target), chosen)
