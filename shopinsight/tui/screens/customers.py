"""Customers: a sortable, filterable table and the highlighted customer's story.

Filters (segment, tag, free text) are applied with Polars in a worker and the result handed to
the Arrow-backed table whole. The detail panel shows the orders timeline, the segment and every
tag with its reason, churn risk, and the suggested gift and note — each from the core, each with
its reason. `t` adds a tag by hand, `T` removes one; both are stored as overrides in the workspace.
`x` leaves the customer out of every analysis (core.exclusions, as `shopinsight exclude` does),
`X` brings back one left out here; ctrl+e saves the customers shown (filters applied) as CSV.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Size
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from shopinsight.tui import shop_facts
from shopinsight.tui.detail import customer_detail, first_detail, render_detail, with_history
from shopinsight.tui.screens.customers_actions import CustomerChanges
from shopinsight.tui.screens.customers_view import (
    COLS,
    DEFAULT_SORT,
    CustomerView,
    customer_view,
    filter_customers,
    ready_view,
    with_value,
)
from shopinsight.tui.widgets.dialogs import PickDialog
from shopinsight.tui.widgets.frame_table import FrameTable, Prepared
from shopinsight.tui.widgets.lazy_select import LazySelect, compact

if TYPE_CHECKING:
    from shopinsight.tui.app import ShopInsightApp

CSV_COLUMNS = {
    "customer_id": "Customer ID",
    "display_name": "Name",
    "email": "Email",
    "country": "Country",
    "segment": "Segment",
    "orders": "Orders",
    "monetary": "Spent",
    "currency": "Currency",
    "recency_days": "Days since last order",
    "first_order": "First order",
    "last_order": "Last order",
    "tags": "Tags",
    "expected_value": "Expected value",
}

SORTS = [
    ("monetary", "Spent"),
    ("orders", "Orders"),
    ("recency_days", "Days since last order"),
    ("display_name", "Name"),
    ("segment", "Segment"),
    ("aov", "Average order"),
    ("first_order", "First order"),
    ("expected_value", "Expected value"),
]

ALL = "__all__"

DETAIL_MIN = 34
"""app.tcss: the detail panel beside the table is `width: 40%; min-width: 34`."""
CHROME_LINES = 4
"""The lines above and below the table and detail: nav bar, filters, summary, key bar."""


def table_width(screen_width: int) -> int:
    """The table's width on a screen this wide: what the detail panel leaves it (40% of the
    width, whole cells as Textual resolves it, and 34 cells at least)."""
    return screen_width - max(DETAIL_MIN, screen_width * 2 // 5)


class CustomersScreen(CustomerChanges):
    """Who buys: segment, tags and reasons, one customer at a time."""

    SECTION = "customers"
    HELP = (
        "[b]Customers[/b]: type in the search box to filter by name, email, product or country; "
        "pick a segment or a tag. Click a column header (or press [b]s[/b]) to sort. "
        "[b]t[/b] adds a tag to the highlighted customer, [b]T[/b] removes one; [b]x[/b] "
        "excludes the customer from every analysis (their orders are counted apart, never "
        "deleted), [b]X[/b] brings back one you excluded; [b]ctrl+e[/b] saves the customers "
        "shown (with the filters) as a CSV."
    )
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("t", "add_tag", "Tag"),
        Binding("T", "remove_tag", "Untag"),
        Binding("x", "exclude", "Exclude"),
        Binding("X", "include", "Include", show=False),
        Binding("ctrl+e", "export_csv", "CSV"),
        Binding("s", "sort", "Sort"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.profiles: Any = None
        self.table_frame: pl.DataFrame | None = None
        self.selected: str | None = None
        self.pending: str | None = None
        self.detail_pending = False
        self._detail_timer: Timer | None = None
        self._last_move = 0.0
        self._detail_for: tuple[Any, ...] | None = None  # customer, Shop, generation shown

    @classmethod
    def whole_at_once(cls, app: ShopInsightApp) -> bool:
        return ready_view(app.data) is not None  # what `compose_body` composes from

    def compose_body(self) -> ComposeResult:
        # warmed up: composed as it shows, the table and the first customer's detail in the
        # first layout and paint (no 'Loading…' painted first, no grid mounted after it)
        ready = self._composed = ready_view(self.data)
        view = ready[2] if ready is not None else None
        segments = [(v, v) for v in view.segments] if view is not None else []
        tags = [(v, v) for v in view.tags] if view is not None else []
        with Horizontal(classes="filter-bar"):
            yield compact(Input(placeholder="/ search name, email, product…", id="cust-search"))
            yield compact(LazySelect(segments, prompt="All segments", id="cust-segment"))
            yield compact(LazySelect(tags, prompt="All tags", id="cust-tag"))
        everyone = view.ready.frame.height if view is not None else None
        table = FrameTable(
            view.cols if view is not None else COLS,
            key="customer_id",
            empty=self._empty_words(everyone),
            waiting="Loading customers…",
            id="customers-table",
        )
        table.sort_col, table.sort_desc = view.ready.sort if view is not None else DEFAULT_SORT
        detail: Any = "Highlight a customer to see why they are where they are."
        if ready is not None and view is not None:
            self._use_view(ready)
            grid = table.preload(view.ready, table_width(self.app.size.width))
            if grid is not None:  # focused now, so it is styled focused as it mounts
                self.set_focus(grid, scroll_visible=False)
                grid.set_reactive(Widget.has_focus, self.focused is grid)
            first = table.key_at(0)
            shown = first_detail(self.data, first) if first is not None else None
            if first is None:  # no customer: as `show_filtered` says it
                detail = "No customer highlighted."
            elif shown is not None:  # the warm-up rendered it: no worker
                detail = shown
            if first is None or shown is not None:
                self.selected = first
                self._detail_for = (first, self.data, self.shop_app.generation)
        with Horizontal(classes="split"):
            yield table
            with VerticalScroll(id="customer-detail", classes="detail"):
                yield Static(detail, id="customer-detail-text")
        summary = self._summary(table) if view is not None else ""
        yield Static(summary, id="cust-summary", classes="summary-line")

    def on_mount(self) -> None:
        # Textual calls SectionScreen.on_mount (the load) after this one by itself: calling
        # it here too loaded the screen twice on each first visit
        if self._composed is not None:
            self._detail_scrollbar()

    def _detail_scrollbar(self) -> None:
        """A composed detail longer than its panel gets its scrollbar before the first layout
        (Textual found it needed one in that layout, and laid the screen out and painted it
        again). Its room for the scrollbar is kept either way (app.tcss), so the text is as
        wide with or without it."""
        width, height = self.app.size
        detail = self.query_one("#customer-detail", VerticalScroll)
        styles = detail.styles
        inner = width - table_width(width) - styles.gutter.width - styles.scrollbar_size_vertical
        room = height - CHROME_LINES - styles.gutter.height
        text = self.query_one("#customer-detail-text", Static)
        if inner > 0 and text.get_content_height(Size(inner, room), self.app.size, inner) > room:
            detail.set_reactive(Widget.show_vertical_scrollbar, True)
            detail.vertical_scrollbar.display = True

    def load(self) -> None:
        data = self.data
        composed, self._composed = self._composed, None
        if composed is not None and composed is ready_view(data):
            self._fetch_missing(self._use_view(composed))  # the table shows it already
            return
        ready = ready_view(data)
        if ready is not None:  # warmed up: no worker, shown once the grid's width is known
            self.call_after_refresh(self._show_ready, data, ready)
            return

        def view() -> tuple[Any, Any, CustomerView]:
            profiles, value = data.profiles(), data.peek("value:")  # Shop.value()'s memo key
            return profiles, value, customer_view(data, profiles, value)

        self.run_task("profiles", view, self.show_profiles, "Computing customers…")

    def _show_ready(self, data: Any, ready: tuple[Any, Any, CustomerView]) -> None:
        if data is self.data:  # else a newer load is on its way
            self.show_profiles(ready)

    def show_profiles(self, result: tuple[Any, Any, CustomerView]) -> None:
        value = self._use_view(result)
        view = result[2]
        self._set_options("#cust-segment", view.segments)
        self._set_options("#cust-tag", view.tags)
        table = self.query_one(FrameTable)
        table.cols = view.cols  # no amounts: no Spent or Value column
        if (table.sort_col, table.sort_desc) == DEFAULT_SORT:  # not one the merchant chose
            table.sort_col, table.sort_desc = view.ready.sort  # (no amounts: by orders)
        if self.filters() == ("", None, None) and view.ready.sort == (
            table.sort_col,
            table.sort_desc,
        ):
            self.show_filtered(view.ready)  # every customer, in the order shown: ready
        else:
            self.apply_filters()
        self._fetch_missing(value)

    def _use_view(self, result: tuple[Any, Any, CustomerView]) -> Any:
        """The customer table the filters work on; returns the value prediction it has."""
        # the value the view was built with: one ready since then is shown by the task below
        self.profiles, value, view = result
        self.table_frame = view.table
        return value

    def _fetch_missing(self, value: Any) -> None:
        """What the detail panel reads and the value column, computed in the background
        where they are not ready."""
        data = self.data
        if data.peek("churn:") is None or data.peek("gifts:open") is None:  # their memo keys
            self.run_task(
                "prefetch",
                lambda: (data.churn(), data.gifts()),
                lambda _: self.show_customer(self.selected),
                "Scoring churn risk and gifts…",
            )
        if value is None:
            self.run_task("value", data.value, self.show_value, "Predicting customer value…")

    def show_value(self, value: Any) -> None:
        """The Value column and the detail's value line, once the prediction is ready."""
        if self.table_frame is None:
            return
        self.table_frame = with_value(self.table_frame, value.table)
        self.apply_filters()
        self.show_customer(self.selected)

    def on_task_error(self, name: str, error: BaseException) -> None:
        if name in (
            "prefetch",
            "value",
        ):  # the detail panel says what is missing; one notice is enough
            self.shop_app.show_error(error)
            return
        super().on_task_error(name, error)

    def _set_options(self, selector: str, values: list[str]) -> None:
        select = self.query_one(selector, Select)
        keep = select.value
        select.set_options([(v, v) for v in values])
        if isinstance(keep, str) and keep in values:
            select.value = keep

    # -- filtering ---------------------------------------------------------------------------
    def filters(self) -> tuple[str, str | None, str | None]:
        seg = self.query_one("#cust-segment", Select).value
        tag = self.query_one("#cust-tag", Select).value
        return (
            self.query_one("#cust-search", Input).value,
            seg if isinstance(seg, str) else None,
            tag if isinstance(tag, str) else None,
        )

    def apply_filters(self) -> None:
        if self.table_frame is None:
            return
        frame = self.table_frame
        text, seg, tag = self.filters()
        table = self.query_one(FrameTable)
        self.run_task(
            "filter",
            lambda: table.prepare(filter_customers(frame, text, seg, tag)),
            self.show_filtered,
            "Filtering…",
        )

    def _empty_words(self, everyone: int | None) -> str:
        """What the empty table says: a filter matched no one, or the shop has no customer
        at all, and why (no buyer on any order: Bread Basket's baskets)."""
        if everyone != 0:
            return shop_facts.NO_MATCH
        return shop_facts.no_customers_text(self.data.peek("order_status"))

    def show_filtered(self, ready: Prepared) -> None:
        table = self.query_one(FrameTable)
        everyone = self.table_frame.height if self.table_frame is not None else None
        table.empty = self._empty_words(everyone)
        table.load(ready)
        self.show_summary()
        if ready.frame.height == 0:
            self.show_customer(None)
        if self.focused is None:
            table.focus_table()

    def show_summary(self) -> None:
        self.query_one("#cust-summary", Static).update(self._summary(self.query_one(FrameTable)))

    def _summary(self, table: FrameTable) -> str:
        """How many customers show, of how many, and the order they are in."""
        frame = table.frame if table.frame is not None else pl.DataFrame()
        total = self.table_frame.height if self.table_frame is not None else 0
        order = dict(SORTS).get(table.sort_col or "", table.sort_col or "")
        arrow = "↓" if table.sort_desc else "↑"
        return (
            f"{frame.height:,} of {total:,} customers · sorted by {order} {arrow} · "
            f"as of {self.data.known_as_of()}"
        )

    @on(Input.Changed, "#cust-search")
    @on(Select.Changed, "#cust-segment")
    @on(Select.Changed, "#cust-tag")
    def _filters_changed(self) -> None:
        self.apply_filters()

    @on(Input.Submitted, "#cust-search")
    def _search_done(self) -> None:
        self.query_one(FrameTable).focus_table()

    def focus_filter(self) -> bool:
        self.query_one("#cust-search", Input).focus()
        return True

    # -- detail ------------------------------------------------------------------------------
    @on(FrameTable.RowHighlighted, "#customers-table")
    def _highlighted(self, event: FrameTable.RowHighlighted) -> None:
        """Follow the cursor, after the table has redrawn: the detail's worker must not slow
        the cursor down. While keys repeat (scrolling), wait until the cursor rests."""
        self.pending = event.key
        self.detail_pending = True
        if self._detail_timer is not None:
            self._detail_timer.stop()
        if event.loaded:  # no key pressed: the detail's worker may run beside the paint
            self._show_pending()
            return
        now = time.monotonic()
        scrolling = now - self._last_move < 0.25
        self._last_move = now
        if scrolling:
            self._detail_timer = self.set_timer(0.15, self._show_pending)
        else:
            self.call_after_refresh(self._show_pending)

    def _show_pending(self) -> None:
        self._detail_timer = None
        self.detail_pending = False
        if self._detail_for == (self.pending, self.data, self.shop_app.generation):
            return  # a grid just loaded says its first row twice (the table, then the grid)
        self.show_customer(self.pending)

    def show_customer(self, customer_id: str | None) -> None:
        self.selected = customer_id
        self._detail_for = (customer_id, self.data, self.shop_app.generation)
        text = self.query_one("#customer-detail-text", Static)
        if customer_id is None:
            text.update("No customer highlighted.")
            return
        data = self.data
        if self.shop_app.warmed_shop is data:  # the history is in memory: one worker, one paint
            ready = first_detail(data, customer_id)
            if ready is not None:  # the warm-up rendered it: no worker
                text.update(ready)
                return
            self.run_task(
                "detail",
                lambda: render_detail(with_history(data, customer_detail(data, customer_id))),
                lambda r: text.update(r) if self.selected == customer_id else None,
                "Loading customer…",
            )
            return

        def shown(result: tuple[dict[str, Any], Any]) -> None:
            d, rendered = result
            text.update(rendered)
            self.run_task(
                "history",
                lambda: render_detail(with_history(data, d)),
                lambda r: text.update(r) if self.selected == customer_id else None,
                "Reading segment history…",
            )

        def detail() -> tuple[dict[str, Any], Any]:
            d = customer_detail(data, customer_id)
            return d, render_detail(d)

        self.run_task("detail", detail, shown, "Loading customer…")

    def action_export_csv(self) -> None:
        from shopinsight.tui.actions import export_csv

        table = self.query_one(FrameTable)
        if table.frame is None:
            self.notify("The customers are still loading.", timeout=3)
            return
        export_csv(self, table.frame, CSV_COLUMNS, "customers", "customers")

    # -- sorting ------------------------------------------------------------------------------
    def action_sort(self) -> None:
        def done(col: str | None) -> None:
            if col:
                self.sort(col)

        self.app.push_screen(PickDialog("Sort customers by", SORTS), done)

    def sort(self, col: str) -> None:
        table = self.query_one(FrameTable)
        descending = col not in ("display_name", "segment", "recency_days")
        if table.sort_col == col:
            descending = not table.sort_desc
        table.sort_by(col, descending)
        self.show_summary()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Add a tag to this customer", "Tag the highlighted customer (t)", self.action_add_tag
        )
        yield SystemCommand(
            "Remove a tag from this customer",
            "Untag the highlighted customer (T)",
            self.action_remove_tag,
        )
        yield SystemCommand(
            "Exclude this customer",
            "Leave the highlighted customer out of every analysis (x)",
            self.action_exclude,
        )
        yield SystemCommand(
            "Bring back an excluded customer",
            "Undo an exclusion made here (X)",
            self.action_include,
        )
        yield SystemCommand(
            "Export the customers shown as CSV",
            "With the search and filters applied (ctrl+e)",
            self.action_export_csv,
        )
        yield SystemCommand("Search customers", "Focus the search box (/)", self.focus_filter)
        for col, label in SORTS:
            yield SystemCommand(
                f"Sort customers by {label.lower()}",
                "Click again to reverse",
                lambda c=col: self.sort(c),
            )
