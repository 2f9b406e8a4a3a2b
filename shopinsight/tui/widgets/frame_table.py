"""A table fed from a Polars frame through textual-fastdatatable's Arrow/Polars backend.

The frame is formatted column by column with Polars expressions (money to 2-decimal numbers,
shares to percents, lists joined) and handed to the backend as a whole: no row is ever copied
into Python, so a 100k-customer table opens and scrolls like a 100-row one. The fastdatatable
widget cannot be cleared, so new data mounts a fresh table (what the library recommends).

Columns are sized to their content (measured with one Polars expression per column) and to the
width the table has: when everything does not fit, the widest text columns give up room first
(not below their `width` unless even that does not fit), so numbers, dates and short marks stay
whole at 80 columns, the grid does not scroll sideways, and names stay whole at 200. Tab and
shift+tab move between fields, not between cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import NoScreen, Widget
from textual.widgets import Static

from shopinsight.core.text import visible_expr

if TYPE_CHECKING:
    from textual_fastdatatable import DataTable

Kind = Literal["text", "int", "money", "num", "pct", "date", "list"]


@dataclass(frozen=True)
class Col:
    """A column to show: frame column `name`, header `label`, how to format it; `width` is the
    least it keeps when the terminal is too narrow for every column's content; an `optional`
    column is left out when even those least widths do not fit (the detail panel shows it)."""

    name: str
    label: str
    kind: Kind = "text"
    width: int | None = None
    optional: bool = False


CELL_PADDING = 2  # the grid pads each cell by one space on both sides
SCROLLBAR = 2
MAX_TEXT = 120  # a note or a reason longer than this is read in the detail panel
MIN_TEXT = 6  # a text column squeezed below its `width` keeps this much ("Loyal…")


def _floor(natural: int, col: Col) -> int:
    return min(natural, col.width or 8) if col.kind in ("text", "list") else natural


def kept_columns(natural: list[int], cols: list[Col], room: int) -> list[int]:
    """The indices of the columns to show: optional ones go, last first, while the columns at
    their least widths would not fit `room`."""
    kept = list(range(len(cols)))
    optional = [i for i in kept if cols[i].optional]

    def least() -> int:
        return sum(_floor(natural[i], cols[i]) + CELL_PADDING for i in kept)

    while optional and least() > room:
        kept.remove(optional.pop())
    return kept


def fit_widths(natural: list[int], cols: list[Col], room: int) -> list[int]:
    """Column widths that fit `room` cells: each column's content width, and when they do not
    all fit, the widest text or list columns are shortened to a common level (water-filling),
    not below their `width` (or 8), so short columns are never the ones cut; only when even
    those widths do not fit do they go lower (to MIN_TEXT), still leaving numbers whole."""
    widths = list(natural)
    room -= CELL_PADDING * len(cols)
    flexible = [i for i, c in enumerate(cols) if c.kind in ("text", "list")]
    if sum(widths) <= room or not flexible:
        return widths
    fixed = sum(w for i, w in enumerate(widths) if i not in flexible)
    floors = {i: _floor(natural[i], cols[i]) for i in flexible}
    budget = room - fixed
    caps, lows = {i: natural[i] for i in flexible}, floors
    if budget < sum(floors.values()):
        # even their least widths do not fit (big amounts at 80 columns): the widest text
        # columns go below them, to MIN_TEXT at least, and end in "…", rather than the grid
        # scrolling sideways with its last column cut off mid-word
        caps, lows = floors, {i: min(MIN_TEXT, floors[i]) for i in flexible}

    def width_at(i: int, level: int) -> int:
        return max(lows[i], min(caps[i], level))

    low, high = 0, max(caps.values())  # the highest cap that fits: bisect
    while low < high:
        mid = (low + high + 1) // 2
        if sum(width_at(i, mid) for i in flexible) <= budget:
            low = mid
        else:
            high = mid - 1
    return [width_at(i, low) if i in floors else w for i, w in enumerate(widths)]


def content_widths(shown: pl.DataFrame) -> list[int]:
    """The widest value of each shown column (header included), measured in one pass."""
    if shown.height == 0:
        return [len(c) for c in shown.columns]
    longest = shown.select(
        pl.col(c).cast(pl.Utf8).str.len_chars().max().fill_null(0).alias(c) for c in shown.columns
    ).row(0)
    pairs = zip(shown.columns, longest, strict=True)
    return [min(MAX_TEXT, max(len(c), int(n or 0))) for c, n in pairs]


def display_frame(frame: pl.DataFrame, cols: list[Col]) -> pl.DataFrame:
    """The frame as the table shows it: one vectorised expression per column."""
    exprs = []
    for c in cols:
        e = pl.col(c.name)
        if c.kind == "money" or c.kind == "num":
            e = e.cast(pl.Float64).round(2).cast(pl.Decimal(18, 2))
        elif c.kind == "pct":
            e = (e.cast(pl.Float64) * 100).round(1).cast(pl.Decimal(8, 1))
        elif c.kind == "date":
            e = e.cast(pl.Date)
        elif c.kind == "list":
            e = visible_expr(e.cast(pl.List(pl.Utf8)).list.join(", "))
        elif c.kind == "text":  # names, emails, titles from exports: escapes shown, not obeyed
            e = visible_expr(e.cast(pl.Utf8))
        exprs.append(e.alias(c.label))
    return frame.select(exprs)


@dataclass(frozen=True)
class Prepared:
    """A frame made ready for the grid off the UI thread (`FrameTable.prepare`): sorted,
    formatted, and each column's content measured, for the sort it was prepared for."""

    frame: pl.DataFrame
    shown: pl.DataFrame
    natural: list[int]
    sort: tuple[str | None, bool]


def prepare(
    frame: pl.DataFrame, cols: list[Col], sort_col: str | None, sort_desc: bool
) -> Prepared:
    """Sort, format and measure `frame` (pure Polars: safe in a worker thread)."""
    if sort_col is not None and sort_col in frame.columns:
        frame = frame.sort(sort_col, descending=sort_desc, nulls_last=True)
    shown = display_frame(frame, cols)
    return Prepared(frame, shown, content_widths(shown), (sort_col, sort_desc))


_GRID: type | None = None
_BACKEND: type | None = None


def grid_class() -> type[DataTable]:
    """The fastdatatable grid with Tab leaving it (it moves between cells by default), built on
    first use so the module does not import pyarrow up front."""
    global _GRID
    if _GRID is None:
        import datetime as dt
        from decimal import Decimal

        from rich.cells import cell_len, set_cell_size
        from rich.segment import Segment
        from rich.style import Style
        from textual.binding import Binding
        from textual.containers import ScrollableContainer
        from textual.coordinate import Coordinate
        from textual.scroll_view import ScrollView
        from textual_fastdatatable import DataTable
        from textual_fastdatatable.format import display_text

        class FrameGrid(DataTable, inherit_css=False):
            """Styled as `FrameGrid`, not `DataTable`: Textual's own DataTable (Insights'
            cohort table) has that CSS type name too, so each one's default CSS restyled the
            other (header, stripes and cursor colours depended on which screen was visited
            first). Its CSS is what it inherited (the library's, ScrollView's and
            ScrollableContainer's, in their order of precedence), renamed."""

            DEFAULT_CSS = "".join(
                css.replace(name, "FrameGrid")
                for name, css in (
                    ("ScrollableContainer", ScrollableContainer.DEFAULT_CSS),
                    ("ScrollView", ScrollView.DEFAULT_CSS),
                    ("DataTable", DataTable.DEFAULT_CSS),
                )
            )
            COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES
            BINDINGS = [
                Binding("tab", "app.focus_next", "Next field", show=False),
                Binding("shift+tab", "app.focus_previous", "Previous field", show=False),
            ]
            _drawn_size: Any = None

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                # the names its CSS rules are looked up by (see _css_type_names below)
                self._css_types = set(self._css_type_names)

            def render_lines(self, crop: Any) -> Any:
                self._drawn_size = self.size
                return super().render_lines(crop)

            def _render_cell(
                self,
                row_index: int,
                column_index: int,
                base_style: Any,
                width: int,
                cursor: bool = False,
                hover: bool = False,
                in_range: bool = False,
            ) -> Any:
                """A one-line value cell (text, number, date) as the library renders it,
                without Rich's renderable pipeline (Styled, Padding, Align and Text, ~0.15 ms
                a cell: half a screenful's first paint): every segment of such a cell has
                one style, so it is one segment, the value ellipsized and aligned as Rich
                does. Headers, nulls and anything else go the library's way."""
                if row_index < 0 or column_index < 0:
                    return super()._render_cell(
                        row_index, column_index, base_style, width, cursor, hover, in_range
                    )
                key = (
                    row_index,
                    column_index,
                    base_style,
                    cursor,
                    hover,
                    in_range,
                    self._show_hover_cursor,
                    self._update_count,
                    self._pseudo_class_state,
                )
                cache = self._cell_render_cache
                if key in cache:
                    return cache[key]
                body = self._plain_cell(row_index, column_index, width - CELL_PADDING)
                if body is None:
                    return super()._render_cell(
                        row_index, column_index, base_style, width, cursor, hover, in_range
                    )
                component_style, post_style = self._get_styles_to_render_cell(
                    False,
                    False,
                    row_index < self.fixed_rows or column_index < self.fixed_columns,
                    hover,
                    cursor,
                    in_range,
                    self.show_cursor,
                    self._show_hover_cursor,
                    self.cursor_type == "range",
                    self.cursor_foreground_priority == "css",
                    self.cursor_background_priority == "css",
                )
                meta = Style.from_meta({"row": row_index, "column": column_index})
                style = base_style + meta + component_style + post_style
                lines = [[Segment(f" {body} ", style)]]
                cache[key] = lines
                return lines

            def _plain_cell(self, row_index: int, column_index: int, room: int) -> str | None:
                """The cell's text padded to `room` cells, as Rich renders it (left for
                text, right for numbers and dates, "…" ending a value too long); None when
                it is not such a plain one-line value."""
                console = self.app.console
                if (
                    room < 1
                    or self.render_markup
                    or self.max_column_content_width is None
                    or getattr(console, "_emoji", True)
                    or getattr(console, "_highlight", True)
                ):
                    return None
                value = self.get_cell_at(Coordinate(row_index, column_index))
                right = True
                if isinstance(value, str):
                    text, right = value, False
                elif isinstance(value, bool) or value is None:
                    return None
                elif isinstance(value, (int, float, Decimal)):
                    text = display_text(value, self.ordered_columns[column_index])
                elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
                    text = display_text(value)
                else:
                    return None
                if not text.isprintable() or "[" in text or "\\" in text:
                    return None  # markup's escapes: the library's way
                size = cell_len(text)
                if size > room:
                    text = set_cell_size(text, room - 1) + "…"
                    size = cell_len(text)
                pad = " " * (room - size)
                return pad + text if right else text + pad

            _scroll_when_sized = False

            def _scroll_cursor_into_view(self, animate: bool = False) -> None:
                """Scroll the cursor's row into view once the grid has a size: before its
                first layout its window is empty, and the library scrolled the row to the
                top line (a reload with the cursor on the 4th row hid the three above it)."""
                if not self.size.height:
                    self._scroll_when_sized = True
                    return
                super()._scroll_cursor_into_view(animate)

            def _on_resize(self, event: Any) -> None:
                """A grid gets its first Resize after its first paint, at the size it was
                drawn at: the library's handler then threw away every rendered line and cell
                (~25 ms for a screenful, redrawn at once as the focus arrives). Lines are
                cached per width; a real resize still clears them."""
                if self._scroll_when_sized and event.size.height:
                    self._scroll_when_sized = False
                    super()._scroll_cursor_into_view()
                if event.size == self._drawn_size:
                    event.prevent_default()  # DataTable._on_resize: the caches stay

        # still a Widget and a ScrollView to CSS (their rules and any app rule naming them),
        # no longer a DataTable (inherit_css=False left it only its own name); Textual
        # private attributes: tests/tui/test_table_styles.py fails if they stop working
        FrameGrid._css_type_names = frozenset(
            {"FrameGrid", "ScrollView", "ScrollableContainer", "Widget", "DOMNode"}
        )
        _GRID = FrameGrid
    return _GRID


def sized_backend(shown: pl.DataFrame, widths: list[int]) -> Any:
    """The grid's Polars backend, told the content widths we measured already: left to itself
    it measures every cell of every column through Arrow (and imports pandas on the first
    table), 0.4-0.8 s on the UI thread for 50k rows, for widths we know."""
    global _BACKEND
    if _BACKEND is None:
        from textual_fastdatatable.backend import create_backend

        base = type(create_backend(shown.head(0)))

        class SizedBackend(base):  # type: ignore[misc, valid-type]
            known_widths: list[int] = []

            @property
            def column_content_widths(self) -> list[int]:
                return self.known_widths

        _BACKEND = SizedBackend
    backend = _BACKEND(shown)
    backend.known_widths = list(widths)
    return backend


class FrameTable(Vertical):
    """A sortable, row-cursor table over a Polars frame; posts the key of the highlighted row."""

    class RowHighlighted(Message):
        """The cursor moved to the row whose key column holds `key`; `loaded`: the table was
        just (re)loaded, no key was pressed."""

        def __init__(self, table: FrameTable, key: Any, loaded: bool = False) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.loaded = loaded

        @property
        def control(self) -> FrameTable:
            return self.table

    class RowSelected(Message):
        """Enter (or a click) on the row whose key column holds `key`."""

        def __init__(self, table: FrameTable, key: Any) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> FrameTable:
            return self.table

    def __init__(
        self,
        cols: list[Col],
        key: str | None = None,
        empty: str = "Nothing to show.",
        *,
        waiting: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.cols = cols
        self.key = key
        self.empty = empty
        self.waiting = empty if waiting is None else waiting
        self.frame: pl.DataFrame | None = None
        self.sort_col: str | None = None
        self.sort_desc = False
        self._generation = 0
        self.shown_cols = list(cols)
        self._fitted_for = 0
        self._announced: tuple[Any, Any] | None = None  # (grid, key) `load` posted
        self._preloaded: Widget | None = None

    def preload(self, ready: Prepared, width: int) -> Widget | None:
        """Before the table is mounted: mount it with `ready` shown, at `width` cells (its
        width once laid out, which its screen knows from its CSS), instead of 'waiting' then a
        `load` after the first paint (the screen laid out and painted twice, with the grid
        mounted in between). A wrong width costs only a `load` at the right one (`on_resize`)."""
        self._preloaded = self._grid(ready, max(10, width - SCROLLBAR))
        return self._preloaded

    def compose(self) -> ComposeResult:
        if self.frame is not None:  # preloaded: the grid, or "nothing matches"
            yield self._preloaded or Static(self.empty, classes="frame-table-empty")
            return
        # before the first load the table is still coming: never "no customers match"
        yield Static(self.waiting, classes="frame-table-empty")

    def on_mount(self) -> None:
        grid, self._preloaded = self._preloaded, None
        if grid is None:
            return
        if grid.show_vertical_scrollbar:  # shown before the first layout, as its own is
            grid.vertical_scrollbar.display = True
        self._announce(grid, 0)  # preloaded: its row said as `load` says it

    @property
    def table(self) -> DataTable | None:
        found = self.query(".frame-grid")
        return found.first() if found else None  # type: ignore[return-value]

    @property
    def row_count(self) -> int:
        return 0 if self.frame is None else self.frame.height

    @property
    def cursor_row(self) -> int:
        table = self.table
        return table.cursor_row if table is not None else 0

    @property
    def cursor_key(self) -> Any:
        """The key of the highlighted row, or None when the table is empty."""
        return self.key_at(self.cursor_row)

    def key_at(self, row: int) -> Any:
        if self.frame is None or self.key is None or not 0 <= row < self.frame.height:
            return None
        return self.frame[self.key][row]

    def prepare(self, frame: pl.DataFrame) -> Prepared:
        """`frame` made ready for `load` in a worker: a 50k-row table's formatting and
        measuring stay off the UI thread."""
        return prepare(frame, self.cols, self.sort_col, self.sort_desc)

    def load(self, frame: pl.DataFrame | Prepared, keep_cursor: bool = True) -> None:
        """Show `frame` (sorted by the current sort column), keeping the highlighted key."""
        previous = self.cursor_key if keep_cursor else None
        ready = frame if isinstance(frame, Prepared) else None
        if ready is None or ready.sort != (self.sort_col, self.sort_desc):
            ready = self.prepare(frame.frame if isinstance(frame, Prepared) else frame)
        had_focus = self.table is not None and self.table.has_focus
        self.remove_children()
        table = self._grid(ready, self.room())
        if table is None:
            self.mount(Static(self.empty, classes="frame-table-empty"))
            return
        self.mount(table)
        row = self.row_of(previous) if previous is not None else None
        if row:
            table.move_cursor(row=row)
        if had_focus:
            self._focus_now(table)
        self._announce(table, row or 0)

    def _grid(self, ready: Prepared, room: int) -> Widget | None:
        """A new grid showing `ready` in `room` cells (None when it has no row), made the
        table's frame."""
        frame = ready.frame
        self.frame = frame
        self._generation += 1
        if frame.height == 0:
            return None
        shown, natural = ready.shown, ready.natural
        self._fitted_for = room
        kept = kept_columns(natural, self.cols, room)
        self.shown_cols = [self.cols[i] for i in kept]
        shown = shown.select(shown.columns[i] for i in kept)
        natural = [natural[i] for i in kept]
        table = grid_class()(
            backend=sized_backend(shown, natural),
            cursor_type="row",
            zebra_stripes=True,
            show_row_labels=False,
            render_markup=False,
            column_widths=fit_widths(natural, self.shown_cols, room),
            max_column_content_width=MAX_TEXT,  # a shortened value ends in "…"
            id=f"{self.id or 'frame'}-grid-{self._generation}",
            classes="frame-grid",
        )
        # its scrollable size now, from the widths given: left to the grid's first idle, the
        # size changed after the first paint, and the screen was laid out and painted again
        table._update_dimensions(())
        table._require_update_dimensions = False
        if frame.height >= self.app.size.height:
            # more rows than the terminal has lines: its scrollbar is laid out with it the
            # first time (Textual found it needed one after the first layout, and laid the
            # screen out and painted it again)
            table.set_reactive(Widget.show_vertical_scrollbar, True)
        return table

    def _announce(self, grid: Widget | None, row: int) -> None:
        """Say which row a new grid highlights (once: the grid says it too, see below)."""
        key = self.key_at(row)
        self._announced = (grid, key)
        self.post_message(self.RowHighlighted(self, key, loaded=True))

    def room(self) -> int:
        """The cells the grid's columns can use (the screen's width before the first layout)."""
        width = self.size.width or self.app.size.width
        return max(10, width - SCROLLBAR)

    def on_resize(self) -> None:
        """A new width: fit the columns again (a fresh grid; cursor and focus are kept)."""
        if self.frame is not None and self.frame.height and self.room() != self._fitted_for:
            self.load(self.frame)

    def row_of(self, key: Any) -> int | None:
        """The row index of `key`, found with a vectorised search."""
        if self.frame is None or self.key is None:
            return None
        hits = self.frame.select(pl.arg_where(pl.col(self.key) == key)).to_series()
        return int(hits[0]) if hits.len() else None

    def move_to_key(self, key: Any) -> None:
        row = self.row_of(key)
        if row is not None and self.table is not None:
            self.table.move_cursor(row=row)

    def sort_by(self, name: str, descending: bool | None = None) -> None:
        """Sort by frame column `name`; the same column again flips the direction."""
        if descending is None:
            descending = not self.sort_desc if self.sort_col == name else False
        self.sort_col, self.sort_desc = name, descending
        if self.frame is not None:
            self.load(self.frame)

    def focus_table(self) -> None:
        if self.table is not None:
            self._focus_now(self.table)

    def _focus_now(self, grid: Widget) -> None:
        """Focus `grid` at once, not after the next refresh (`Widget.focus`): a grid just
        mounted is then drawn focused the first time, not drawn twice (a 50k-row grid's
        repaint is ~50 ms). Its focus style is set now too, as Textual's auto-focus does: the
        Focus event arrives after the first paint, and restyling it then repainted the grid."""
        try:
            screen = self.screen
        except NoScreen:
            grid.focus()
            return
        screen.set_focus(grid)
        if screen.focused is grid:
            grid.has_focus = True

    # The grid's messages, handled by name so the module does not import pyarrow up front.
    def on_data_table_row_highlighted(self, event: Any) -> None:
        event.stop()
        if event.cursor_row != event.data_table.cursor_row:
            return  # the cursor has moved on (`load` put it back on its row): said next
        key = self.key_at(event.cursor_row)
        if self._announced == (event.data_table, key):
            self._announced = None  # a new grid saying the row `load` announced already
            return
        self._announced = None
        self.post_message(self.RowHighlighted(self, key))

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        self.post_message(self.RowSelected(self, self.key_at(event.cursor_row)))

    def on_data_table_header_selected(self, event: Any) -> None:
        event.stop()
        index = getattr(event, "column_index", None)
        if index is not None and 0 <= index < len(self.shown_cols):
            self.sort_by(self.shown_cols[index].name)
