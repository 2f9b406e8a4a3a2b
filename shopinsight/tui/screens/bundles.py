"""Bundles: products bought together, with the numbers behind each offer; per segment too.

Choosing a segment mines that segment's customers' orders only (in a worker, cached), so the
table answers "what do my Champions buy together?" rather than filtering the shop-wide list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Input, Select, Static

from shopinsight.tui import fmt
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.frame_table import Col, FrameTable

COLS = [
    Col("bundle", "Bundle", width=30),
    Col("orders", "Orders", "int"),
    Col("support", "Supp %", "pct"),
    Col("confidence_best", "Conf %", "pct"),
    Col("lift", "Lift", "num"),
    Col("bundle_price", "Offer", "money"),
    Col("reach_customers", "Reach", "int"),
]


def offer_rows(offers: pl.DataFrame) -> pl.DataFrame:
    """Offers with a readable bundle name and a key (one row per offer)."""
    return offers.with_columns(
        pl.col("names").list.join(" + ").alias("bundle"),
        pl.col("items").list.join("|").alias("key"),
    )


class BundlesScreen(SectionScreen):
    """What sells together, as offers with their reach."""

    SECTION = "bundles"
    HELP = (
        "[b]Bundles[/b]: each row is a set of products bought together. Orders = orders with "
        "all of them; support = share of all orders; confidence = how often the best rule's "
        "left side comes with the rest; lift = how much more often than chance. Offer = "
        "suggested bundle price; reach = customers who own some but not all of the set. Pick a "
        "segment to mine only its customers' orders."
    )
    AUTO_FOCUS = ""

    def __init__(self) -> None:
        super().__init__()
        self.bundles: Any = None
        self.rows: pl.DataFrame | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ search products…", compact=True, id="bundle-search")
            yield Select([], prompt="All customers", compact=True, id="bundle-segment")
        yield FrameTable(
            COLS,
            key="key",
            empty="No bundles: no product set is bought together often enough.",
            id="bundle-table",
        )
        yield Static("", id="bundle-detail", classes="plan-detail")
        yield Static("", id="bundle-summary", classes="summary-line")

    def load(self) -> None:
        self.run_task("segments", self.data.profiles, self.show_segments, "Reading segments…")
        self.load_bundles()

    def show_segments(self, profiles: Any) -> None:
        select = self.query_one("#bundle-segment", Select)
        keep = select.value
        names = profiles.sizes.filter(pl.col("customers") > 0)["segment"].to_list()
        select.set_options([(n, n) for n in names])
        if isinstance(keep, str) and keep in names:
            select.value = keep

    @property
    def segment(self) -> str | None:
        value = self.query_one("#bundle-segment", Select).value
        return value if isinstance(value, str) else None

    def load_bundles(self) -> None:
        segment = self.segment
        busy = f"Mining bundles for {segment}…" if segment else "Mining bundles…"
        self.run_task("bundles", lambda: self.data.bundles(segment), self.show_bundles, busy)

    def show_bundles(self, bundles: Any) -> None:
        self.bundles = bundles
        self.rows = offer_rows(bundles.offers)
        self.apply_search()
        who = f" of {bundles.segment}" if bundles.segment else ""
        t = bundles.thresholds
        floor = (
            f" · sets in at least {t['min_orders']:,} orders ({fmt.pct(t['min_support'], 2)})"
            if t.get("min_orders") and t.get("min_support") is not None
            else ""
        )
        summary = self.query_one("#bundle-summary", Static)
        summary.update(
            f"{bundles.offers.height:,} bundles from {bundles.n_orders:,} orders{who}{floor}"
        )
        summary.tooltip = t.get("reason")

    def apply_search(self) -> None:
        if self.rows is None:
            return
        needle = self.query_one("#bundle-search", Input).value.strip().lower()
        rows = self.rows
        if needle:
            rows = rows.filter(
                pl.col("bundle").str.to_lowercase().str.contains(needle, literal=True)
            )
        table = self.query_one(FrameTable)
        table.load(rows)
        if rows.height == 0:
            self.query_one("#bundle-detail", Static).update("")
        if self.focused is None:
            table.focus_table()

    @on(Input.Changed, "#bundle-search")
    def _search(self) -> None:
        self.apply_search()

    @on(Input.Submitted, "#bundle-search")
    def _search_done(self) -> None:
        self.query_one(FrameTable).focus_table()

    @on(Select.Changed, "#bundle-segment")
    def _segment(self) -> None:
        self.load_bundles()

    @on(FrameTable.RowHighlighted, "#bundle-table")
    def _highlighted(self, event: FrameTable.RowHighlighted) -> None:
        detail = self.query_one("#bundle-detail", Static)
        if self.rows is None or event.key is None:
            detail.update("")
            return
        r = self.rows.filter(pl.col("key") == event.key).row(0, named=True)
        cur = r.get("currency")
        price = (
            f"offer {fmt.money(r['bundle_price'], cur)} instead of "
            f"{fmt.money(r['combined_price'], cur)}"
            if r.get("combined_price") is not None
            else "no usual price for every item"
        )
        over = r.get("segments_over_index") or []
        seg = f" · over-indexes in {', '.join(over)}" if over else ""
        detail.update(
            f"[b]{escape(r['bundle'])}[/b]: {price}{escape(seg)}\n{escape(r['reason'] or '')}"
        )

    def focus_filter(self) -> bool:
        self.query_one("#bundle-search", Input).focus()
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Search bundles", "Focus the product search (/)", self.focus_filter)
        yield SystemCommand(
            "Bundles for one segment",
            "Pick a segment to mine its customers' orders",
            lambda: self.query_one("#bundle-segment", Select).focus(),
        )
