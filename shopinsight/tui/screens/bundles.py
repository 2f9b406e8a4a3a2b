"""Bundles: products bought together, with the numbers behind each offer; per segment too.

Choosing a segment mines that segment's customers' orders only (in a worker, cached), so the
table answers "what do my Champions buy together?" rather than filtering the shop-wide list.
`c` copies the highlighted offer as text to paste into a newsletter or a product page; ctrl+e
saves the bundle list shown as CSV; `g` makes one of the bundle's products a segment's gift
(written to shopinsight.toml by core.settings_writer; the Gifts screen uses it at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.words import plural
from shopinsight.tui import fmt, shop_facts
from shopinsight.tui.fmt import escape
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.frame_table import Col, FrameTable

if TYPE_CHECKING:
    from shopinsight.core.results import BundlesResult, ProfilesResult

COLS = [
    Col("bundle", "Bundle", width=24),
    Col("orders", "Orders", "int"),
    Col("support", "Supp %", "pct"),
    Col("confidence_best", "Conf %", "pct"),
    Col("lift", "Lift", "num"),
    Col("bundle_price", "Offer", "money"),
    Col("reach_customers", "Reach", "int"),
]


CSV_COLUMNS = {
    "bundle": "Bundle",
    "items": "SKUs",
    "orders": "Orders",
    "support": "Support",
    "confidence_best": "Confidence",
    "lift": "Lift",
    "combined_price": "Usual price",
    "bundle_price": "Offer price",
    "currency": "Currency",
    "reach_customers": "Reach",
    "segments_over_index": "Over-indexes in",
    "reason": "Why",
}


def offer_text(row: dict[str, Any]) -> str:
    """The offer in one sentence a merchant can paste into a newsletter or a product page."""
    from shopinsight.core.text import visible

    names = [visible(n) for n in row.get("names") or []]
    head = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    cur = row.get("currency")
    price, usual = row.get("bundle_price"), row.get("combined_price")
    if price is None:
        return f"Bundle: {head}."
    text = f"Bundle: {head}, together for {fmt.money(price, cur)}"
    if usual and usual > price:
        text += f" instead of {fmt.money(usual, cur)} (save {fmt.money(usual - price, cur)})"
    return text + "."


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
        "segment to mine only its customers' orders. [b]c[/b] copies the highlighted offer as "
        "text; [b]ctrl+e[/b] saves the bundle list shown as a CSV; [b]g[/b] gives one of its "
        "products as a segment's gift (saved in shopinsight.toml, used by Gifts at once)."
    )
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("c", "copy_offer", "Copy offer"),
        Binding("g", "use_as_gift", "Use as gift"),
        Binding("ctrl+e", "export_csv", "CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bundles: BundlesResult | None = None
        self.rows: pl.DataFrame | None = None
        self._from = ""  # the summary after the count: " from 1,355 orders · sets in…"
        self.no_buyers = False  # no order has a buyer (status): no reach, no gift to give
        self.no_amounts = False  # the exports carry no prices

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder="/ search products…", compact=True, id="bundle-search")
            yield Select([], prompt="All customers", compact=True, id="bundle-segment")
        yield FrameTable(
            COLS,
            key="key",
            empty="No bundles: no product set is bought together often enough.",
            waiting="Mining bundles…",
            id="bundle-table",
        )
        yield Static("", id="bundle-detail", classes="plan-detail")
        yield Static("", id="bundle-summary", classes="summary-line")

    def load(self) -> None:
        self.run_task("segments", self.data.profiles, self.show_segments, "Reading segments…")
        self.load_bundles()

    def show_segments(self, profiles: ProfilesResult) -> None:
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

    def show_bundles(self, bundles: BundlesResult) -> None:
        self.bundles = bundles
        self.rows = offer_rows(bundles.offers)
        status = self.data.peek("order_status")
        self.no_buyers = status is not None and shop_facts.no_buyers(status)
        self.no_amounts = status is not None and shop_facts.no_amounts(status)
        if self.no_buyers:  # a column of 0s is no reach: no order says who bought it
            self.rows = self.rows.with_columns(pl.lit(None, pl.Int64).alias("reach_customers"))
        who = f" of {bundles.segment}" if bundles.segment else ""
        t = bundles.thresholds
        floor = (
            f" · sets in at least {t['min_orders']:,} orders ({fmt.pct(t['min_support'], 2)})"
            if t.get("min_orders") and t.get("min_support") is not None
            else ""
        )
        self._from = f" from {bundles.n_orders:,} orders{who}{floor}"
        if self.no_buyers and self.rows.height:
            self._from += " · no reach: no order has a buyer"
        self.query_one("#bundle-summary", Static).tooltip = t.get("reason")
        self.apply_search()

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
        # how many the search left, as Customers says it ('1,295 bundles' stayed while a
        # search showed 17)
        total = plural(self.rows.height, "bundle")
        count = f"{rows.height:,} of {total}" if needle else total
        self.query_one("#bundle-summary", Static).update(escape(count + self._from))
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
            else "no prices in the exports"
            if self.no_amounts
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

    # -- actions -----------------------------------------------------------------------------
    def highlighted(self) -> dict[str, Any] | None:
        key = self.query_one(FrameTable).cursor_key
        if self.rows is None or key is None:
            return None
        return self.rows.filter(pl.col("key") == key).row(0, named=True)

    def action_copy_offer(self) -> None:
        row = self.highlighted()
        if row is None:
            self.notify("Highlight a bundle first.", timeout=3)
            return
        text = offer_text(row)
        self.app.copy_to_clipboard(text)
        self.notify(text, title="Copied to the clipboard", timeout=5, markup=False)

    def action_use_as_gift(self) -> None:
        """Pick one of the bundle's products (when it has several), then the segment, then, for a
        segment that gets no product today, sample or full size; then save."""
        from shopinsight.tui.widgets.dialogs import PickDialog

        row = self.highlighted()
        if row is None:
            self.notify("Highlight a bundle first.", timeout=3)
            return
        if self.no_buyers:  # no segment has anyone to give it to
            self.notify("No customers to give it to: no order has a buyer identity.", timeout=5)
            return
        products = list(zip(row["items"], row["names"], strict=True))
        names = dict(products)

        def pick_segment(sku: str | None) -> None:
            if sku is None:
                return
            from shopinsight.core.gifts.choice import gift_segments
            from shopinsight.core.gifts.policies import gift_policies

            try:
                settings = self.data.settings()
                segments = gift_segments(settings)
                policies = gift_policies(settings)
            except ShopInsightError as error:
                self.shop_app.show_error(error, dialog=True)
                return
            cur = row.get("currency") or ""
            options = [  # the policy in words, without its note (the gift is what changes)
                (s, escape(f"{s}: {policies.segments[s].describe(cur).rsplit('; ', 1)[0]}"))
                for s in segments
            ]
            name = escape(names[sku])  # the dialogs read markup; names come from an export
            self.app.push_screen(
                PickDialog(f"Give {name} to which segment?", options),
                lambda seg: pick_kind(sku, seg, settings),
            )

        def pick_kind(sku: str, segment: str | None, settings: dict[str, Any]) -> None:
            if segment is None:
                return
            from shopinsight.core.gifts.choice import needs_kind

            if not needs_kind(settings, segment):
                self.save_gift(segment, sku, names[sku], None)
                return

            def picked(kind: str | None) -> None:
                if kind:
                    self.save_gift(segment, sku, names[sku], kind)

            question = escape(f"{segment} gets no product today. Give {names[sku]} as:")
            options = [("sample", "A sample"), ("full_size", "Full size")]
            self.app.push_screen(PickDialog(question, options), picked)

        if len(products) == 1:
            pick_segment(products[0][0])
        else:
            self.app.push_screen(
                PickDialog(
                    "Which product of the bundle as a gift?",
                    [(sku, escape(name)) for sku, name in products],
                ),
                pick_segment,
            )

    def save_gift(self, segment: str, sku: str, name: str, kind: str | None) -> None:
        """Write the choice into shopinsight.toml (comments kept) and re-open the shop."""
        from shopinsight.core.gifts.choice import gift_choice
        from shopinsight.core.settings_writer import save_settings

        data, ws = self.data, self.shop_app.workspace

        def work() -> str:
            catalogue = data.gifts().catalogue
            price = catalogue.filter(pl.col("sku") == sku)["unit_price"]
            changes, words = gift_choice(
                data.settings(), segment, sku, name,
                float(price[0]) if price.len() and price[0] is not None else None,
                data.currency(), kind,
            )  # fmt: skip
            save_settings(ws, changes)
            return words

        def done(words: str) -> None:
            self.notify(
                f"{words} Saved in {ws.config_path.name}; Gifts uses it now.",
                title="Gift chosen",
                timeout=8,
                markup=False,  # product names come from an export
            )
            self.shop_app.data_changed(full=True)

        self.run_task("gift", work, done, f"Saving the gift of {segment}…")

    def on_task_error(self, name: str, error: BaseException) -> None:
        self.shop_app.show_error(error, dialog=name == "gift")

    def action_export_csv(self) -> None:
        from shopinsight.tui.actions import export_csv

        table = self.query_one(FrameTable)
        if table.frame is None:
            self.notify("The bundles are still being mined.", timeout=3)
            return
        stem = f"bundles-{self.segment}" if self.segment else "bundles"
        export_csv(self, table.frame, CSV_COLUMNS, stem, "bundles")

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Search bundles", "Focus the product search (/)", self.focus_filter)
        yield SystemCommand(
            "Copy the offer text", "The highlighted bundle as text (c)", self.action_copy_offer
        )
        yield SystemCommand(
            "Use a bundle's product as a gift",
            "For a segment, saved in shopinsight.toml (g)",
            self.action_use_as_gift,
        )
        yield SystemCommand(
            "Export the bundles as CSV", "The list shown (ctrl+e)", self.action_export_csv
        )
        yield SystemCommand(
            "Bundles for one segment",
            "Pick a segment to mine its customers' orders",
            lambda: self.query_one("#bundle-segment", Select).focus(),
        )
