"""Insights: cohort retention as a heatmap, and how long customers take to come back.

The heatmap has one row per cohort (customers by month or quarter of their first purchase) and
one column per later period; each cell is coloured by the share of the cohort that bought in
that period. `v` switches what the cells say (share, customers, net revenue), `p` the period.
Below it, the time between purchases: 1st→2nd, 2nd→3rd, 3rd→4th with the median and the share
back within 30…365 days (counted only among customers who have had that long).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import DataTable, Static

from shopinsight.core.insights.cohorts import cohort_label, mark_partial
from shopinsight.core.words import compact
from shopinsight.tui import shop_facts
from shopinsight.tui.fmt import in_app
from shopinsight.tui.screens.base import SectionScreen

VIEWS = ("share", "active", "revenue")
VIEW_NAMES = {"share": "% active", "active": "customers active", "revenue": "net"}
STEP_NAMES = {
    "first_to_second": "1st→2nd",
    "second_to_third": "2nd→3rd",
    "third_to_fourth": "3rd→4th",
}
CELL = 5
"""A heatmap column's width: "100%", "1,234", "558k" (a year of months fits 80 columns)."""


def heat_style(share: float | None) -> str:
    """Cell colour by share active: the darker the green, the more of the cohort came back."""
    if share is None or share <= 0:
        return "dim"
    if share >= 0.5:
        return "bold #ffffff on #1a7f37"
    if share >= 0.3:
        return "#ffffff on #2da44e"
    if share >= 0.15:
        return "#000000 on #aceebb"
    return "#000000 on #dafbe1"


def cell_words(row: dict[str, Any], k: int, view: str) -> str:
    """What one heatmap cell says; the cell of a last period the data stops short of
    (`partial_k`) is marked as the CLI marks it: "27*" for 27%, "412*" for 412."""
    if k >= len(row["active"]):
        return ""
    shown = {
        "share": f"{row['share'][k]:.0%}",
        "active": f"{row['active'][k]:,}",
        "revenue": compact(row["revenue"][k]),
    }[view]
    return mark_partial(shown, row, k)


def cell_text(row: dict[str, Any], k: int, view: str, width: int = CELL) -> Text:
    """One heatmap cell: coloured by share whatever number it shows."""
    if k >= len(row["active"]):
        return Text("")
    return Text(cell_words(row, k, view).rjust(width), style=heat_style(row["share"][k]))


def notes_text(notes: list[str], marked: str | None = None) -> str:
    """The cohorts' notes (orders left out, a partial last period) in the app's words; the
    `marked` one (the partial period's) begins with the * its cells carry."""
    return "\n".join(
        f"[dim]{'* ' if note == marked else ''}{escape(in_app(note))}[/dim]" for note in notes
    )


def repeat_lines(steps: dict[str, Any]) -> str:
    """The repeat timing in three lines of markup (fits 80 columns)."""
    lines = ["[b]Time between purchases[/b]  (back within 30 / 60 / 90 / 180 / 365 days)"]
    for key, name in STEP_NAMES.items():
        step = steps[key]
        median = "—" if step["median_days"] is None else f"{step['median_days']:g} d"
        shares = " / ".join("—" if v is None else f"{v:.0%}" for v in step["within_days"].values())
        lines.append(
            f"[b]{name}[/b] {step['returned']:,} of {step['customers']:,} · "
            f"median {median} · {shares}"
        )
    return "\n".join(lines)


class InsightsScreen(SectionScreen):
    """Cohort heatmap and repeat timing for the as-of day."""

    SECTION = "insights"
    HELP = (
        "[b]Insights[/b]: each row is a cohort, the customers whose first purchase fell in that "
        "month (or quarter); +1, +2… are the periods after it, coloured by the share of the "
        "cohort that bought then. [b]v[/b] shows shares, customers or net revenue (returns "
        "netted out); [b]p[/b] switches months and quarters. Below: days from a purchase to the "
        "next, with the median and the share back within 30…365 days, counted among customers "
        "who have had that long."
    )
    AUTO_FOCUS = "#cohort-table"
    DEFAULT_CSS = """
    #cohort-title { height: 1; padding: 0 1; }
    #cohort-table { height: 1fr; }
    #cohort-notes { height: auto; max-height: 4; padding: 0 1; }
    #repeat-summary { height: auto; padding: 0 1; border-top: solid $primary-darken-2; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("v", "cycle_view", "Numbers"),
        Binding("p", "toggle_period", "Month/quarter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "month"
        self.view = "share"
        self.cohorts: Any = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cohort-title")
        # no padding: the cells touch like a heatmap and a year of cohorts fits 80 columns
        yield DataTable(
            id="cohort-table", cursor_type="row", zebra_stripes=False, cell_padding=0,
            fixed_columns=2,
        )  # fmt: skip
        yield Static("", id="cohort-notes")
        yield Static("", id="repeat-summary")

    def load(self) -> None:
        by = self.by
        self.run_task(
            "cohorts", lambda: self.data.cohorts(by), self.show_cohorts, "Counting cohorts…"
        )
        self.run_task("repeat", self.data.repeat, self.show_repeat, "Timing repeat orders…")

    def show_cohorts(self, result: Any) -> None:
        self.cohorts = result
        self.draw()

    def draw(self) -> None:
        result = self.cohorts
        if result is None:
            return
        rows = result.rows()
        span = "months" if result.by == "month" else "quarters"
        money = f" ({result.currency})" if self.view == "revenue" and result.currency else ""
        other = "quarters" if result.by == "month" else "months"
        # fits 80 columns in every view ("Cohorts by first quarter: customers active…" ran
        # past it and lost its `p` hint's word)
        self.query_one("#cohort-title", Static).update(
            f"[b]By first {result.by}[/b]: {VIEW_NAMES[self.view]}{money} in later "
            f"{span} · [b]v[/b] numbers · [b]p[/b] {other}"
        )
        marked = result.partial["note"] if result.partial and rows.height else None
        self.query_one("#cohort-notes", Static).update(notes_text(result.notes, marked))
        table = self.query_one("#cohort-table", DataTable)
        table.clear(columns=True)
        longest = int(rows["active"].list.len().max() or 1) if rows.height else 1
        # fixed widths: DataTable's auto width can shrink to the header on a wide terminal
        table.add_column(" Cohort", key="cohort", width=9)
        table.add_column(Text("Cust. ", justify="right"), key="customers", width=7)
        named = list(rows.iter_rows(named=True))
        # a marked cell ("183k*") is a character wider than its number: a column holding one
        # keeps a blank before it (cells touch, so "499k183k*" read as one number)
        view = self.view
        said = [len(cell_words(r, k, view)) for r in named for k in range(1, longest)]
        starred = [len(cell_words(r, r["partial_k"], view)) + 1 for r in named if r["partial_k"]]
        width = max([CELL, *said, *starred])
        for k in range(1, longest):
            table.add_column(Text(f"+{k}", justify="right"), key=f"k{k}", width=width)
        for row in named:
            cells = [cell_text(row, k, self.view, width) for k in range(1, longest)]
            table.add_row(
                f" {cohort_label(row)}", Text(f"{row['customers']:,} ", justify="right"), *cells,
                key=row["cohort"],
            )  # fmt: skip
        if rows.height == 0:
            status = self.data.peek("order_status")
            words = (  # one line at 80 columns
                f"No customers: none of the {status['orders']:,} orders has a buyer, and "
                "cohorts follow buyers."
                if status is not None and shop_facts.no_buyers(status)
                else "No customers with a purchase yet: cohorts start with the first paid order."
            )
            self.query_one("#cohort-title", Static).update(words)

    def show_repeat(self, result: Any) -> None:
        status = self.data.peek("order_status")
        if status is not None and shop_facts.no_buyers(status):  # rows of '0 of 0 · —'
            words = "[b]Time between purchases[/b]: no buyer to follow (no order has one)."
        else:
            words = repeat_lines(result.steps)
        self.query_one("#repeat-summary", Static).update(words)

    def action_cycle_view(self) -> None:
        status = self.data.peek("order_status")
        # no amounts in the exports: a table of zeros is no view of net revenue
        views = VIEWS[:2] if status is not None and shop_facts.no_amounts(status) else VIEWS
        self.view = views[(views.index(self.view) + 1) % len(views)]
        self.draw()

    def action_toggle_period(self) -> None:
        self.by = "quarter" if self.by == "month" else "month"
        by = self.by
        self.run_task(
            "cohorts", lambda: self.data.cohorts(by), self.show_cohorts, "Counting cohorts…"
        )

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Cohort numbers", "Shares, customers or net revenue (v)", self.action_cycle_view
        )
        yield SystemCommand(
            "Cohorts by month or quarter", "Switch the period (p)", self.action_toggle_period
        )
