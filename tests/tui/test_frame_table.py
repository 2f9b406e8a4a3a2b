"""FrameTable on a big frame: the grid is told the widths we measured (it never measures every
cell itself), a frame prepared in a worker is shown as prepared, and a stale sort is redone."""

from __future__ import annotations

import polars as pl
from textual.app import App, ComposeResult

from shopinsight.tui.widgets.frame_table import (
    Col,
    FrameTable,
    content_widths,
    display_frame,
)

COLS = [Col("name", "Name", width=8), Col("spent", "Spent", "money"), Col("n", "Orders", "int")]


def big_frame(n: int = 20_000) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": [f"Customer number {i}" for i in range(n)],
            "spent": [i * 1.5 for i in range(n)],
            "n": list(range(n)),
        }
    )


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FrameTable(COLS, key="name", id="t")


async def test_the_grid_is_sized_from_our_widths_not_by_measuring() -> None:
    frame = big_frame()
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        table.sort_by("spent", descending=True)
        ready = table.prepare(frame)  # what a worker does
        assert ready.frame["spent"][0] == frame["spent"].max()
        table.load(ready)
        await pilot.pause()
        backend = table.table.backend
        natural = content_widths(display_frame(ready.frame, COLS))
        assert list(backend.column_content_widths) == natural
        assert table.cursor_key == "Customer number 19999"
        assert table.row_count == frame.height

        stale = table.prepare(frame)
        table.sort_by("n")  # the sort changed while the worker ran: the frame is re-sorted
        table.load(stale)
        await pilot.pause()
        assert table.frame["n"][0] == 0
