"""Settings: the few settings a merchant changes, edited in the app and effective at once.

Each field shows the value in force (the merchant's shopinsight.toml over the defaults). ctrl+s
checks every changed value (core.settings_writer), writes them into shopinsight.toml keeping
the file's comments, and re-opens the shop so every screen recomputes with them. Leaving with
changes not saved asks first. Other settings stay in the commented file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.settings_writer import (
    Field,
    current,
    fields,
    parse_value,
    shown,
    timezone_names,
)
from shopinsight.tui.screens.base import FormScreen


def label(field: Any) -> str:
    """A setting's name on the form: the gift policy every other segment falls back to is
    'Gift budget: other segments' (the settings file's key 'default' read as a segment)."""
    if field.path[:2] == ("gifts", "segments") and field.path[2] == "default":
        return "Gift budget: other segments"
    return str(field.label)


class SettingsScreen(FormScreen):
    """Shop name, language, currency, time zone, date order, segment scheme, alert list size,
    gift budgets."""

    SECTION = "settings"
    HELP = (
        "[b]Settings[/b]: change a value, then [b]ctrl+s[/b] saves it to shopinsight.toml "
        "(its comments are kept) and every screen uses it at once. [b]Enter[/b] (or [b]Tab[/b]) "
        "goes into the first field, [b]Tab[/b] moves between fields, [b]Esc[/b] leaves a field "
        "so the section keys work again (they do until you go in); leaving with changes "
        "not saved asks first. The time zone is an IANA name such as America/New_York "
        "(→ completes it): days and months follow it at once. A gift budget is an amount in the "
        "shop's currency, [i]off[/i] for no fixed cap, or empty for the default."
    )
    BINDINGS = [Binding("ctrl+s", "save", "Save")]
    FORM = "#settings-form"

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[Field] = []
        self.values: dict[str, str] = {}  # widget id -> the value in force, as shown

    def compose_body(self) -> ComposeResult:
        yield Static("", id="settings-intro", classes="summary-line")
        yield VerticalScroll(id="settings-form", can_focus=False)
        yield Static("", id="settings-help", classes="summary-line")

    def load(self) -> None:
        self.run_task("settings", self.data.settings, self.show_settings, "Reading settings…")

    @staticmethod
    def widget_id(field: Field) -> str:
        return "set-" + "-".join(
            "".join(ch if ch.isalnum() else "_" for ch in part) for part in field.path
        )

    def show_settings(self, settings: dict[str, Any]) -> None:
        self.call_later(self.build_form, settings)

    async def build_form(self, settings: dict[str, Any]) -> None:
        """One row per setting (rebuilt after a save: the budgets follow the segments)."""
        self.fields = fields(settings)
        self.values = {self.widget_id(f): shown(current(settings, f.path)) for f in self.fields}
        form = self.query_one("#settings-form", VerticalScroll)
        await form.remove_children()
        rows = []
        for f in self.fields:
            wid = self.widget_id(f)
            value = self.values[wid]
            if f.kind == "choice":  # a hand-written "Day-First" is the choice day-first
                value = next((c for c in f.choices if c.lower() == value.strip().lower()), value)
                self.values[wid] = value
                editor: Input | Select[str] = Select(
                    [(c, c) for c in f.choices],
                    value=value if value in f.choices else Select.NULL,
                    allow_blank=value not in f.choices,
                    compact=True,
                    id=wid,
                )
            elif f.kind == "timezone":  # completes a name as it is typed (→ takes it)
                zones = SuggestFromList(timezone_names(), case_sensitive=False)
                editor = Input(value, compact=True, id=wid, placeholder="UTC", suggester=zones)
            else:
                editor = Input(value, compact=True, id=wid, placeholder="(default)")
            editor.tooltip = f.help
            rows.append(Horizontal(Label(label(f), classes="settings-label"), editor,
                                   classes="settings-row"))  # fmt: skip
        await form.mount_all(rows)
        from shopinsight.tui.widgets.file_picker import shown_path

        path = escape(shown_path(self.shop_app.workspace.config_path))
        self.query_one("#settings-intro", Static).update(
            f"[b]Enter[/b] edits, [b]ctrl+s[/b] saves to {path} (comments kept); every screen "
            "uses it at once."
        )

    # -- editing -----------------------------------------------------------------------------
    def edited(self) -> dict[str, str]:
        """Widget id -> typed text, for the fields whose text differs from the value in force."""
        out: dict[str, str] = {}
        for f in self.fields:
            wid = self.widget_id(f)
            widget = self.query_one(f"#{wid}")
            value = widget.value if isinstance(widget, Input | Select) else ""
            text = value if isinstance(value, str) else ""
            if text.strip() != self.values.get(wid, "").strip():
                out[wid] = text
        return out

    @on(Input.Submitted, ".settings-row Input")
    def _next_field(self) -> None:
        self.focus_next()

    def on_descendant_focus(self) -> None:
        """The focused field's explanation, in the line under the form."""
        help_line = self.query_one("#settings-help", Static)
        focused = self.focused
        field = next((f for f in self.fields if focused and self.widget_id(f) == focused.id), None)
        help_line.update(field.help if field else "")

    def changes(self) -> dict[tuple[str, ...], Any]:
        """The changed settings as TOML values; a ShopInsightError names a wrong one."""
        by_id = {self.widget_id(f): f for f in self.fields}
        edited = self.edited()
        return {by_id[wid].path: parse_value(by_id[wid], text) for wid, text in edited.items()}

    def action_save(self) -> None:
        try:
            changes = self.changes()
        except ShopInsightError as error:
            self.shop_app.show_error(error, dialog=True)
            return
        if not changes:
            self.notify("Nothing changed.", timeout=3)
            return
        from shopinsight.core.settings_writer import save_settings

        ws = self.shop_app.workspace

        def saved(_: None) -> None:
            n = len(changes)
            self.notify(
                f"Saved {n} setting{'s' if n != 1 else ''} to {ws.config_path.name}; every "
                f"screen uses {'it' if n == 1 else 'them'} now.",
                title="Settings saved",
                timeout=5,
            )
            self.reimport_note(changes)
            self.shop_app.data_changed(full=True)

        self.run_task("save", lambda: save_settings(ws, changes), saved, "Saving settings…")

    def reimport_note(self, changes: dict[tuple[str, ...], Any]) -> None:
        """After a new time zone or date order, what it does not change by itself: times
        without a UTC offset (and dates read either way) were read at import."""
        if not self.shop_app.workspace.has_lines():
            return
        if ("shop", "timezone") in changes:
            self.notify(
                "Days and months follow the new time zone now. Exports whose times have no "
                "UTC offset (Etsy, eBay, WooCommerce, most CSVs) were read on the old clock: "
                "import them again.",
                title="Time zone changed",
                timeout=12,
            )
        if ("shop", "date_order") in changes:
            self.notify(
                "Dates already imported stay as they were read: import a CSV again to read "
                "its dates with the new order.",
                title="Date order changed",
                timeout=12,
            )

    def on_task_error(self, name: str, error: BaseException) -> None:
        self.shop_app.show_error(error, dialog=name == "save")

    def action_revert(self) -> None:
        self.discard_unsaved()
        self.notify("Back to the saved settings.", timeout=3)

    # -- leaving -----------------------------------------------------------------------------
    def unsaved(self) -> str | None:
        edited = self.edited()
        if not edited:
            return None
        labels = [f.label for f in self.fields if self.widget_id(f) in edited]
        return f"Changed, not saved: {', '.join(labels)}."

    def save_unsaved(self) -> bool:
        from shopinsight.core.settings_writer import save_settings

        try:
            changes = self.changes()
            save_settings(self.shop_app.workspace, changes)
        except ShopInsightError as error:
            self.shop_app.show_error(error, dialog=True)
            return False
        self.reimport_note(changes)
        self.shop_app.data_changed(full=True)
        return True

    def discard_unsaved(self) -> None:
        for wid, value in self.values.items():
            widget = self.query_one(f"#{wid}")
            if isinstance(widget, Input):
                widget.value = value
            elif isinstance(widget, Select):
                widget.value = value if value else Select.NULL

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Save the settings", "Write them to shopinsight.toml (ctrl+s)",
                            self.action_save)  # fmt: skip
        yield SystemCommand(
            "Undo the settings changes", "Back to the saved values", self.action_revert
        )
