"""Gifts & notes: policy per segment with a live note preview, the packing plan, campaigns.

Editing a template re-renders the note for the segment's example customer on every keystroke
(one row through the core's note renderer: instant); ctrl+s saves it to shopinsight.toml. Edits
are kept per template while you look at other segments; leaving the screen or quitting with
edits not saved asks whether to save them. Keys typed in the editor are text, never shortcuts. The
packing plan exports a picking CSV, printable notes (HTML) and a mail-merge CSV. A campaign
holds back a control group so the gifts' effect can be measured later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
    TextArea,
)

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.words import plural
from shopinsight.tui import fmt
from shopinsight.tui.fmt import escape
from shopinsight.tui.screens.customers_view import display_name
from shopinsight.tui.screens.gifts_packing import DEFAULT_DEST, EXPORTS, PackingPart
from shopinsight.tui.widgets.frame_table import Col, FrameTable, Prepared

if TYPE_CHECKING:
    from shopinsight.core.results import GiftsResult

POLICY_COLS = [
    Col("segment", "Segment", width=20),
    Col("gift_kind", "Gift", width=9),
    Col("customers", "Cust.", "int"),
    Col("template", "Note", optional=True),
]
PLAN_COLS = [
    Col("order_id", "Order"),
    Col("ship_to", "Ship to"),
    Col("segment", "Segment", width=14),
    Col("gift", "Gift"),
    Col("gift_cost", "Cost", "money"),
    Col("note_line", "Note"),
]


class Built(Vertical):
    """A tab's widgets, composed by `build` when the tab first opens."""

    def __init__(self, build: Callable[[], ComposeResult]) -> None:
        super().__init__()
        self.build = build

    def compose(self) -> ComposeResult:
        yield from self.build()


class GiftsScreen(PackingPart):
    """What goes in each parcel, and the note that goes with it."""

    SECTION = "gifts"
    HELP = (
        "[b]Gifts & notes[/b]: pick a segment to see its policy; [b]Enter[/b] edits its note "
        "template (what you type is text, not shortcuts), [b]Esc[/b] goes back to the segments, "
        "[b]Tab[/b] moves between fields. The preview is rendered for a real customer of that "
        "segment. [b]ctrl+s[/b] saves the template to shopinsight.toml; leaving with edits not "
        "saved asks first. [b]ctrl+n[/b] shows the next tab. The packing plan lists today's open "
        "orders with gift and note; export it as a picking CSV, printable notes or a mail-merge "
        "CSV."
    )
    BINDINGS = [
        Binding("enter", "edit_template", "Edit note"),
        Binding("ctrl+s", "save_template", "Save"),
        Binding("ctrl+e", "export('picking')", "Export"),
        Binding("ctrl+o", "export('notes')", "Print"),
        Binding("ctrl+n", "next_tab", "Next tab"),
        Binding("escape", "leave_editor", "Back to segments", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.gifts: GiftsResult | None = None
        self.segment: str | None = None
        self.example: pl.DataFrame | None = None
        self.saved_text: str = ""
        self.template_name: str = ""
        self.drafts: dict[str, str] = {}  # template name -> edited text not saved yet
        self.plan_shown: pl.DataFrame | None = None  # the plan while its table waits
        self.plan_summary = ""
        self.built_tabs: set[str] = set()

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="gifts-tabs"):
            with TabPane("Policies & notes", id="tab-policies"), Horizontal(classes="split"):
                yield FrameTable(
                    POLICY_COLS, key="segment", id="policy-table", empty="No segments yet."
                )
                with VerticalScroll(id="policy-detail", classes="detail", can_focus=False):
                    yield Static("", id="policy-rule")
                    yield Label("Note template", id="template-label", classes="section-label")
                    yield TextArea(
                        "", id="template-editor", soft_wrap=True, show_line_numbers=False
                    )
                    yield Label("Preview", id="preview-label", classes="section-label")
                    yield Static("", id="note-preview", classes="note-card")
                    yield Static(
                        "Placeholders: {first_name} {customer_name} {favorite_product} "
                        "{favorite_category} {orders_count} {customer_since} {gift} "
                        "{gift_line} {shop_name} {recipient_name} {from_name} {from_line} "
                        "{gift_message} {order_id}",
                        classes="hint",
                    )
            # the other tabs' widgets are built when a tab first opens (a third of the screen's
            # widgets, each styled and laid out on every first visit)
            yield TabPane("Packing plan", id="tab-plan")
            yield TabPane("Campaigns", id="tab-campaigns")

    def compose_plan(self) -> ComposeResult:
        yield Static(self.plan_summary, id="plan-summary", classes="summary-line")
        yield FrameTable(
            PLAN_COLS, key="order_id", id="plan-table", empty="No open orders to pack."
        )
        yield Static("", id="plan-detail", classes="plan-detail")
        with Horizontal(classes="button-row"):
            yield Input(
                DEFAULT_DEST,
                compact=True,
                id="gifts-dest",
                tooltip="Folder for the exports (relative to where you opened the app)",
            )
            yield Button("Picking CSV", id="export-picking", compact=True)
            yield Button("Print notes", id="export-notes", compact=True)
            yield Button("Mail-merge", id="export-mailmerge", compact=True)

    async def build_tab(self, pane_id: str) -> None:
        """Build the widgets of a tab the first time it opens."""
        if pane_id in self.built_tabs or pane_id not in self.TAB_PARTS:
            return
        self.built_tabs.add(pane_id)
        pane = self.query_one(f"#{pane_id}", TabPane)
        await pane.mount(Built(getattr(self, self.TAB_PARTS[pane_id])))
        if pane_id == "tab-plan":
            self.load_plan()
        elif pane_id == "tab-campaigns":
            self.load_campaigns()

    def load(self) -> None:
        data, table = self.data, self.query_one("#policy-table", FrameTable)

        def compute() -> tuple[Any, Prepared]:
            gifts = data.gifts()
            return gifts, table.prepare(gifts.previews)  # formatted here, not on the UI thread

        self.run_task("gifts", compute, self.show_gifts, "Planning gifts and notes…")
        if "tab-campaigns" in self.built_tabs:
            self.load_campaigns()

    def show_gifts(self, result: tuple[Any, Prepared]) -> None:
        gifts, policies = result
        self.gifts = gifts
        self.query_one("#policy-table", FrameTable).load(policies)
        self.focus_content()  # at once: the new grid is drawn focused the first time
        plan = gifts.plan.with_columns(
            pl.col("note").fill_null("").str.split("\n").list.first().alias("note_line"),
            pl.coalesce("gift", "gift_kind").alias("gift"),
        )
        self.plan_shown = plan
        cur = gifts.currency
        n_gift = plan.filter(pl.col("gift_kind").is_in(["sample", "full_size"])).height
        cost = plan["gift_cost"].sum() or 0.0
        n_notes = plan.filter(pl.col("note").fill_null("") != "").height
        self.plan_summary = (
            f"{plural(plan.height, 'open order')} to pack · {plural(n_gift, 'gift')} costing "
            f"{fmt.money(cost, cur)} · {plural(n_notes, 'note')} · as of "
            f"{self.data.known_as_of()}"
        )
        if "tab-plan" in self.built_tabs:
            self.query_one("#plan-summary", Static).update(self.plan_summary)
            if self.query_one("#gifts-tabs", TabbedContent).active == "tab-plan":
                self.load_plan()

    def load_plan(self) -> None:
        """The packing plan into its table: when its tab shows (a grid mounted on a hidden
        tab is styled and laid out on each first visit for nothing)."""
        if self.plan_shown is not None:
            self.query_one("#plan-table", FrameTable).load(self.plan_shown)
            self.plan_shown = None

    # -- focus -------------------------------------------------------------------------
    TAB_PARTS = {"tab-plan": "compose_plan", "tab-campaigns": "compose_campaigns"}
    PANE_TABLES = {
        "tab-policies": "#policy-table",
        "tab-plan": "#plan-table",
        "tab-campaigns": "#campaign-table",
    }

    def focus_content(self) -> None:
        """Arriving here: the cursor goes to the open tab's list, not to the tab bar."""
        if self.focused is not None and not isinstance(self.focused, Tabs):
            return
        pane = self.query_one("#gifts-tabs", TabbedContent).active
        found = self.query(self.PANE_TABLES.get(pane, "#policy-table"))
        if found:  # else the tab is being built: it focuses its list when done
            found.first(FrameTable).focus_table()

    def on_screen_resume(self) -> None:
        # SectionScreen.on_screen_resume (the reload check) follows: Textual calls it itself
        self.call_after_refresh(self.focus_content)

    @on(TabbedContent.TabActivated, "#gifts-tabs")
    async def _tab_activated(self) -> None:
        active = self.query_one("#gifts-tabs", TabbedContent).active
        await self.build_tab(active)
        if active == "tab-plan":
            self.load_plan()
        if not isinstance(self.focused, Tabs):  # arrows on the tab bar keep moving on it
            self.call_after_refresh(self.focus_content)
        self.refresh_bindings()

    def action_next_tab(self) -> None:
        tabs = self.query_one("#gifts-tabs", TabbedContent)
        order = list(self.PANE_TABLES)
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)]
        self.set_focus(None)
        self.call_after_refresh(self.focus_content)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter edits only on the policies tab, from the list (the footer says so)."""
        if action == "edit_template":
            tab = self.query_one("#gifts-tabs", TabbedContent).active
            return tab == "tab-policies" and not isinstance(self.focused, TextArea)
        return True

    # -- policies and the template editor ------------------------------------------------
    @on(FrameTable.RowSelected, "#policy-table")
    def _policy_selected(self) -> None:
        """Enter on a segment: edit its note template."""
        self.action_edit_template()

    def action_edit_template(self) -> None:
        editor = self.query_one("#template-editor", TextArea)
        if editor.disabled:
            self.notify("This segment has no note template to edit.", timeout=3)
            return
        editor.focus()

    def action_leave_editor(self) -> None:
        if isinstance(self.focused, TextArea):
            self.query_one("#policy-table", FrameTable).focus_table()
        else:
            self.action_leave_field()

    @on(FrameTable.RowHighlighted, "#policy-table")
    def _policy_highlighted(self, event: FrameTable.RowHighlighted) -> None:
        if self.gifts is None or event.key is None:
            return
        self.show_policy(str(event.key))

    def show_policy(self, segment: str) -> None:
        self.segment = segment
        row = self.gifts.previews.filter(pl.col("segment") == segment).row(0, named=True)
        templates = self.templates()
        name = row["template"] or ""
        users = self.gifts.previews.filter(pl.col("template") == name)["segment"].to_list()
        rule = self.named_rule(segment, row["rule"])
        self.query_one("#policy-rule", Static).update(
            f"[b]{escape(segment)}[/b]: {escape(rule)}\n[i]{escape(row['purpose'])}[/i]\n"
            f"{plural(row['customers'], 'customer')}"
        )
        label = self.query_one("#template-label", Label)
        if not name:
            label.update('No note for this segment (template = "").')
        else:
            shared = (
                f" (also used by {', '.join(u for u in users if u != segment)})"
                if len(users) > 1
                else ""
            )
            label.update(f"Note template '{name}'{shared}: Enter edits, ctrl+s saves, Esc back")
        self.template_name = name
        self.saved_text = templates.get(name, "")
        editor = self.query_one("#template-editor", TextArea)
        editor.disabled = not name
        editor.load_text(self.drafts.get(name, self.saved_text))
        self.example = self.example_frame(row)
        cid = row.get("customer_id")
        who = display_name(cid, row.get("customer_name"), row.get("email")) if cid else None
        self.query_one("#preview-label", Label).update(
            f"Preview for {escape(who)}" if who else "Preview (no customer in this segment yet)"
        )
        self.render_preview()

    def named_rule(self, segment: str, rule: str) -> str:
        """The policy in words with its chosen gifts by name, SKU after it ('first choice
        Bamboo Matcha Whisk (TW-WHISK)'): the merchant knows their products by name."""
        from shopinsight.core.gifts.policies import gift_policies

        try:
            skus = gift_policies(self.data.config()).for_segment(segment).skus
        except ShopInsightError:
            return rule
        said = f"first choice {', '.join(skus)}"
        if not skus or said not in rule or self.gifts is None:
            return rule
        catalogue = self.gifts.catalogue.filter(pl.col("sku").is_in(list(skus)))
        names = dict(zip(catalogue["sku"], catalogue["product_name"], strict=True))
        named = [f"{names[s]} ({s})" if names.get(s) and names[s] != s else s for s in skus]
        return rule.replace(said, f"first choice {', '.join(named)}")

    def templates(self) -> dict[str, str]:
        from shopinsight.core.gifts.notes import note_templates

        return note_templates(self.data.config())

    def example_frame(self, row: dict[str, Any]) -> pl.DataFrame | None:
        """The example customer's profile with their gift pick: the input of the note."""
        cid = row.get("customer_id")
        if cid is None:
            return None
        prof = self.data.profiles().table.filter(pl.col("customer_id") == cid)
        pick = self.gifts.picks.filter(pl.col("customer_id") == cid).select(
            "customer_id", "gift", "gift_kind"
        )
        return prof.join(pick, on="customer_id", how="left")

    @on(TextArea.Changed, "#template-editor")
    def _template_changed(self) -> None:
        text = self.query_one("#template-editor", TextArea).text
        if self.template_name:
            if text != self.saved_text:
                self.drafts[self.template_name] = text
            else:
                self.drafts.pop(self.template_name, None)
        self.render_preview()

    # -- unsaved edits ------------------------------------------------------------------
    def unsaved(self) -> str | None:
        if not self.drafts:
            return None
        names = ", ".join(f"'{n}'" for n in sorted(self.drafts))
        return f"Note template {names} has changes not saved to shopinsight.toml."

    def save_unsaved(self) -> bool:
        """Write every edited template now (a few lines of TOML: quick enough for the UI)."""
        from shopinsight.tui.settings import save_template

        ws = self.shop_app.workspace
        try:
            for name, text in list(self.drafts.items()):
                save_template(ws, name, text)
                self.drafts.pop(name)
        except ShopInsightError as error:
            self.shop_app.show_error(error, dialog=True)
            return False
        self.shop_app.data_changed(full=True)
        return True

    def discard_unsaved(self) -> None:
        self.drafts.clear()
        if self.template_name:
            self.query_one("#template-editor", TextArea).load_text(self.saved_text)
        self.render_preview()

    def render_preview(self) -> None:
        """Render the edited template for the example customer (one row: instant)."""
        from shopinsight.core.gifts.notes import note_values, render_notes

        preview = self.query_one("#note-preview", Static)
        text = self.query_one("#template-editor", TextArea).text
        if self.example is None or not text:
            preview.update("[dim]Nothing to preview.[/dim]")
            return
        try:
            config = self.data.config()
            values = note_values(self.example, config)
            shop = str(config.get("shop", {}).get("name", "") or "")
            note = render_notes(values, text, {"shop_name": shop}, "your template")[0]
        except ShopInsightError as error:
            preview.update(f"[red]{escape(error.title)}[/red]\n{escape(error.detail)}")
            return
        dirty = " [i](not saved)[/i]" if text != self.saved_text else ""
        preview.update(escape(note) + dirty)

    def action_save_template(self) -> None:
        from shopinsight.tui.settings import save_template

        if self.gifts is None or self.segment is None:
            return
        row = self.gifts.previews.filter(pl.col("segment") == self.segment).row(0, named=True)
        name = row["template"]
        text = self.query_one("#template-editor", TextArea).text
        if not name:
            self.notify("This segment has no note template.", timeout=3)
            return
        ws = self.shop_app.workspace
        drafts = dict(self.drafts)
        drafts[name] = text

        def save_all() -> None:
            for each, body in drafts.items():
                save_template(ws, each, body)

        def saved(_: None) -> None:
            for each, body in drafts.items():
                if self.drafts.get(each) == body:
                    self.drafts.pop(each)
            self.saved_text = text
            names = ", ".join(f"'{n}'" for n in sorted(drafts))
            self.notify(f"Saved note template {names} to {ws.config_path.name}.", timeout=4)
            self.shop_app.data_changed(full=True)

        self.run_task("save", save_all, saved, "Saving…")

    # -- packing plan -------------------------------------------------------------------
    @on(FrameTable.RowHighlighted, "#plan-table")
    def _plan_highlighted(self, event: FrameTable.RowHighlighted) -> None:
        if self.gifts is None or event.key is None:
            return
        hit = self.gifts.plan.filter(pl.col("order_id") == event.key)
        if hit.height == 0:
            return
        r = hit.row(0, named=True)
        who = escape(display_name(str(r["customer_id"]), r["customer_name"], r.get("email")))
        oid = str(r["order_id"])
        ref = oid if oid.startswith("#") else f"#{oid}"  # a Shopify name has its # already
        self.query_one("#plan-detail", Static).update(
            f"[b]{escape(ref)}[/b] {who} · {escape(str(r['items']))}\n"
            f"{escape(str(r['reason']))}\n[i]{escape(r['note'] or '(no note)')}[/i]"
        )

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Save the note template",
            "Write it to shopinsight.toml (ctrl+s)",
            self.action_save_template,
        )
        for kind, (label, _) in EXPORTS.items():
            yield SystemCommand(
                f"Export the packing plan: {label}",
                "Write it to the folder shown on the Packing plan tab",
                lambda k=kind: self.action_export(k),
            )
        yield SystemCommand(
            "Start a gift campaign",
            "Hold back a control group from today's plan",
            self.action_start_campaign,
        )
