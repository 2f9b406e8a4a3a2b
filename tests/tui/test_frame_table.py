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


class WatchedApp(TableApp):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[object, bool]] = []

    def on_frame_table_row_highlighted(self, event: FrameTable.RowHighlighted) -> None:
        self.seen.append((event.key, event.loaded))


async def test_a_load_announces_its_row_once_and_a_key_moves_it() -> None:
    """The new grid also reports its first row: said once, so a detail panel is not filled
    twice; a key press is reported as such (not `loaded`)."""
    app = WatchedApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        table.load(big_frame(50))
        await pilot.pause()
        await pilot.pause()
        assert app.seen == [("Customer number 0", True)]
        table.focus_table()
        await pilot.press("down")
        await pilot.pause()
        assert app.seen[-1] == ("Customer number 1", False)
        table.load(big_frame(50))  # a reload keeps the cursor's row, said once again
        await pilot.pause()
        await pilot.pause()
        assert app.seen[2:] == [("Customer number 1", True)]


async def test_a_new_grid_is_drawn_once_with_its_size_and_focus() -> None:
    """The grid's scrollable size is known before its first paint, it is drawn focused, and
    its first Resize (at the size it was drawn at) keeps the rendered lines; a real resize
    still clears them."""
    from textual import events

    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        table.load(big_frame(500))
        grid = table.table
        assert grid.virtual_size.height == 501  # the header and every row, before any idle
        table.focus_table()
        assert grid.has_focus
        await pilot.pause()
        count = grid._update_count
        grid.post_message(events.Resize(grid.size, grid.virtual_size, grid.size))
        await pilot.pause()
        assert grid._update_count == count
        other = grid.size.with_width(grid.size.width - 10)
        grid.post_message(events.Resize(other, grid.virtual_size, other))
        await pilot.pause()
        assert grid._update_count > count


def test_columns_fit_even_when_text_columns_must_go_below_their_width() -> None:
    """Online Retail at 80 columns: six-figure amounts leave the name and segment less than
    their least widths; they shrink (ending in "…") instead of the grid scrolling sideways
    with the segment cut mid-word; the amounts stay whole."""
    from shopinsight.tui.screens.customers_view import COLS as CUSTOMER_COLS
    from shopinsight.tui.widgets.frame_table import CELL_PADDING, MIN_TEXT, fit_widths

    cols = CUSTOMER_COLS[:4]  # name, spent, value, segment
    natural = [8, 9, 9, 19]
    widths = fit_widths(natural, cols, 44)
    assert sum(widths) + CELL_PADDING * len(cols) <= 44
    assert widths[1:3] == [9, 9] and widths[3] >= MIN_TEXT
    assert fit_widths(natural, cols, 80) == natural  # room enough: every column whole


def test_one_display_name_is_the_table_rule() -> None:
    """The Gifts preview and packing detail name a customer as the Customers table does."""
    from shopinsight.tui.screens.customers_view import display_name, with_display_name

    rows = pl.DataFrame(
        {
            "customer_id": ["generic:14646", "etsy:kk40", "a@b.co"],
            "customer_name": [None, "Katie Kim", None],
            "email": [None, None, "a@b.co"],
        }
    )
    table = with_display_name(rows)["display_name"].to_list()
    assert table == ["14646", "Katie Kim", "a@b.co"]
    assert [display_name(*r) for r in rows.iter_rows()] == table


def _cells(grid, rows: int, render) -> list[list[tuple[str, object]]]:  # noqa: ANN001
    """Every cell of the grid (header too), plain and under the cursor, as characters and
    their styles, rendered by `render` (a `_render_cell`)."""
    from rich.segment import Segment

    out = []
    for row in range(-1, rows):
        style = grid._get_row_style(row, grid.rich_style)
        for col, column in enumerate(grid.ordered_columns):
            for cursor in (False, True):
                grid._cell_render_cache.clear()
                lines = render(grid, row, col, style, column.render_width, cursor=cursor)
                segments = Segment.simplify(lines[0])
                out.append([(ch, seg.style) for seg in segments for ch in seg.text])
    return out


async def test_the_grids_quick_cells_are_the_librarys_cells() -> None:
    """The grid renders plain one-line values without Rich's renderables; every cell is the
    library's own rendering, character for character and style for style: text cut with "…",
    numbers and dates right-aligned, wide characters, markup-like text, nulls, the cursor row,
    zebra rows and the header."""
    import datetime as dt

    from textual_fastdatatable import DataTable

    names = [
        "Ada Lovelace",
        "a name much longer than the column can show",
        "[bold]not markup[/bold]",
        "ends with a backslash \\",
        "名前の長いお客様です",
        "e\u0301mile :smile: 🎁 gift",
        "",
        None,
        "tab\\there",
        "x",
    ]
    frame = pl.DataFrame(
        {
            "name": names,
            "spent": [1.5, 123456789.25, None, -3.0, 0.0, 99.99, 7.0, 1e9, 2.5, 3.25],
            "n": [1, 22, 333, None, 5, 6, 7, 8, 9, 10],
            "day": [dt.date(2026, 1, i + 1) for i in range(10)],
            "tags": [["vip", "gift buyer"], [], None, ["a"], ["b"], [], [], [], [], []],
        }
    )
    cols = [*COLS, Col("day", "First order", "date"), Col("tags", "Tags", "list", width=6)]

    class Wide(App[None]):
        def compose(self) -> ComposeResult:
            yield FrameTable(cols, key="name", id="t")

    for size in ((60, 16), (140, 16)):
        app = Wide()
        async with app.run_test(size=size) as pilot:
            table = app.query_one(FrameTable)
            table.load(frame)
            await pilot.pause()
            grid = table.table
            grid.focus()
            await pilot.pause()

            quick = _cells(grid, frame.height, type(grid)._render_cell)
            library = _cells(grid, frame.height, DataTable._render_cell)
            for a, b in zip(quick, library, strict=True):
                assert a == b, ("".join(c for c, _ in a), "".join(c for c, _ in b))
            if size[0] == 60:
                assert any(ch == "…" for cell in quick for ch, _ in cell)
            assert grid._plain_cell(0, 0, 10) == "Ada Lovel…"  # the quick way was taken
            assert grid._plain_cell(0, 1, 10) == "      1.50"


async def test_a_long_grid_is_laid_out_once_with_its_scrollbar() -> None:
    """A grid with more rows than the terminal has lines gets its vertical scrollbar in its
    first layout: the screen is not laid out again for it after the first paint (a short one
    shows none)."""
    from textual.widget import Widget

    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        layouts: list[Widget] = []
        real = Widget.refresh

        def spy(widget, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            if kwargs.get("layout") and widget is table.table:
                layouts.append(widget)
            return real(widget, *args, **kwargs)

        Widget.refresh = spy  # type: ignore[method-assign]
        try:
            table.load(big_frame(500))
            await pilot.pause()
            await pilot.pause()
        finally:
            Widget.refresh = real  # type: ignore[method-assign]
        grid = table.table
        assert grid.show_vertical_scrollbar and grid.scrollbars_enabled[0]
        assert layouts == []
        table.load(big_frame(5))
        await pilot.pause()
        assert not table.table.show_vertical_scrollbar


async def test_a_reload_keeps_the_rows_above_the_cursor_in_view() -> None:
    """Sorted again (or filtered, or reloaded after a tag) with the highlighted row within the
    first screenful: the list shows from its top, not scrolled so that row is the first line
    (the new grid scrolled before it had a size: Customers sorted by value showed its 4th
    customer first, the three above it hidden); a row further down is scrolled into view."""
    frame = big_frame(200)
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        table.sort_by("n")
        table.load(frame)
        await pilot.pause()
        table.focus_table()
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert table.cursor_key == "Customer number 3" and table.table.scroll_y == 0
        table.sort_by("name")  # "Customer number 10", "…100", "…101" … sort before "…3"
        await pilot.pause()
        await pilot.pause()
        grid = table.table
        row = table.row_of("Customer number 3")
        assert table.cursor_key == "Customer number 3" and row > grid.size.height
        assert grid.scroll_y > 0 and row in range(
            int(grid.scroll_y), int(grid.scroll_y) + grid.size.height - 1
        )
        table.sort_by("n", descending=False)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row == 3
        assert table.table.scroll_y == 0  # rows 0-2 are in view above the cursor
