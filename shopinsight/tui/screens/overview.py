"""Overview: the shop at a glance — KPIs, revenue by month, segment sizes, what changed since the
last import (`c` for every change), the last imports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.markup import escape
from rich.table import Table
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.words import plural
from shopinsight.tui import fmt, shop_facts
from shopinsight.tui.screens import overview_changes
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.charts import BarChart, ColumnChart
from shopinsight.tui.widgets.kpi import Kpi

SEGMENTS_WAITING = "Computing the customer table…"
CUSTOMERS_DEFINITION = "Customers with a purchase (paid, not cancelled or returned, money kept)"
"""What "customers" means until the customer table says it (`customers_definition`): the
order-level status has no such sentence. A shop without amounts keeps no money:
`customers_fallback` says its own."""


def customers_fallback(status: dict[str, Any] | None) -> str:
    """`CUSTOMERS_DEFINITION`, or its words for a shop whose exports carry no amounts."""
    return f"Customers with a purchase ({shop_facts.purchase_rule(status)})"


KPIS = [
    ("revenue", "Revenue"),
    ("orders", "Orders"),
    ("customers", "Customers"),
    ("repeat", "Repeat rate"),
    ("aov", "Avg order"),
    ("open", "Open orders"),
]


class OverviewScreen(SectionScreen):
    """KPIs, plots and imports for the as-of day; opens from cache on an unchanged workspace."""

    SECTION = "overview"
    HELP = (
        "[b]Overview[/b]: figures count orders up to the as-of day. Net revenue = order totals "
        "minus refunds, cancelled orders left out, in the main currency (others are listed "
        "apart). Repeat rate = customers with 2+ orders on different days. [b]Since the last "
        "import[/b]: new customers, segment moves, churn alerts resolved and new, bundles that "
        "appeared or faded, compared with the shop as the import before the last left it; "
        "[b]c[/b] lists them."
    )
    BINDINGS = [Binding("c", "changes", "Changes")]

    def __init__(self) -> None:
        super().__init__()
        self.changes: Any = None  # the ChangesResult shown, once computed

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="overview-body"):
            with Horizontal(id="kpis"):
                for key, label in KPIS:
                    yield Kpi(label, id=f"kpi-{key}")
            with Horizontal(id="overview-charts"):
                with Vertical(id="revenue-panel", classes="panel") as panel:
                    panel.border_title = "Revenue by month"
                    yield ColumnChart(id="revenue-chart")
                with Vertical(id="segments-panel", classes="panel") as panel:
                    panel.border_title = "Segments"
                    yield BarChart(id="segments-chart")
            with Vertical(id="changes-panel", classes="panel") as panel:
                panel.border_title = "Since the last import"
                yield Static("", id="changes")
            yield Static("", id="changes-line")
            with Vertical(id="imports-panel", classes="panel") as panel:
                panel.border_title = "Last imports"
                yield Static("No imports yet. Press i to import an export file.", id="imports")
            yield Static("", id="value-line")
            yield Static("", id="imports-line")
            yield Static("", id="asof-line")

    def on_resize(self) -> None:
        """On a short terminal the imports shrink to one line so both charts fit."""
        self.set_class(self.size.height < 32, "-short")

    def load(self) -> None:
        """The figures the orders give first (cheap: one row per order), then, one after the
        other so none slows the first paint, the segments (the customer table), the value
        prediction and what changed. Each panel says it is computing until its result is in."""
        self.run_task(
            "overview", self.data.order_status, self.show_overview, "Loading the overview…"
        )
        if self.data.has_orders():
            months = self.query_one("#revenue-chart", ColumnChart)
            if not months.points:
                months.set_points([], "Reading the orders…")
            chart = self.query_one("#segments-chart", BarChart)
            if not chart.rows:
                chart.set_rows([], SEGMENTS_WAITING)
            if self.changes is None:
                self.show_no_changes("comparing, once the customer table is in…")
        else:
            self.show_no_changes("nothing to compare yet.")

    def load_segments(self) -> None:
        """Segment sizes (the customer table: seconds on a big shop when not cached), then
        the value prediction."""
        self.run_task(
            "segments", self.data.segment_summary, self.show_segments, "Computing segments…"
        )

    def load_value(self) -> None:
        self.run_task("value", self.data.value, self.show_value, "Predicting value…")

    def show_value(self, view: Any) -> None:
        status = self.data.peek("order_status") or {}
        self.query_one("#value-line", Static).update(value_line(view, status))
        self.load_changes()

    def load_changes(self) -> None:
        """What changed since the last import; started once the value is in, so the replay of
        the earlier day never competes with the first paint."""
        self.run_task("changes", self.data.changes, self.show_changes, "Comparing imports…")

    def show_changes(self, result: Any) -> None:
        self.changes = result
        panel = self.query_one("#changes-panel")
        panel.border_title = overview_changes.panel_title(result)
        self.query_one("#changes", Static).update(overview_changes.panel_text(result))
        self.query_one("#changes-line", Static).update(overview_changes.line_text(result))

    def show_no_changes(self, text: str) -> None:
        self.changes = None
        self.query_one("#changes-panel").border_title = "Since the last import"
        self.query_one("#changes", Static).update(text)
        self.query_one("#changes-line", Static).update(f"[b]Since the last import[/b]: {text}")

    def action_changes(self) -> None:
        if self.changes is None:
            self.notify("Nothing to compare yet, or still comparing.", timeout=3)
            return
        result = self.changes
        title = f"What changed: {result.cut.day} → {result.as_of}"
        self.app.push_screen(
            overview_changes.ChangesDialog(title, overview_changes.detail_text(result))
        )

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "What changed since the last import",
            "New customers, segment moves, alerts, bundles (c)",
            self.action_changes,
        )

    def show_overview(self, status: dict[str, Any]) -> None:
        with self.app.batch_update():
            self._show_overview(status)
        if status.get("lines"):
            self.load_segments()

    def _show_overview(self, status: dict[str, Any]) -> None:
        records = status.get("imports", [])
        self.query_one("#imports", Static).update(imports_table(records))
        self.query_one("#imports-line", Static).update(imports_line(records))
        if not status.get("lines"):
            for key, _ in KPIS:
                self.query_one(f"#kpi-{key}", Kpi).set("–")
            self.query_one("#asof-line", Static).update(
                "No orders yet: press [b]i[/b] to import an export, or run "
                "[b]shopinsight demo[/b] to explore the sample shop."
            )
            return
        revenue: dict[str, float] = status.get("net_revenue", {})
        cur = status.get("currency") or fmt.main_currency(revenue)  # the Shop's one currency
        others = [c for c in revenue if c != cur]
        aov = status.get("aov", {}).get(cur) if cur else None
        extra = f" (+ {', '.join(fmt.money(revenue[c], c) for c in others)})" if others else ""
        no_amounts = shop_facts.no_amounts(status)
        unnamed = (
            " (amounts of no named currency: set the shop's currency in Settings (,))"
            if cur == shop_facts.NO_CURRENCY
            else ""
        )
        if no_amounts:  # zeros would read as a shop that sold nothing
            self.kpi("revenue", shop_facts.NO_AMOUNTS, shop_facts.no_amounts_text(status))
        else:
            self.kpi(
                "revenue",
                fmt.money(revenue.get(cur), cur, compact=True),
                f"{fmt.money(revenue.get(cur), cur)}{unnamed}{extra}: order totals minus "
                f"refunds, {_cancelled_text(status)}",
            )
        in_cur = f"in {cur}" if shop_facts.currency_label(cur) == cur else "of them"
        self.kpi(
            "orders",
            fmt.count(status.get("orders")),
            f"Orders in every currency and store; {fmt.count(status.get('counted_orders'))} "
            f"{in_cur} count as purchases (not cancelled or returned, with a customer"
            + (f"; {shop_facts.UNPRICED_PURCHASE})" if no_amounts else ", money kept)"),
        )
        self.kpi(
            "customers",
            fmt.count(status.get("customers")),
            str(status.get("customers_definition") or customers_fallback(status)),
        )
        self.kpi(
            "repeat",  # of no customer there is no rate ('0.0%' read as no one came back)
            fmt.pct(status.get("repeat_rate") if status.get("customers") else None, 1),
            f"{fmt.count(status.get('repeat_customers'))} customers ordered on 2+ days",
        )
        self.kpi(
            "aov",
            fmt.money(aov, cur, compact=True),
            shop_facts.no_amounts_text(status)
            if no_amounts
            else f"Average net value of a sold order (buyer known or not): {fmt.money(aov, cur)}",
        )
        self.kpi(
            "open",
            fmt.count(status.get("open_orders")),
            "Paid orders not yet fulfilled: the packing plan works on these",
        )
        months = [
            (m["month"], float(m["revenue"] or 0))
            for m in status.get("revenue_by_month", [])
            if m.get("currency") == cur
        ]
        if no_amounts:  # a row of empty months is no chart: say why there is none
            months, empty = [], "No revenue to chart: " + shop_facts.NO_AMOUNTS_WHY
        else:
            empty = "No purchases to chart yet." if status.get("orders") else "No orders yet."
        self.query_one("#revenue-chart", ColumnChart).set_points(months, empty)
        self.query_one("#revenue-panel").border_title = (
            f"Revenue by month ({shop_facts.currency_label(cur)})"
            if cur and not no_amounts
            else "Revenue by month"
        )
        # no buyer on any order: the customer table will be empty, say why before it comes
        if shop_facts.no_buyers(status) and not status.get("customers"):
            self.query_one("#segments-chart", BarChart).set_rows(
                [], shop_facts.no_buyers_text(status)
            )
        first, last = _day(status.get("first_order")), _day(status.get("last_order"))
        sources = ", ".join(status.get("sources", []))
        no_buyer = status.get("orders_without_buyer") or 0
        note = f" · {plural(no_buyer, 'order')} without buyer identity" if no_buyer else ""
        if others:
            note += " · also " + ", ".join(fmt.money(revenue[c], c) for c in others)
        if status.get("day_note"):
            note += " · " + escape(fmt.in_app(str(status["day_note"])))
        demo = "[b]Demo shop[/b] (sample data) · " * bool(self.shop_app.demo)
        self.query_one("#asof-line", Static).update(
            f"{demo}As of [b]{status.get('as_of')}[/b] · orders {first} → {last} · {sources}{note}"
        )

    def show_segments(self, summary: dict[str, Any]) -> None:
        rows = [
            (str(r["segment"]), float(r["customers"]), f"{r['customers']:,} {fmt.pct(r['share'])}")
            for r in summary["sizes"]  # a dozen segments at most
        ]
        status = self.data.peek("order_status") or {}
        no_buyers = shop_facts.no_buyers(status)
        empty = shop_facts.no_buyers_text(status) if no_buyers else "No segments yet."
        self.query_one("#segments-chart", BarChart).set_rows(rows, empty)
        panel = self.query_one("#segments-panel")
        cur = summary["currency"]
        named = f" · {cur}" if shop_facts.currency_label(cur) == cur else ""  # a named one
        panel.border_subtitle = f"{plural(summary['customers'], 'customer')}{named}"
        panel.tooltip = "\n".join(fmt.in_app(n) for n in summary["notes"] if n)
        # the customer table's own count (the orders' count of the same people until now)
        self.kpi("customers", fmt.count(summary["customers"]), summary["customers_definition"])
        self.load_value()

    def on_task_error(self, name: str, error: BaseException) -> None:
        if name == "changes":  # an honest line, not an error: often there is nothing yet
            if isinstance(error, ShopInsightError):
                self.show_no_changes(overview_changes.not_yet(error.title, error.detail))
            else:
                self.show_no_changes("could not be worked out.")
                self.shop_app.log.error(repr(error))
        elif name == "value":  # the rest of the overview stands without it
            self.query_one("#value-line", Static).update("")
            self.shop_app.show_error(error)
            self.load_changes()
        elif name == "segments":
            self.query_one("#segments-chart", BarChart).set_rows([], "Could not be computed.")
            self.shop_app.show_error(error)
            self.load_value()
        else:
            if name == "overview":  # the panels waiting on the orders say they will not come
                self.query_one("#revenue-chart", ColumnChart).set_points([], "Could not be read.")
                self.query_one("#segments-chart", BarChart).set_rows([], "Not computed.")
            super().on_task_error(name, error)

    def kpi(self, key: str, value: str, tooltip: str) -> None:
        self.query_one(f"#kpi-{key}", Kpi).set(value, tooltip)


def value_line(view: Any, status: dict[str, Any] | None = None) -> str:
    """'Expected next 12 months: $X from N customers (High tier: $Y)' (same sum as `value`);
    nothing when no customer could be valued (no amounts, no buyers: the panels say why)."""
    from shopinsight.tui.detail import horizon_words

    table = view.table
    if status is not None and shop_facts.no_amounts(status):
        return "Expected spend: none can be predicted, the exports carry no amounts."
    if table.height == 0:
        return ""
    total = float(table["expected_value"].sum())
    high = float(table.filter(table["tier"] == "High")["expected_value"].sum())
    when = horizon_words(view.horizon_days).replace("the next", "next")
    return (
        f"Expected {when}: [b]{fmt.money(total, view.currency)}[/b] from "
        f"{plural(table.height, 'customer')} (High tier: {fmt.money(high, view.currency)})"
    )


def _cancelled_text(status: dict[str, Any]) -> str:
    """What the revenue figure leaves out: the cancelled orders, and the orders not paid for
    yet nor shipped, with their totals."""
    text = _left_out(status, "cancelled", "cancelled") or "cancelled orders excluded"
    unpaid = _left_out(status, "unpaid", "unpaid, unshipped")
    return f"{text}; {unpaid}" if unpaid else text


def _left_out(status: dict[str, Any], key: str, words: str) -> str:
    """`status`' `<key>_orders` and `<key>_value` in words ("" when there are none)."""
    n = int(status.get(f"{key}_orders") or 0)
    if not n:
        return ""
    money = ", ".join(fmt.money(v, c) for c, v in (status.get(f"{key}_value") or {}).items())
    noun = "order" if n == 1 else "orders"
    return f"{fmt.count(n)} {words} {noun}" + (f" ({money}) excluded" if money else " excluded")


def _day(value: Any) -> str:
    return str(value)[:10] if value else "–"


def imports_line(records: list[dict[str, Any]]) -> str:
    """The imports in one line (short terminals): the last file and the reject total."""
    if not records:
        return "No imports yet: press [b]i[/b] to import an export file."
    last = records[-1]
    rejected = sum(int(r.get("rejected") or 0) for r in records)
    name = escape(str(last.get("file", "")).rsplit("/", 1)[-1])
    when = str(last.get("imported_at", ""))[:10]
    rej = f"[red]{rejected:,} rejected rows[/red]" if rejected else "no rejected rows"
    return f"Last import {when}: {name} · {plural(len(records), 'import')}, {rej}"


def imports_table(records: list[dict[str, Any]], limit: int = 5) -> Table | str:
    """The last imports, newest first, with their reject counts."""
    if not records:
        return "No imports yet. Press i to import an export file."
    table = Table(box=None, expand=True, pad_edge=False, header_style="bold")
    table.add_column("When", no_wrap=True)
    table.add_column("File", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("Format", no_wrap=True, overflow="ellipsis")  # whole when it fits
    table.add_column("Rows", justify="right")
    table.add_column("New", justify="right")
    table.add_column("Rejected", justify="right")
    for r in list(reversed(records))[:limit]:
        rejected = int(r.get("rejected") or 0)
        table.add_row(
            str(r.get("imported_at", ""))[:16].replace("T", " "),
            escape(str(r.get("file", "")).rsplit("/", 1)[-1]),
            escape(str(r.get("format_title") or r.get("format", ""))),
            f"{int(r.get('rows_read') or 0):,}",
            "skipped" if r.get("skipped") else f"{int(r.get('new_lines') or 0):,}",
            f"[red]{rejected:,}[/red]" if rejected else "0",
        )
    return table
