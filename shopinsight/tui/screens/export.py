"""Export: tag lists for Shopify, Klaviyo, Mailchimp, a plain CSV or JSON, and customer lists
for ad platforms (Meta custom audiences, Google Customer Match; see docs/audiences.md).

Choose the tool, narrow to a segment or a tag, decide about customers without marketing
consent, pick where to save; the count below says how many customers will be written and who
is left out and why (the core's export_tags, run in a worker on every change). Export asks for
confirmation with that count before writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from shopinsight.core.words import plural
from shopinsight.tui.fmt import escape, in_app
from shopinsight.tui.screens.base import FormScreen
from shopinsight.tui.widgets.dialogs import ConfirmDialog

if TYPE_CHECKING:
    from shopinsight.core.results import ProfilesResult
    from shopinsight.core.shop import Shop

TARGETS = [
    ("shopify", "Shopify customer import (CSV)", "shopify-customers.csv"),
    ("klaviyo", "Klaviyo profiles (CSV)", "klaviyo-profiles.csv"),
    ("mailchimp", "Mailchimp audience (CSV)", "mailchimp-audience.csv"),
    ("csv", "Plain CSV with reasons", "customers-tags.csv"),
    ("json", "JSON with every tag's reason", "customers-tags.json"),
    ("meta", "Audience: Meta custom audience (CSV)", "meta-audience.csv"),
    ("google", "Audience: Google Customer Match (CSV)", "google-customer-match.csv"),
]
FILES = {t: f for t, _, f in TARGETS}
DESTINATIONS = {
    "shopify": "Shopify", "klaviyo": "Klaviyo", "mailchimp": "Mailchimp", "csv": "a plain CSV",
    "json": "JSON", "meta": "a Meta custom audience", "google": "Google Customer Match",
}  # fmt: skip
"""Where the confirmation says the customers go ('for shopify' named the code)."""
EMAIL_TOOLS = ("klaviyo", "mailchimp")
AUDIENCES = ("meta", "google")
CONSENTED = (*EMAIL_TOOLS, *AUDIENCES)


DEFAULT_OPTIONS: dict[str, Any] = {
    "segments": None,
    "tags": None,
    "include_unsubscribed": False,
    "namespace": None,
}
"""What the form starts with (target Shopify): the export the warm-up prepares."""


def export_preview(
    shop: Shop, profiles: ProfilesResult, target: str, opts: dict[str, Any], hashed: bool
) -> Any:
    """The export for these choices, built once per customer table and choices (in the Shop's
    memo, so going back to a choice, or the form's first count after the warm-up, is instant).
    Audiences read the customers' addresses through the Shop's cache, never every line."""
    opts = dict(opts)
    if target in AUDIENCES:
        opts.pop("namespace", None)
    else:
        hashed = False
    key = f"export:{id(profiles)}:{target}:{hashed}:{sorted(opts.items())}"

    def build() -> tuple[ProfilesResult, Any]:
        prof = profiles.as_core()
        if target in AUDIENCES:
            from shopinsight.core.audiences import build_audience

            addresses = shop.addresses()
            return profiles, build_audience(
                prof, target, addresses=addresses, hashed=hashed, **opts
            )
        from shopinsight.core.exporters import export_tags

        return profiles, export_tags(prof, target, **opts)

    # the entry holds its customer table, so the id in the key cannot be reused meanwhile
    return shop.memo(key, build)[1]


def warm_up(shop: Shop) -> None:
    """What the Export screen's first count needs, computed ahead (the app's warm-up)."""
    export_preview(shop, shop.profiles(), "shopify", DEFAULT_OPTIONS, False)


class ExportScreen(FormScreen):
    """Send segments and tags to the tools the merchant already uses."""

    SECTION = "export"
    HELP = (
        "[b]Export[/b]: Shopify gets each customer's full tag set (their own tags kept); "
        "Klaviyo and Mailchimp get only customers with an email who accept marketing, unless "
        "you include the others. Audiences for Meta and Google follow the same consent rule and "
        "can be SHA-256 hashed. The count shows who is left out and why. [b]Enter[/b] (or "
        "[b]Tab[/b]) goes into the form, [b]Tab[/b] moves between its fields, [b]Esc[/b] leaves "
        "it so the section keys work again; ctrl+s exports."
    )
    BINDINGS = [Binding("ctrl+s", "export", "Export")]
    FORM = "#export-form"

    def __init__(self) -> None:
        super().__init__()
        self.profiles: ProfilesResult | None = None
        self.preview: Any = None
        self.dest_touched = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="export-form", can_focus=False):
            with Horizontal(classes="form-row"):
                yield Label("Send to", classes="form-label")
                yield Select(
                    [(label, t) for t, label, _ in TARGETS],
                    value="shopify",
                    allow_blank=False,
                    compact=True,
                    id="export-target",
                )
            with Horizontal(classes="form-row"):
                yield Label("Segment", classes="form-label")
                yield Select([], prompt="All segments", compact=True, id="export-segment")
            with Horizontal(classes="form-row"):
                yield Label("Tag", classes="form-label")
                yield Select([], prompt="Any tag", compact=True, id="export-tag")
            with Horizontal(classes="form-row"):
                yield Label("Consent", classes="form-label")
                yield Checkbox(
                    "Include customers without email-marketing consent",
                    value=False,
                    compact=True,
                    id="export-unsubscribed",
                )
            with Horizontal(classes="form-row"):
                yield Label("Hashing", classes="form-label")
                yield Checkbox(
                    "SHA-256 hash the identifiers (audiences)",
                    value=False,
                    compact=True,
                    id="export-hashed",
                )
            with Horizontal(classes="form-row"):
                yield Label("Tag prefix", classes="form-label")
                yield Input(
                    placeholder="optional, e.g. si-  (keeps our tags apart)",
                    compact=True,
                    id="export-prefix",
                )
            with Horizontal(classes="form-row"):
                yield Label("Save to", classes="form-label")
                yield Input(
                    f"shopinsight-exports/{FILES['shopify']}", compact=True, id="export-dest"
                )
            with Vertical(id="export-count-panel", classes="panel") as panel:
                panel.border_title = "Who will be exported"
                yield Static("Counting…", id="export-count")
            with Horizontal(classes="button-row"):
                yield Button("Export…", variant="primary", id="export-run", compact=True)
            yield Static("", id="export-result")

    def load(self) -> None:
        self.run_task("profiles", self.data.profiles, self.show_profiles, "Reading customers…")

    def show_profiles(self, profiles: ProfilesResult) -> None:
        self.profiles = profiles
        segments = profiles.sizes.filter(pl.col("customers") > 0)["segment"].to_list()
        tags = profiles.tags["tag"].unique().sort().to_list()
        for selector, values in (("#export-segment", segments), ("#export-tag", tags)):
            select = self.query_one(selector, Select)
            keep = select.value
            select.set_options([(v, v) for v in values])
            if isinstance(keep, str) and keep in values:
                select.value = keep
        self.count()

    # -- the form ----------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        target = self.query_one("#export-target", Select).value
        seg = self.query_one("#export-segment", Select).value
        tag = self.query_one("#export-tag", Select).value
        return {
            "target": target if isinstance(target, str) else "shopify",
            "segments": [seg] if isinstance(seg, str) else None,
            "tags": [tag] if isinstance(tag, str) else None,
            "include_unsubscribed": self.query_one("#export-unsubscribed", Checkbox).value,
            "namespace": self.query_one("#export-prefix", Input).value.strip() or None,
        }

    def count(self) -> None:
        """Build the export in a worker and show who will be written."""
        if self.profiles is None:
            return
        opts = self.options()
        target = opts.pop("target")
        self.query_one("#export-unsubscribed", Checkbox).disabled = target not in CONSENTED
        hashed = self.query_one("#export-hashed", Checkbox)
        hashed.disabled = target not in AUDIENCES
        self.query_one("#export-prefix", Input).disabled = target in AUDIENCES  # no tags there
        shop, profiles, want_hash = self.data, self.profiles, hashed.value
        self.run_task(
            "count",
            lambda: export_preview(shop, profiles, target, opts, want_hash),
            self.show_count,
            "Counting…",
        )

    def show_count(self, export: Any) -> None:
        self.preview = export
        lines = [
            f"[b]{export.written:,}[/b] {'customer' if export.written == 1 else 'customers'} "
            "will be written "
            f"(of {export.selected:,} in the segment/tag chosen)."
        ]
        lines += [f"• {escape(in_app(n))}" for n in export.notes]
        if export.target in CONSENTED and not self.options()["include_unsubscribed"]:
            lines.append("Only customers who accept email marketing are included.")
        self.query_one("#export-count", Static).update("\n".join(lines))
        self.query_one("#export-run", Button).disabled = export.written == 0

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _form_changed(self, event: Any) -> None:
        if getattr(event, "control", None) is self.query_one("#export-target", Select):
            dest = self.query_one("#export-dest", Input)
            if not self.dest_touched:
                dest.value = f"shopinsight-exports/{FILES[self.options()['target']]}"
        self.count()

    @on(Input.Changed, "#export-prefix")
    def _prefix_changed(self) -> None:
        self.count()

    @on(Input.Changed, "#export-dest")
    def _dest_changed(self, event: Input.Changed) -> None:
        target = self.options()["target"]
        self.dest_touched = event.value != f"shopinsight-exports/{FILES[target]}"

    # -- writing -------------------------------------------------------------------------
    def action_export(self) -> None:
        if self.preview is None:
            self.notify("Still counting; try again in a moment.", timeout=3)
            return
        from shopinsight.core.exporters import write_export

        export = self.preview
        if not export.written:  # a file of headers only: say why instead of offering it
            why = "; ".join(in_app(n) for n in export.notes) or "no customer is in the choice"
            self.notify(f"Nothing to export: {why}", title="No customers to write", timeout=8)
            return
        path = self.shop_app.resolve_dir(self.query_one("#export-dest", Input).value)

        def write() -> list[Any]:
            path.parent.mkdir(parents=True, exist_ok=True)
            return write_export(export, path)

        def done(files: list[Any]) -> None:
            names = ", ".join(str(f) for f in files)
            self.query_one("#export-result", Static).update(
                f"[green]Wrote {plural(export.written, 'customer')}[/green] to {names}"
            )
            self.notify(f"Exported {plural(export.written, 'customer')}.", timeout=5)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_task("write", write, done, "Writing the export…")

        self.app.push_screen(
            ConfirmDialog(
                f"Export {plural(export.written, 'customer')} to "
                f"{DESTINATIONS.get(export.target, export.target)}?",
                f"{path}" + ("".join(f"\n{in_app(n)}" for n in export.notes)),
                "Export",
            ),
            confirmed,
        )

    @on(Button.Pressed, "#export-run")
    def _run(self) -> None:
        self.action_export()

    def on_task_error(self, name: str, error: BaseException) -> None:
        self.shop_app.show_error(error, dialog=name == "write")

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Export tag list",
            "Write the export shown on the Export screen (ctrl+s)",
            self.action_export,
        )
        for target, label, _ in TARGETS:
            yield SystemCommand(
                f"Export for {label}",
                "Choose this target on the Export screen",
                lambda t=target: setattr(self.query_one("#export-target", Select), "value", t),
            )
