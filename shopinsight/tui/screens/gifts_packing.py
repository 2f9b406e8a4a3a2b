"""The Packing plan tab's exports: a picking CSV, printable notes (HTML, A6) and a mail-merge
CSV, written to the folder typed on the tab after a confirmation."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.widgets import Button, Input

from shopinsight.core.words import plural
from shopinsight.tui.screens.gifts_campaigns import CampaignsPart
from shopinsight.tui.widgets.dialogs import ConfirmDialog

EXPORTS = {
    "picking": ("picking list (CSV)", "packing-plan.csv"),
    "notes": ("printable notes (HTML, A6)", "notes.html"),
    "mailmerge": ("mail-merge CSV", "notes-mailmerge.csv"),
}


DEFAULT_DEST = "shopinsight-exports"
"""The exports' folder until the Packing plan tab (where it can be changed) has opened."""


class PackingPart(CampaignsPart):
    """Export the packing plan (the gifts screen builds on this)."""

    def action_export(self, kind: str) -> None:
        if self.gifts is None:
            return
        label, file_name = EXPORTS[kind]
        dest = self.query("#gifts-dest")  # built when the Packing plan tab first opened
        typed = dest.first(Input).value if dest else DEFAULT_DEST
        folder = self.shop_app.resolve_dir(typed)
        path = folder / file_name
        plan = self.gifts.plan
        config = self.data.config()
        tz = self.data.tz()  # the picking list's order times on the shop's clock

        def write() -> Path:
            from shopinsight.core.errors import InputError
            from shopinsight.core.gifts.packing import mailmerge_csv, notes_html, picking_csv

            text = {
                "picking": lambda: picking_csv(plan, tz),
                "notes": lambda: notes_html(plan, config),
                "mailmerge": lambda: mailmerge_csv(plan, config),
            }[kind]()
            from shopinsight.core.atomic import atomic_write_bytes

            try:  # names and addresses: readable by the owner only
                folder.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, text.encode("utf-8"), private=True)
            except OSError as exc:
                raise InputError(f"Cannot write {path}", str(exc)) from None
            return path

        def done(written: Path) -> None:
            extra = " Open it in a browser and print (A6)." if kind == "notes" else ""
            self.notify(f"Wrote the {label} to {written}.{extra}", timeout=6)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_task("export", write, done, f"Writing the {label}…")

        self.app.push_screen(
            ConfirmDialog(
                f"Write the {label} for {plural(plan.height, 'order')}?", str(path), "Write"
            ),
            confirmed,
        )

    @on(Button.Pressed, "#export-picking")
    def _export_picking(self) -> None:
        self.action_export("picking")

    @on(Button.Pressed, "#export-notes")
    def _export_notes(self) -> None:
        self.action_export("notes")

    @on(Button.Pressed, "#export-mailmerge")
    def _export_mailmerge(self) -> None:
        self.action_export("mailmerge")
