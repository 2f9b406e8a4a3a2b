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
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
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
from shopinsight.tui import fmt, shop_facts
from shopinsight.tui.fmt import escape
from shopinsight.tui.screens.customers_view import display_name
from shopinsight.tui.screens.gifts_packing import DEFAULT_DEST, EXPORTS, PackingPart
from shopinsight.tui.widgets.frame_table import Col, FrameTable, Prepared, prepare

if TYPE_CHECKING:
    from shopinsight.core.results import GiftsResult
    from shopinsight.tui.app import ShopInsightApp

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


GIFTS_KEY = "gifts:open"
"""`Shop.gifts()`'s memo key (today's open orders): what the screen shows."""


def policy_table_width(screen_width: int) -> int:
    """The policy table's width on a screen this wide (app.tcss: 42% of the width, whole
    cells as Textual resolves it, and 42 cells at least)."""
    return max(42, screen_width * 42 // 100)


CHROME_LINES = 4
"""The lines above and below the policies and their detail: nav bar, tab bar, key bar."""


def stacked_height(container: Widget, width: int, viewport: Size) -> int:
    """The height of `container`'s children stacked in `width` cells (Textual's vertical
    layout: fixed heights as set, others their content's at their width, margins between two
    widgets overlapping)."""
    total = below = 0
    for child in container.children:
        if not child.display:
            continue
        styles = child.styles
        margin = styles.margin
        height = styles.height
        if height is not None and height.is_cells:
            box = int(height.value)
        else:
            inner = width - margin.width - styles.gutter.width
            box = styles.gutter.height + child.get_content_height(viewport, viewport, inner)
        total += max(below, margin.top) + box
        below = margin.bottom
    return total + below


def ready_gifts(shop: Any) -> GiftsResult | None:
    """The gifts and what the policy detail reads (the customer profiles), when both are in
    the Shop's memo (the app's warm-up computed them): the screen is then composed whole."""
    if shop.peek("profiles") is None:  # Shop.profiles()'s memo key
        return None
    return shop.peek(GIFTS_KEY)


@dataclass(frozen=True)
class PolicyView:
    """What the detail panel shows for one segment (`policy_view`)."""

    rule: str
    label: str
    template_name: str
    saved_text: str
    text: str
    example: pl.DataFrame | None
    preview_label: str
    preview: str  # the note `text` makes for the example customer


def _shop_note(shop: Any, rule: str) -> str:
    """What the shop's exports leave the policy to work with: no buyer to give to, or no
    amounts for a budget that is a share of spend (it comes to 0)."""
    status = shop.peek("order_status")
    if status is None:
        return ""
    if shop_facts.no_buyers(status):
        return ": no order has a buyer identity, so no one gets a gift or a note"
    if shop_facts.no_amounts(status) and "% of 12-month spend" in rule:
        return (
            "\n[dim]The exports carry no amounts: a share of 12-month spend comes to 0, "
            "and so does this budget.[/dim]"
        )
    return ""


def policy_view(shop: Any, gifts: GiftsResult, segment: str, drafts: dict[str, str]) -> PolicyView:
    """What the detail panel shows for `segment`, a template edited meanwhile (`drafts`)
    included (Polars and the notes' renderer: safe in a worker thread)."""
    from shopinsight.core.gifts.notes import note_templates

    row = gifts.previews.filter(pl.col("segment") == segment).row(0, named=True)
    templates = note_templates(shop.config())
    name = row["template"] or ""
    users = gifts.previews.filter(pl.col("template") == name)["segment"].to_list()
    rule = named_rule(shop, gifts, segment, row["rule"])
    if not name:
        label = 'No note for this segment (template = "").'
    else:
        shared = (
            f" (also used by {', '.join(u for u in users if u != segment)})"
            if len(users) > 1
            else ""
        )
        label = f"Note template '{name}'{shared}: Enter edits, ctrl+s saves, Esc back"
    saved = templates.get(name, "")
    text = drafts.get(name, saved)
    example = example_frame(shop, gifts, row)
    cid = row.get("customer_id")
    who = display_name(cid, row.get("customer_name"), row.get("email")) if cid else None
    return PolicyView(
        rule=f"[b]{escape(segment)}[/b]: {escape(fmt.unnamed(rule))}\n"
        f"[i]{escape(row['purpose'])}[/i]\n"
        f"{plural(row['customers'], 'customer')}{_shop_note(shop, rule)}",
        label=label,
        template_name=name,
        saved_text=saved,
        text=text,
        example=example,
        preview_label=(
            f"Preview for {escape(who)}" if who else "Preview (no customer in this segment yet)"
        ),
        preview=note_preview(shop, example, text, saved),
    )


def named_rule(shop: Any, gifts: GiftsResult, segment: str, rule: str) -> str:
    """The policy in words with its chosen gifts by name, SKU after it ('first choice
    Bamboo Matcha Whisk (TW-WHISK)'): the merchant knows their products by name."""
    from shopinsight.core.gifts.policies import gift_policies

    try:
        skus = gift_policies(shop.config()).for_segment(segment).skus
    except ShopInsightError:
        return rule
    said = f"first choice {', '.join(skus)}"
    if not skus or said not in rule:
        return rule
    catalogue = gifts.catalogue.filter(pl.col("sku").is_in(list(skus)))
    names = dict(zip(catalogue["sku"], catalogue["product_name"], strict=True))
    named = [f"{names[s]} ({s})" if names.get(s) and names[s] != s else s for s in skus]
    return rule.replace(said, f"first choice {', '.join(named)}")


def example_frame(shop: Any, gifts: GiftsResult, row: dict[str, Any]) -> pl.DataFrame | None:
    """The example customer's profile with their gift pick: the input of the note."""
    cid = row.get("customer_id")
    if cid is None:
        return None
    prof = shop.profiles().table.filter(pl.col("customer_id") == cid)
    pick = gifts.picks.filter(pl.col("customer_id") == cid).select(
        "customer_id", "gift", "gift_kind"
    )
    return prof.join(pick, on="customer_id", how="left")


def note_preview(shop: Any, example: pl.DataFrame | None, text: str, saved_text: str) -> str:
    """The note `text` makes for the example customer, as the preview shows it."""
    from shopinsight.core.gifts.notes import note_values, render_notes

    if example is None or not text:
        return "[dim]Nothing to preview.[/dim]"
    try:
        config = shop.config()
        values = note_values(example, config)
        name = str(config.get("shop", {}).get("name", "") or "")
        note = render_notes(values, text, {"shop_name": name}, "your template")[0]
    except ShopInsightError as error:
        return f"[red]{escape(error.title)}[/red]\n{escape(error.detail)}"
    dirty = " [i](not saved)[/i]" if text != saved_text else ""
    return escape(note) + dirty


@dataclass(frozen=True)
class FirstView:
    """What the screen is composed with (`first_view`): the policies made ready for their
    table and the first segment's detail."""

    gifts: GiftsResult
    policies: Prepared
    first: PolicyView | None


def first_view(shop: Any) -> FirstView | None:
    """The screen as it opens, made once per gifts result (kept in the Shop's memo beside
    it, forgotten with it), when the gifts are ready (`ready_gifts`); None before."""
    gifts = ready_gifts(shop)
    if gifts is None:
        return None

    def make() -> FirstView:
        policies = prepare(gifts.previews, POLICY_COLS, None, False)  # FrameTable's sort
        segment = policies.frame["segment"][0] if policies.frame.height else None
        view = None
        with suppress(ShopInsightError):  # else said as the table announces its row
            view = policy_view(shop, gifts, str(segment), {}) if segment is not None else None
        return FirstView(gifts, policies, view)

    made: FirstView = shop.memo(f"{GIFTS_KEY}:screen:{id(gifts)}", make)
    return made if made.gifts is gifts else make()


def warm_up(shop: Any) -> None:
    """The screen as it opens, made in the app's warm-up (app.WARM_UP_SCREENS) so a first
    visit does no Polars work on the UI thread (each call there waits for Polars' threads:
    tens of ms on a busy machine)."""
    first_view(shop)


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
        self.plan_for: GiftsResult | None = None  # the gifts whose plan is not made yet
        self.plan_shown: pl.DataFrame | None = None  # the plan while its table waits
        self.plan_summary = ""
        self.built_tabs: set[str] = set()
        self._composed: GiftsResult | None = None  # the gifts `compose_body` showed
        self._composed_segment: str | None = None  # the segment it showed, not shown again
        self._previewed: tuple[str, str, Any] | None = None  # what the preview was made from

    @classmethod
    def whole_at_once(cls, app: ShopInsightApp) -> bool:
        return ready_gifts(app.data) is not None  # what `compose_body` composes from

    def compose_body(self) -> ComposeResult:
        # warmed up: composed as it shows, the policies and the first segment's detail in the
        # first layout and paint (no empty panel painted first, no grid mounted after it)
        ready = first_view(self.data)
        table = FrameTable(POLICY_COLS, key="segment", id="policy-table", empty="No segments yet.")
        view: PolicyView | None = None
        if ready is not None:
            self.gifts = self._composed = ready.gifts
            width = policy_table_width(self.app.size.width)
            grid = table.preload(ready.policies, width)
            if grid is not None:  # focused now, so it is styled focused as it mounts
                self.set_focus(grid, scroll_visible=False)
                grid.set_reactive(Widget.has_focus, self.focused is grid)
                view = ready.first
                if view is not None:
                    self.segment = self._composed_segment = str(table.key_at(0))
                    self.use_policy(view)
                    self._previewed = (view.text, view.saved_text, view.example)
        with TabbedContent(id="gifts-tabs"):
            with TabPane("Policies & notes", id="tab-policies"), Horizontal(classes="split"):
                yield table
                with VerticalScroll(id="policy-detail", classes="detail", can_focus=False):
                    yield Static(view.rule if view else "", id="policy-rule")
                    yield Label(
                        view.label if view else "Note template",
                        id="template-label",
                        classes="section-label",
                    )
                    yield TextArea(
                        view.text if view else "",
                        id="template-editor",
                        soft_wrap=True,
                        show_line_numbers=False,
                        disabled=bool(view and not view.template_name),
                    )
                    yield Label(
                        view.preview_label if view else "Preview",
                        id="preview-label",
                        classes="section-label",
                    )
                    yield Static(
                        view.preview if view else "",
                        id="note-preview",
                        classes="note-card",
                    )
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

    def on_mount(self) -> None:
        # Textual calls SectionScreen.on_mount (the load) after this one by itself
        if self._composed is not None and self.segment is not None:
            self._detail_scrollbars()
            shown = self._previewed
            if shown is not None and self.query_one("#template-editor", TextArea).text != shown[0]:
                self.render_preview()  # the editor's document wrote it its own way

    def _detail_scrollbars(self) -> None:
        """A composed detail taller than its panel, and a template longer than its editor,
        get their scrollbars before the first layout, the template wrapped at its width
        (Textual found they needed them in that layout, then laid the screen out and
        painted it again, three times)."""
        width, height = self.app.size
        detail = self.query_one("#policy-detail", VerticalScroll)
        styles = detail.styles
        inner = width - policy_table_width(width) - styles.gutter.width
        room = height - CHROME_LINES - styles.gutter.height
        if inner <= 0 or room <= 0:
            return
        if stacked_height(detail, inner, self.app.size) > room:
            detail.set_reactive(Widget.show_vertical_scrollbar, True)
            detail.vertical_scrollbar.display = True
            inner -= styles.scrollbar_size_vertical
        editor = self.query_one("#template-editor", TextArea)
        box = editor.styles
        if box.height is None or not box.height.is_cells:
            return
        lines = int(box.height.value) - box.gutter.height
        room_width = inner - box.gutter.width - editor.gutter_width - 1  # the cursor's cell
        wrapped = editor.wrapped_document
        wrapped.wrap(room_width, tab_width=editor.indent_width)
        if wrapped.height > lines:
            wrapped.wrap(room_width - box.scrollbar_size_vertical, tab_width=editor.indent_width)
            editor.set_reactive(Widget.show_vertical_scrollbar, True)
            editor.vertical_scrollbar.display = True
        editor.set_reactive(Widget.virtual_size, Size(0, wrapped.height))

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
        if pane_id == "tab-plan":
            self.make_plan()  # its summary line is composed with it
        pane = self.query_one(f"#{pane_id}", TabPane)
        await pane.mount(Built(getattr(self, self.TAB_PARTS[pane_id])))
        if pane_id == "tab-plan":
            self.load_plan()
        elif pane_id == "tab-campaigns":
            self.load_campaigns()

    def load(self) -> None:
        data = self.data
        composed, self._composed = self._composed, None
        if composed is not None and composed is ready_gifts(data):  # the table shows it
            self.show_plan(composed)
            if "tab-campaigns" in self.built_tabs:
                self.load_campaigns()
            return
        table = self.query_one("#policy-table", FrameTable)

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
        self.show_plan(gifts)

    def show_plan(self, gifts: GiftsResult) -> None:
        """The packing plan of `gifts`, made now if its tab is built, else when it is."""
        self.plan_for = gifts
        if "tab-plan" in self.built_tabs:
            self.make_plan()
            self.query_one("#plan-summary", Static).update(self.plan_summary)
            if self.query_one("#gifts-tabs", TabbedContent).active == "tab-plan":
                self.load_plan()

    def make_plan(self) -> None:
        """The plan's table frame and summary line, from the gifts not made into them yet."""
        gifts, self.plan_for = self.plan_for, None
        if gifts is None:
            return
        plan = gifts.plan.with_columns(
            pl.col("note").fill_null("").str.split("\n").list.first().alias("note_line"),
            pl.coalesce("gift", "gift_kind").alias("gift"),
        )
        self.plan_shown = plan
        cur = gifts.currency
        n_gift = plan.filter(pl.col("gift_kind").is_in(["sample", "full_size"])).height
        cost = cast(float, plan["gift_cost"].sum() or 0.0)  # a Float64 column's sum
        n_notes = plan.filter(pl.col("note").fill_null("") != "").height
        self.plan_summary = (
            f"{plural(plan.height, 'open order')} to pack · {plural(n_gift, 'gift')} costing "
            f"{fmt.money(cost, cur)} · {plural(n_notes, 'note')} · as of "
            f"{self.data.known_as_of()}"
        )

    def load_plan(self) -> None:
        """The packing plan into its table: when its tab shows (a grid mounted on a hidden
        tab is styled and laid out on each first visit for nothing)."""
        self.make_plan()
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
        composed, self._composed_segment = self._composed_segment, None
        if event.loaded and composed == str(event.key):
            return  # the preloaded table saying the row `compose_body` showed already
        self.show_policy(str(event.key))

    def use_policy(self, view: PolicyView) -> None:
        """The segment `view` shows becomes the one edited and previewed."""
        self.template_name = view.template_name
        self.saved_text = view.saved_text
        self.example = view.example

    def show_policy(self, segment: str) -> None:
        self.segment = segment
        assert self.gifts is not None
        view = policy_view(self.data, self.gifts, segment, self.drafts)
        self.query_one("#policy-rule", Static).update(view.rule)
        self.query_one("#template-label", Label).update(view.label)
        self.use_policy(view)
        editor = self.query_one("#template-editor", TextArea)
        editor.disabled = not view.template_name
        editor.load_text(view.text)
        self.query_one("#preview-label", Label).update(view.preview_label)
        self.query_one("#note-preview", Static).update(view.preview)
        self._previewed = (view.text, view.saved_text, view.example)
        if editor.text != view.text:  # the editor's document wrote it its own way
            self.render_preview()

    @on(TextArea.Changed, "#template-editor")
    def _template_changed(self) -> None:
        text = self.query_one("#template-editor", TextArea).text
        if self.template_name:
            if text != self.saved_text:
                self.drafts[self.template_name] = text
            else:
                self.drafts.pop(self.template_name, None)
        shown = self._previewed
        if shown is None or shown[:2] != (text, self.saved_text) or shown[2] is not self.example:
            self.render_preview()  # else the preview shows it (a template just loaded)

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
        text = self.query_one("#template-editor", TextArea).text
        self.query_one("#note-preview", Static).update(self.preview_text(text))

    def preview_text(self, text: str) -> str:
        """The note `text` makes for the example customer, as the preview shows it."""
        self._previewed = (text, self.saved_text, self.example)
        return note_preview(self.data, self.example, text, self.saved_text)

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
