"""Churn alerts: who is likely to stop buying, what is at stake, why, and what to do.

The list is ranked by value at risk (risk × what they would spend over the horizon); when the
exports carry no amounts, by orders at risk (risk × the orders they would place), and a line
above the list says so, in the words of `churn --json`'s sibling `churn` (core.churn.stake
decides for both). `c` marks
the highlighted customer contacted, `z` snoozes them, `x` dismisses them, `n` reopens; marks are
stored in the workspace and applied without recomputing anything. The panel on top says in plain
words how the method did when replayed on this shop's own past; the track record under it, how
the alerts of earlier imports turned out (the same `Shop.track()` as `churn track`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from shopinsight.core.churn.stake import (
    EXPECTED_ORDERS,
    ORDERS_AT_RISK,
    by_orders,
    orders_text,
    ranking_note,
    stake_column,
    stake_noun,
)
from shopinsight.tui import fmt, shop_facts
from shopinsight.tui.fmt import escape
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.charts import BarChart
from shopinsight.tui.widgets.dialogs import InfoDialog, InputDialog
from shopinsight.tui.widgets.frame_table import Col, FrameTable

COLS = [
    Col("display_name", "Customer", width=16),
    Col("risk", "Risk %", "pct"),
    Col("value_at_risk", "At risk", "money"),
    Col("state", "Mark", width=9),
    Col("expected_next_order", "Expected", "date"),
    Col("status_text", "Status", width=12),
    Col("segment", "Segment", width=15, optional=True),
]

ORDER_COLS = [
    Col(ORDERS_AT_RISK, "Orders at risk", "num") if c.name == "value_at_risk" else c for c in COLS
]
"""The columns when the exports carry no amounts: orders at risk where the money would be."""

CSV_COLUMNS = {
    "customer_id": "Customer ID",
    "display_name": "Name",
    "risk": "Risk",
    "value_at_risk": "Value at risk",
    "expected_next_order": "Expected next order",
    "status": "Status",
    "segment": "Segment",
    "state": "Mark",
    "list": "List",
    "reasons": "Reasons",
    "action": "Suggested action",
}

ORDER_CSV_COLUMNS = {
    **{k: v for k, v in CSV_COLUMNS.items() if k != "value_at_risk"},
    ORDERS_AT_RISK: "Orders at risk",
    EXPECTED_ORDERS: "Expected orders",
}
"""The CSV of alerts ranked by orders: no money column (none is known)."""

DONE = ("contacted", "snoozed", "dismissed")  # marks that take a customer off the to-act list

VIEWS = [
    ("alerts", "Alerts to act on"),
    ("all", "Every customer, by value at risk"),
    ("contacted", "Contacted"),
    ("snoozed", "Snoozed"),
    ("dismissed", "Dismissed"),
]


ORDER_VIEWS = [(v, "Every customer, by orders at risk" if v == "all" else t) for v, t in VIEWS]


def view_rows(alerts: pl.DataFrame, view: str, text: str = "") -> pl.DataFrame:
    """The alerts one view shows, searched by customer, segment or reason."""
    rows = alerts
    if view == "alerts":  # the to-act list: a customer marked done with is not on it
        rows = rows.filter(pl.col("is_alert") & ~pl.col("state").is_in(DONE))
    elif view != "all":
        rows = rows.filter(pl.col("state") == view)
    needle = text.strip().lower()
    if needle:
        hay = pl.concat_str(
            [
                pl.col("display_name").fill_null(""),
                pl.col("customer_id"),
                pl.col("segment").fill_null(""),
                pl.col("status_text").fill_null(""),
                pl.col("reasons").list.join(" "),
            ],
            separator=" ",
        ).str.to_lowercase()
        rows = rows.filter(hay.str.contains(needle, literal=True))
    return rows


METHOD_LABELS = {
    "rule": "Cadence rule", "btyd": "Purchase model (BG/NBD)", "model": "Learned model",
    "recency": "Days since last order",
}  # fmt: skip


def backtest_words(churn: Any, every: bool = True) -> str:
    """How each churn method did one horizon back, in plain words: the one used first (the
    line above the list quotes its numbers), then the others it was compared with (`b`'s
    dialog); without `every`, the one used and why (the panel: the others' ranking scores are
    in the why, and four methods' numbers overflowed its 8 lines)."""
    bt = churn.backtest
    lost = stake_noun(churn.alerts)  # lost spend, or lost orders when there are no amounts
    lines = [
        f"Replayed as of {bt['as_of']}: of {bt['customers']:,} customers, {bt['lost']:,} did "
        f"not order in the next {bt['horizon_days']} days."
    ]
    order = [churn.method, *(m for m in METHOD_LABELS if m != churn.method and every)]
    for method in order:
        score = bt.get(method)
        if not isinstance(score, dict) or not score:
            continue
        parts = []
        if score.get("precision") is not None:
            parts.append(
                f"{fmt.pct(score['precision'])} of its {score['alerts']:,} alerts were right"
            )
        if score.get("recall") is not None:
            parts.append(f"it caught {fmt.pct(score['recall'])} of those lost")
        if score.get("top10_capture") is not None:
            parts.append(f"its top 10% held {fmt.pct(score['top10_capture'])} of the {lost}")
        if score.get("auc") is not None:
            parts.append(f"ranking score (AUC) {score['auc']:.2f}")
        used = " (used)" if method == churn.method else ""
        name = METHOD_LABELS.get(method, method)
        lines.append(f"[b]{name}{used}[/b]: " + "; ".join(parts) + ".")
    if bt.get("model_note"):
        lines.append(f"[dim]{escape(bt['model_note'])}[/dim]")
    lines.append(f"[i]{escape(churn.method_reason)}[/i]")
    return "\n".join(lines)


def backtest_line(churn: Any) -> str:
    """The backtest in one line (short terminals); `b` shows the full text."""
    bt = churn.backtest
    score = bt.get(churn.method)  # the method actually used, not always the rule
    parts = [f"[b]{METHOD_LABELS.get(churn.method, churn.method)}[/b] used"]
    if score and score.get("precision") is not None:
        parts.append(
            f"replayed as of {bt['as_of']}: {fmt.pct(score['precision'])} of its "
            f"alerts right, caught {fmt.pct(score.get('recall'))} of those lost"
        )
    return " · ".join(parts) + " · [b]b[/b] details"


TRACK_EMPTY = "[b]Track record[/b]: none yet; the first record is scored at your next import."


def track_line(track: pl.DataFrame) -> str:
    """The newest scored day in two lines at most (short terminals; the panel and `t` give the
    sentence of `churn track` whole), or the honest empty state."""
    if track.height == 0:
        return TRACK_EMPTY
    r = track.row(0, named=True)
    day = r["as_of"]
    text = (
        f"[b]Track record[/b]: of the {r['alerted']:,} alerted on {day.day} {day:%b %Y}, "
        f"{r['did_not_come_back']:,} did not come back"
    )
    if r["contacted"]:
        text += (
            f"; of the {r['contacted']:,} you contacted, {r['contacted_came_back']:,} came back "
            f"vs {r['not_contacted_came_back']:,} of the {r['not_contacted']:,} you did not"
        )
    return text + " · [b]t[/b] more"


def track_words(track: pl.DataFrame, note: bool = True) -> str:
    """Every scored day, newest first, with its precision (what `t` shows; the panel shows
    the newest three)."""
    from shopinsight.core.churn.track import track_sentence

    if track.height == 0:
        return (
            "None yet: each import stores the day's alerts, and the first record is scored at "
            "your next import, against the orders it brings."
        )
    lines = [
        f"• {escape(track_sentence(row))} [dim](precision {fmt.pct(row['precision'])})[/dim]"
        for row in track.iter_rows(named=True)
    ]
    if note:
        lines.append(
            "\n[i]Precision: the share of alerted customers who did not come back so far (the "
            "horizon may not be over yet).[/i]"
        )
    return "\n".join(lines)


def risk_bands(alerts: pl.DataFrame) -> list[tuple[str, float, str]]:
    """Customers per 20-point risk band (the distribution plot)."""
    labels = ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]
    band = (pl.col("risk").fill_null(0.0) * 5).floor().clip(0, 4).cast(pl.Int8)
    counts = dict(alerts.group_by(band.alias("band")).len().iter_rows())
    return [
        (label, float(counts.get(i, 0)), f"{counts.get(i, 0):,}") for i, label in enumerate(labels)
    ]


ROWS_KEY = "churn-rows"
"""The Shop memo entry of `churn_rows`: (alerts, profiles, churn result, rows)."""


def churn_rows(shop: Any) -> tuple[Any, pl.DataFrame]:
    """The churn result and its alerts with each customer's name as Customers shows it, built
    once per alerts and customer table (in the Shop's memo: the warm-up builds it, so a
    first visit only mounts the grid; a mark gives new alerts, and the entry is replaced)."""
    churn, profiles = shop.churn(), shop.profiles()
    found = shop.peek(ROWS_KEY)
    if found is not None and found[0] is churn.alerts and found[1] is profiles:
        return found[2], found[3]
    from shopinsight.tui.screens.customers_view import with_display_name

    table = profiles.table.select("customer_id", "customer_name", "email")
    names = with_display_name(table).select("customer_id", "display_name")  # as Customers
    rows = churn.alerts.join(names, on="customer_id", how="left", maintain_order="left")
    rows = rows.with_columns(
        pl.col("display_name").fill_null(pl.col("customer_id")),
        # 'second order at risk', not the code 'second_order_at_risk' (the CSV keeps the code,
        # as `churn --json` has it)
        pl.col("status").str.replace_all("_", " ").alias("status_text"),
    )
    shop.forget(ROWS_KEY)
    shop.memo(ROWS_KEY, lambda: (churn.alerts, profiles, churn, rows))
    return churn, rows


def ready_rows(shop: Any) -> tuple[Any, pl.DataFrame] | None:
    """`churn_rows` as the memo holds them for the churn result and customers computed now,
    or None when not built yet."""
    churn, profiles = shop.peek("churn:"), shop.peek("profiles")  # their memo keys
    found = shop.peek(ROWS_KEY)
    if churn is None or found is None or found[0] is not churn.alerts or found[1] is not profiles:
        return None
    return found[2], found[3]


def warm_up(shop: Any) -> None:
    """The rows the Churn screen opens with (the app's warm-up)."""
    if shop.has_orders():
        churn_rows(shop)


NO_ALERTS = "No churn alerts in this view."


def nobody_words(status: dict[str, Any] | None) -> str:
    """Why churn scored no one: no buyer on any order, no order yet, or (customers there all
    the same) none of their purchases kept money, which the churn history counts."""
    if status is not None and status.get("customers"):
        if shop_facts.no_amounts(status):  # their orders count without amounts: none counted
            return (
                "No customer scored yet: none of their orders counts as a purchase (each was "
                "cancelled, a return, or not paid for)."
            )
        return "No customer scored yet: churn needs purchases in the shop's currency."
    return shop_facts.no_customers_text(status)


class ChurnScreen(SectionScreen):
    """Ranked churn alerts with reasons, actions and the merchant's marks."""

    SECTION = "churn"
    HELP = (
        "[b]Churn alerts[/b]: customers who are likely not to order again within the horizon, "
        "ranked by value at risk (by orders at risk when the exports carry no prices or "
        "totals). Each has up to 3 reasons and a suggested action. "
        "[b]c[/b] contacted, [b]z[/b] snooze until a day, [b]x[/b] dismiss, [b]n[/b] reopen; "
        "a marked customer leaves Alerts to act on (pick the Contacted, Snoozed or Dismissed "
        "view to see them). [b]ctrl+e[/b] saves the list shown as a CSV. A customer who orders "
        "again starts fresh. [b]b[/b] shows the backtest; [b]t[/b] the track record: how the "
        "alerts of earlier imports turned out."
    )
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("c", "mark('contacted')", "Contacted"),
        Binding("z", "snooze", "Snooze"),
        Binding("x", "mark('dismissed')", "Dismiss"),
        Binding("n", "mark('new')", "Reopen", show=False),
        Binding("ctrl+e", "export_csv", "CSV"),
        Binding("b", "backtest", "Backtest", show=False),
        Binding("t", "track", "Track record", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.churn: Any = None
        self.rows: pl.DataFrame | None = None
        self.track: pl.DataFrame | None = None
        self._applied: tuple[str, str] | None = None  # the filters the table shows
        self._detail_for: tuple[Any, Any] | None = None  # the key and rows the detail shows
        self._views_by_orders = False  # the view names say "by orders at risk"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="churn-backtest-line")
        with Horizontal(id="churn-top"):
            with Vertical(id="churn-backtest-panel", classes="panel") as panel:
                panel.border_title = "How good is this?"
                yield Static("", id="churn-backtest")
            with Vertical(id="churn-risk-panel", classes="panel") as panel:
                panel.border_title = "Risk of customers"
                yield BarChart(id="churn-risk-chart")
        with Vertical(id="churn-track-panel", classes="panel") as panel:
            panel.border_title = "Track record"
            yield Static("", id="churn-track")
        yield Static("", id="churn-track-line")
        # what the list is ranked by, when not by money (churn.stake.ranking_note)
        basis = Static("", id="churn-basis", classes="summary-line")
        basis.display = False
        yield basis
        with Horizontal(classes="filter-bar"):
            yield Input(
                placeholder="/ search customer, segment, reason…", compact=True, id="churn-search"
            )
            yield Select(
                [(label, v) for v, label in VIEWS],
                value="alerts",
                allow_blank=False,
                compact=True,
                id="churn-view",
            )
        yield FrameTable(
            COLS,
            key="customer_id",
            empty=NO_ALERTS,
            waiting="Scoring churn risk…",
            id="churn-table",
        )
        yield Static("", id="churn-detail", classes="plan-detail")
        yield Static("", id="churn-summary", classes="summary-line")

    def on_resize(self) -> None:
        """The risk plot makes room for the backtest text on a narrow terminal; on a short one
        the backtest shrinks to one line (b shows it all) so the list keeps its room."""
        self.set_class(self.size.width < 110, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    def action_backtest(self) -> None:
        if self.churn is not None:
            self.app.push_screen(
                InfoDialog("How good are these alerts?", backtest_words(self.churn))
            )

    def action_track(self) -> None:
        if self.track is not None:
            self.app.push_screen(
                InfoDialog("How did earlier alerts turn out?", track_words(self.track))
            )

    def load(self) -> None:
        ready = ready_rows(self.data)
        if ready is not None:  # warmed up: shown before the first paint, no worker
            self.show_churn(ready)
        else:
            self.run_task("churn", self.compute, self.show_churn, "Scoring churn risk…")
        self.load_track()

    def load_track(self) -> None:
        track = self.data.peek("track")  # Shop.track()'s memo key
        if track is not None:
            self.show_track(track)
            return
        self.run_task("track", self.data.track, self.show_track, "Reading the track record…")

    def show_track(self, track: pl.DataFrame) -> None:
        self.track = track
        self.query_one("#churn-track-line", Static).update(track_line(track))
        shown = track_words(track.head(3), note=False)
        if track.height > 3:
            shown += f"\n[dim]{track.height - 3:,} earlier: [b]t[/b] shows them all.[/dim]"
        self.query_one("#churn-track", Static).update(shown)

    def on_task_error(self, name: str, error: BaseException) -> None:
        if name == "track":  # the alerts stand without it
            text = "[b]Track record[/b]: could not be read."
            self.query_one("#churn-track-line", Static).update(text)
            self.query_one("#churn-track", Static).update(text)
            self.shop_app.log.error(repr(error))
            return
        super().on_task_error(name, error)

    def compute(self) -> Any:
        return churn_rows(self.data)

    def show_churn(self, result: tuple[Any, pl.DataFrame]) -> None:
        self.churn, self.rows = result
        nobody = self.rows.height == 0 and self.rows.width > 0
        if nobody:  # a backtest of 0 customers ('Cadence rule (used): .') says nothing
            words = nobody_words(self.data.peek("order_status"))
            self.query_one("#churn-backtest", Static).update(escape(words))
            short = words.split(":")[0]  # one line on a short terminal; the list says why
            self.query_one("#churn-backtest-line", Static).update(f"{short}: see below.")
            self.query_one(FrameTable).empty = words
        else:
            self.query_one("#churn-backtest", Static).update(
                backtest_words(self.churn, every=False)
            )
            self.query_one("#churn-backtest-line", Static).update(backtest_line(self.churn))
            self.query_one(FrameTable).empty = NO_ALERTS
        self.query_one("#churn-risk-chart", BarChart).set_rows(risk_bands(self.rows))
        self.show_basis()
        self.apply_view()

    def show_basis(self) -> None:
        """Money or orders: the table's column, the views' names and the line saying why."""
        orders = by_orders(self.rows) if self.rows is not None else False
        note = ranking_note(self.rows, self.churn.horizon_days) if orders else None
        basis = self.query_one("#churn-basis", Static)
        basis.update(escape(note or ""))
        basis.display = note is not None
        self.query_one(FrameTable).cols = ORDER_COLS if orders else COLS
        views = self.query_one("#churn-view", Select)
        if orders != self._views_by_orders:
            self._views_by_orders = orders
            picked = views.value
            views.set_options([(label, v) for v, label in (ORDER_VIEWS if orders else VIEWS)])
            views.value = picked

    def apply_view(self) -> None:
        if self.rows is None:
            return
        view, text = self.filters()
        self._applied = (view, text)
        shown = view_rows(self.rows, view, text)
        table = self.query_one(FrameTable)
        table.load(shown)
        if self.focused is None:
            table.focus_table()
        alerts = view_rows(self.rows, "alerts")  # the to-act list: marked customers are off it
        at_risk = alerts[stake_column(alerts)].sum() or 0.0
        marked = self.rows.filter(pl.col("state") != "new").height
        stake = (
            f"{orders_text(at_risk)} orders"
            if by_orders(alerts)
            else fmt.money(at_risk, self.churn.currency)
        )
        summary = (
            f"{alerts.height:,} alerts · {stake} at risk over "
            f"{self.churn.horizon_days} days · {marked:,} marked · method: {self.churn.method}"
        )
        if self.rows.height == 0:  # '0.00 at risk' of no one scored is no figure
            summary = f"No customer scored · method: {self.churn.method}"
        self.query_one("#churn-summary", Static).update(summary)
        # the first row's detail now, not when the grid says it: laid out in the same paint
        self.show_detail(table.cursor_key)

    def filters(self) -> tuple[str, str]:
        """The view picked and the search text."""
        view = self.query_one("#churn-view", Select).value
        text = self.query_one("#churn-search", Input).value
        return (view if isinstance(view, str) else "alerts", text)

    @on(Input.Changed, "#churn-search")
    @on(Select.Changed, "#churn-view")
    def _filters(self) -> None:
        if self.filters() != self._applied:  # the widgets' first Changed: nothing changed
            self.apply_view()

    def focus_filter(self) -> bool:
        self.query_one("#churn-search", Input).focus()
        return True

    @on(Input.Submitted, "#churn-search")
    def _search_done(self) -> None:
        self.query_one(FrameTable).focus_table()

    @on(FrameTable.RowHighlighted, "#churn-table")
    def _highlighted(self, event: FrameTable.RowHighlighted) -> None:
        self.show_detail(event.key)

    def show_detail(self, key: Any) -> None:
        """The highlighted customer's risk, reasons and action under the table."""
        said = self._detail_for
        if said is not None and said[0] == key and said[1] is self.rows:
            return  # said already (a grid just loaded announces its first row)
        self._detail_for = (key, self.rows)
        detail = self.query_one("#churn-detail", Static)
        if self.rows is None or key is None:
            detail.update("")
            return
        r = self.rows.filter(pl.col("customer_id") == key).row(0, named=True)
        cur = self.churn.currency
        if ORDERS_AT_RISK in r:  # no amounts: the orders at risk, and what they come from
            stake = (
                f"{orders_text(r[ORDERS_AT_RISK])} orders at risk (of "
                f"{orders_text(r[EXPECTED_ORDERS])} expected)"
            )
        else:
            stake = f"{fmt.money(r['value_at_risk'], cur)} at risk"
        head = (
            f"[b]{escape(str(r['display_name']))}[/b] · {fmt.pct(r['risk'])} risk, "
            f"{stake} · {r['status_text']}"
        )
        if r.get("list"):
            head += f" · [b]{r['list'].replace('_', ' ')}[/b]"
        if r["state"] != "new":
            head += f" · marked {r['state']}"
        reasons = "\n".join(f"• {escape(fmt.unnamed(x))}" for x in (r["reasons"] or []))
        action = escape(fmt.unnamed(r["action"] or ""))
        detail.update(f"{head}\n{reasons or '• no reason'}\n→ [i]{action}[/i]")

    # -- marks ---------------------------------------------------------------------------
    def selected(self) -> str | None:
        return self.query_one(FrameTable).cursor_key

    def shown_name(self, customer_id: str) -> str:
        """The name the table shows for a customer (their id when the export had no name)."""
        if self.rows is None:
            return customer_id
        row = self.rows.filter(pl.col("customer_id") == customer_id)
        return str(row["display_name"][0]) if row.height else customer_id

    def action_mark(self, state: str, until: dt.date | None = None) -> None:
        cid = self.selected()
        if cid is None:
            self.notify("Highlight a customer first.", timeout=3)
            return
        from shopinsight.core.churn.alerts import mark_alert

        ws, data = self.shop_app.workspace, self.data
        who = self.shown_name(cid)

        def work() -> Any:
            mark_alert(ws, cid, state, until)
            return data.remark_churn()

        def done(churn: Any) -> None:
            words = {
                "contacted": "marked contacted",
                "dismissed": "dismissed",
                "snoozed": f"snoozed until {until}",
                "new": "reopened",
            }
            self.notify(f"{who} {words[state]}.", timeout=4, markup=False)
            self.shop_app.generation += 1  # other screens re-read the marks when shown
            self.loaded_generation = self.shop_app.generation
            self.run_task("churn", self.compute, self.show_churn, "Updating…")
            self.data.forget("track")  # a contact mark counts in the track record
            self.load_track()

        self.run_task("mark", work, done, "Saving the mark…")

    def action_export_csv(self) -> None:
        from shopinsight.tui.actions import export_csv

        table = self.query_one(FrameTable)
        if table.frame is None:
            self.notify("The alerts are still loading.", timeout=3)
            return
        view = self.query_one("#churn-view", Select).value
        columns = ORDER_CSV_COLUMNS if by_orders(table.frame) else CSV_COLUMNS
        export_csv(self, table.frame, columns, f"churn-{view}", "customers")

    def action_snooze(self) -> None:
        cid = self.selected()
        if cid is None:
            self.notify("Highlight a customer first.", timeout=3)
            return

        def done(answer: str | None) -> None:
            if not answer:
                return
            as_of = self.data.known_as_of() or dt.date.today()
            try:
                until = (
                    as_of + dt.timedelta(days=int(answer))
                    if answer.isdigit()
                    else dt.date.fromisoformat(answer)
                )
            except ValueError:
                self.notify(
                    f"'{answer}' is neither a number of days nor YYYY-MM-DD.",
                    severity="error",
                    timeout=5,
                    markup=False,  # what was typed is text
                )
                return
            self.action_mark("snoozed", until)

        self.app.push_screen(
            InputDialog(  # whom: the table behind the dialog is hidden at 80x24
                f"Snooze {self.shown_name(cid)} for how many days (or until YYYY-MM-DD)?",
                "30",
                "30",
            ),
            done,
        )

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Mark alert contacted",
            "The highlighted customer (c)",
            lambda: self.action_mark("contacted"),
        )
        yield SystemCommand(
            "Snooze alert", "Hide the highlighted customer until a day (z)", self.action_snooze
        )
        yield SystemCommand(
            "Dismiss alert", "The highlighted customer (x)", lambda: self.action_mark("dismissed")
        )
        yield SystemCommand(
            "Reopen alert",
            "Clear the mark of the highlighted customer (n)",
            lambda: self.action_mark("new"),
        )
        yield SystemCommand(
            "How good are the churn alerts?",
            "The backtest in plain words (b)",
            self.action_backtest,
        )
        yield SystemCommand(
            "How did earlier alerts turn out?",
            "The track record of earlier imports' alerts (t)",
            self.action_track,
        )
        yield SystemCommand(
            "Export the churn list as CSV", "The view shown (ctrl+e)", self.action_export_csv
        )
        yield SystemCommand("Search churn alerts", "Focus the search box (/)", self.focus_filter)
