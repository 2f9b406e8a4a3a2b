"""The Overview's "since the last import" panel: `Shop.changes()` (what `shopinsight changes`
prints) as counts in one or two lines, and every change in a dialog on `c`.

Rendering only: the cut, the comparison and every row come from core.insights.changes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import polars as pl
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from shopinsight.core.churn.stake import ORDERS_AT_RISK, orders_text
from shopinsight.tui import fmt
from shopinsight.tui.fmt import escape
from shopinsight.tui.widgets.dialogs import InfoDialog

if TYPE_CHECKING:
    from shopinsight.core.insights.changes import ChangesResult

TITLES = {
    "new_customers": "New customers",
    "segment_moves": "Moved segment",
    "alerts_resolved": "Alerts resolved (they came back)",
    "new_alerts": "New churn alerts",
    "bundles_new": "Bundles that appeared",
    "bundles_gone": "Bundles that faded",
    "campaigns_readable": "Gift campaigns whose results can now be read",
}
DETAIL_ROWS = 10


def counts(result: ChangesResult) -> dict[str, int]:
    """What the panel shows: each change's count, segment moves split up and down."""
    out = result.counts()
    moves = result.frames["segment_moves"]
    up = moves.filter(pl.col("direction") == "up").height
    return {**out, "moved_up": up, "moved_down": moves.height - up}


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def summary(result: ChangesResult) -> str:
    """The counts in words, in the order a merchant reads them."""
    n = counts(result)

    def b(key: str) -> str:
        return f"[b]{n[key]:,}[/b]"

    return (
        f"{b('new_customers')} new customers · {b('moved_up')} moved up a segment, "
        f"{b('moved_down')} down · {b('alerts_resolved')} alerts resolved (came back) · "
        f"{b('new_alerts')} new alerts · bundles: {b('bundles_new')} appeared, "
        f"{b('bundles_gone')} faded"
    ) + (
        f" · {b('campaigns_readable')} gift-campaign results ready"
        if n.get("campaigns_readable")
        else ""
    )


def panel_text(result: ChangesResult) -> str:
    """The panel on a tall terminal: the counts, then what they are compared with."""
    return f"{summary(result)}\n[dim]{escape(result.cut.rule)} · [b]c[/b] details[/dim]"


def panel_title(result: ChangesResult) -> str:
    return f"Since the last import: {_day(result.cut.day)} → {_day(result.as_of)}"


def line_text(result: ChangesResult) -> str:
    """The counts on a short terminal, in two lines at 80 columns."""
    n = counts(result)
    return (
        f"[b]Since {_day(result.cut.day)}[/b]: {n['new_customers']:,} new customers · "
        f"{n['moved_up']:,} up a segment, {n['moved_down']:,} down · "
        f"{n['alerts_resolved']:,} alerts resolved · {n['new_alerts']:,} new alerts · "
        f"bundles +{n['bundles_new']:,} −{n['bundles_gone']:,} · [b]c[/b] details"
    )


def not_yet(title: str, detail: str) -> str:
    """Nothing to compare yet (one import only, or no newer orders since the previous one):
    said in the app's words (the core's detail names CLI options), not hidden."""
    if title == "Only one import so far":
        return "Nothing to compare yet: what changed shows here after your next import."
    if title == "Nothing to compare yet":
        return (
            "Nothing to compare yet: the last import brought no orders after the one before. "
            "What changed shows here after an import with newer orders."
        )
    return f"{escape(title)}: {escape(detail)}"


def _at_risk(row: dict[str, Any], cur: str | None) -> str:
    """What an alert puts at stake: money, or, where the exports carry no amounts, the orders
    its alerts are ranked by (`churn.stake`)."""
    if ORDERS_AT_RISK in row:
        return f"{orders_text(row[ORDERS_AT_RISK])} orders"
    return fmt.money(row["value_at_risk"] or 0, cur)


def _cells(key: str, row: dict[str, Any], cur: str | None) -> str:
    who = escape(row.get("customer_name") or row.get("customer_id") or "")
    if key == "new_customers":
        spend = "" if row["monetary"] is None else f" · {fmt.money(row['monetary'], cur)}"
        return f"{who} · first order {row['first_order']} · {escape(row['segment'])}{spend}"
    if key == "segment_moves":
        arrow = "↑" if row["direction"] == "up" else "↓"
        return f"{who} · {arrow} {escape(row['from_segment'])} → {escape(row['to_segment'])}"
    if key == "alerts_resolved":
        return f"{who} · back on {row['came_back_on']} · {_at_risk(row, cur)} was at risk"
    if key == "new_alerts":
        return f"{who} · risk {fmt.pct(row['risk'])} · {_at_risk(row, cur)} at risk"
    if key == "campaigns_readable":
        return (
            f"#{row['campaign_id']} started {row['started_on']} · {row['gift']:,} gifted, "
            f"{row['control']:,} held back · {escape(row['result'])} (Gifts → Campaigns)"
        )
    names = " + ".join(escape(n) for n in row["names"])
    return f"{names} · {row['orders']:,} orders"


def detail_text(result: ChangesResult, top: int = DETAIL_ROWS) -> str:
    """Every change with its first `top` rows (the rows `changes` lists, in its order)."""
    parts = [f"[dim]{escape(result.cut.rule)}[/dim]"]
    for key, frame in result.frames.items():
        title = TITLES.get(key, key)
        if frame.height == 0:
            parts.append(f"\n[b]{title}[/b]: none")
            continue
        parts.append(f"\n[b]{title}: {frame.height:,}[/b]")
        parts.extend(
            f"  {_cells(key, row, result.currency)}"
            for row in frame.head(top).iter_rows(named=True)
        )
        if frame.height > top:
            parts.append(f"  [dim]{frame.height - top:,} more[/dim]")
    for note in result.notes:
        parts.append(f"\n[dim]{escape(note)}[/dim]")
    return "\n".join(parts)


class ChangesDialog(InfoDialog):
    """Every change, in a dialog as tall as the terminal allows (the list scrolls, the OK button
    stays in view at 80×24); Enter or Esc closes it."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog changes-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.detail)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_mount(self) -> None:
        # inline: the app's stylesheet sizes every .dialog, and it outranks DEFAULT_CSS
        box = self.query_one(".changes-dialog", Vertical)
        box.styles.width = 110
        box.styles.height = "90%"
        body = self.query_one(VerticalScroll)
        body.styles.height = "1fr"
        body.styles.max_height = "100%"
        body.focus()  # arrows and PgDn scroll the list
