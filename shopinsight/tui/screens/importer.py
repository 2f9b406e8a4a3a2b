"""Import: pick export files, see the detected format and a preview, map columns, import.

The file picker (a path field with completion, parent folders, Downloads; every file shown,
with why it cannot be imported) starts in the folder the app was opened from. Picking a file
adds it to the batch and previews it (in a worker: a preview parses the whole file). For a
generic CSV the canonical columns can be mapped to the file's columns. Import runs in a worker
with progress; afterwards the reject report lists every rejected row's number and reason.
Messages from the importers name the command line's options; here they are said in the
screen's own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, Label, ProgressBar, Select, Static

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.words import plural
from shopinsight.tui.fmt import in_app as app_words  # the one table of the app's words
from shopinsight.tui.import_report import import_summary, reject_rows, report_lines
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.file_picker import FilePicker
from shopinsight.tui.widgets.frame_table import Col, FrameTable

MAP_FIELDS = [
    "order_id",
    "ordered_at",
    "customer_id",
    "email",
    "customer_name",
    "sku",
    "product_name",
    "category",
    "quantity",
    "unit_price",
    "line_total",
    "currency",
    "status",
]
"""Canonical columns offered for mapping in a generic file (the others are rarely present)."""

PREVIEW_COLS = [
    Col("order_id", "Order"),
    Col("ordered_at", "Ordered", "date"),
    Col("customer_id", "Customer"),
    Col("product_name", "Product"),
    Col("quantity", "Qty", "int"),
    Col("line_total", "Total", "money"),
    Col("currency", "Cur"),
    Col("status", "Status"),
]


class ImportScreen(SectionScreen):
    """Pick → preview → (map) → import → reject report."""

    SECTION = "import"
    HELP = (
        "[b]Import[/b]: type a folder or a file in the path field (→ completes, Enter opens) "
        "or move in the list: Enter opens a folder (↑ .. is the parent, ⌂ Downloads your "
        "downloads) or adds a file to the batch and previews it. Files that cannot be imported "
        "are listed with why. [b]x[/b] clears the batch; [b]ctrl+s[/b] imports. Re-importing a "
        "file or an overlapping export only adds what is new. Rejected rows are saved with their "
        "row number and reason."
    )
    BINDINGS = [
        Binding("ctrl+s", "run_import", "Import"),
        Binding("x", "clear_batch", "Clear"),
    ]
    AUTO_FOCUS = "#import-files"  # the list: section keys work; / (or Tab) reaches the path

    def __init__(self) -> None:
        super().__init__()
        self.batch: list[Path] = []
        self.current: Path | None = None
        self.preview: Any = None
        self.mapping: dict[str, str] = {}
        self.shown_mapping: dict[str, str | None] = {}
        self.mapping_columns: list[str] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="split"):
            with Vertical(id="import-picker", classes="panel") as picker:
                picker.border_title = "Pick files"
                yield FilePicker(self.shop_app.start_dir, id="import-tree")
            with VerticalScroll(id="import-main"):
                yield Static("", id="import-batch")
                with Horizontal(classes="filter-bar"):
                    yield Label("Format")
                    yield Select(
                        self.format_options(),
                        value="auto",
                        allow_blank=False,
                        compact=True,
                        id="import-format",
                    )
                yield Static("", id="import-detected")
                with Vertical(id="import-mapping", classes="panel") as mapping:
                    mapping.border_title = "Map columns (generic file)"
                yield FrameTable(PREVIEW_COLS, empty="No preview yet.", id="import-preview")
                with Horizontal(classes="button-row"):
                    yield Button(
                        "Import", variant="primary", id="import-run", disabled=True, compact=True
                    )
                    yield Button("Clear", id="import-clear", compact=True)
                yield ProgressBar(total=1, show_eta=False, id="import-progress")
                yield Static("", id="import-report")
                yield FrameTable(
                    [Col("file", "File"), Col("row", "Row", "int"), Col("reason", "Reason")],
                    empty="",
                    id="import-rejects",
                )

    @staticmethod
    def format_options() -> list[tuple[str, str]]:
        from shopinsight.core.importers import FORMATS

        return [("Detect automatically", "auto")] + [(f.title, n) for n, f in FORMATS.items()]

    def on_mount(self) -> None:
        self.query_one("#import-mapping").display = False
        self.query_one("#import-preview").display = False
        self.query_one("#import-progress").display = False
        self.query_one("#import-rejects").display = False
        self.show_batch()
        # SectionScreen.on_mount follows: Textual calls each class's handler (not super())

    # -- picking ---------------------------------------------------------------------------
    @on(FilePicker.Picked)
    def pick_file(self, event: FilePicker.Picked) -> None:
        event.stop()
        self.add_file(event.path)

    def focus_filter(self) -> bool:
        self.query_one("#import-path").focus()
        return True

    def action_leave_field(self) -> None:
        """Esc in the path field (or a box): back to the file list."""
        self.query_one("#import-files").focus()

    def add_file(self, path: Path) -> None:
        """Add a file to the batch and preview it."""
        if path not in self.batch:
            self.batch.append(path)
        self.current = path
        self.mapping = {}
        self.show_batch()
        self.refresh_preview()

    def show_batch(self) -> None:
        if not self.batch:
            text = (
                "No file picked yet: choose an export on the left and press Enter "
                "(it is previewed before anything is imported); ctrl+s imports."
            )
        else:
            names = ", ".join(
                f"[b]{escape(p.name)}[/b]" if p == self.current else escape(p.name)
                for p in self.batch
            )
            text = f"To import ({len(self.batch)}): {names}"
        self.query_one("#import-batch", Static).update(text)
        self.query_one("#import-run", Button).disabled = not self.batch

    def action_clear_batch(self) -> None:
        self.batch, self.current, self.preview, self.mapping = [], None, None, {}
        self.show_batch()
        self.query_one("#import-detected", Static).update("")
        self.clear_mapping()
        self.query_one("#import-preview", FrameTable).display = False

    @on(Button.Pressed, "#import-clear")
    def _clear(self) -> None:
        self.action_clear_batch()

    # -- preview ---------------------------------------------------------------------------
    @property
    def fmt(self) -> str:
        value = self.query_one("#import-format", Select).value
        return value if isinstance(value, str) else "auto"

    def refresh_preview(self) -> None:
        if self.current is None:
            return
        from shopinsight.core.importers import preview_file

        path, fmt, mapping = self.current, self.fmt, dict(self.mapping) or None
        self.run_task(
            "preview",
            lambda: preview_file(path, fmt=fmt, mapping=mapping, n=50),
            self.show_preview,
            f"Reading {path.name}…",
        )

    def show_preview(self, preview: Any) -> None:
        self.preview = preview
        detected = self.query_one("#import-detected", Static)
        if preview.format == "unknown":
            detected.update(
                f"[b red]{escape(preview.title)}[/]\n{escape(app_words(' '.join(preview.missing)))}"
            )
        else:
            lines = [
                f"Detected: [b]{preview.title}[/b] · {preview.rows_read:,} rows read, "
                f"{preview.rejected:,} would be rejected"
            ]
            if preview.missing:
                lines.append(f"[red]Missing: {', '.join(preview.missing)}[/red] — map them below.")
            lines += [f"[yellow]• {escape(app_words(w))}[/yellow]" for w in preview.warnings]
            detected.update("\n".join(lines))
        generic = preview.format in ("generic", "unknown")
        self.query_one("#import-mapping").display = generic
        if generic:
            self.fill_mapping(preview.columns)
        else:
            self.clear_mapping()
        frame = preview.frame
        have = set(frame.columns)
        if not have.issuperset(c.name for c in PREVIEW_COLS):
            frame = pl.DataFrame(schema={c.name: pl.Utf8 for c in PREVIEW_COLS})
        preview_table = self.query_one("#import-preview", FrameTable)
        preview_table.display = True
        preview_table.load(frame)

    def fill_mapping(self, columns: list[str]) -> None:
        """Offer the file's columns for each canonical column, pre-set to what was detected."""
        from shopinsight.core.importers.generic import resolve_columns
        from shopinsight.core.importers.sniff import normalise_name

        by_norm = {normalise_name(c): c for c in columns}
        try:
            found = resolve_columns(list(by_norm), self.mapping)
        except Exception:  # a stale mapping: start again from the aliases
            found = resolve_columns(list(by_norm), {})
        self.shown_mapping = {name: by_norm.get(found.get(name, "")) for name in MAP_FIELDS}
        panel = self.query_one("#import-mapping", Vertical)
        if self.mapping_columns != columns:
            # the selects are built only for a generic file (they are many widgets)
            self.mapping_columns = list(columns)
            panel.remove_children()
            options = [(c, c) for c in columns]
            panel.mount_all(
                Horizontal(
                    Label(name, classes="map-label"),
                    Select(
                        options,
                        prompt="(none)",
                        compact=True,
                        id=f"map-{name}",
                        value=self.shown_mapping[name] or Select.NULL,
                    ),
                    classes="map-row",
                )
                for name in MAP_FIELDS
            )
            return
        for name in MAP_FIELDS:
            source = self.shown_mapping[name]
            panel.query_one(f"#map-{name}", Select).value = (
                source if source is not None else Select.NULL
            )

    def clear_mapping(self) -> None:
        self.query_one("#import-mapping").display = False
        if self.mapping_columns:
            self.mapping_columns = []
            self.query_one("#import-mapping").remove_children()

    @on(Select.Changed, "#import-format")
    def _format_changed(self) -> None:
        self.mapping = {}
        self.refresh_preview()

    @on(Select.Changed, ".map-row Select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if event.select.id is None:
            return
        name = event.select.id.removeprefix("map-")
        value = event.value if isinstance(event.value, str) else None
        if value == self.shown_mapping.get(name):
            return  # set by the preview, not by the user
        if isinstance(event.value, str):
            self.mapping[name] = event.value
        else:
            self.mapping.pop(name, None)
        self.refresh_preview()

    # -- import ----------------------------------------------------------------------------
    def action_run_import(self) -> None:
        if not self.batch:
            self.notify("Pick a file first (Enter on a file on the left).", timeout=4)
            return
        from shopinsight.core.importers import import_files

        paths = list(self.batch)
        fmt = self.fmt
        generic = self.preview is not None and self.preview.format == "generic"
        mapping = dict(self.mapping) if (self.mapping and (generic or fmt == "generic")) else None
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        bar.update(total=len(paths) + 1, progress=0)
        self.query_one("#import-run", Button).disabled = True

        def progress(done: int, total: int, label: str) -> None:
            self.app.call_from_thread(self.show_progress, done, total, label)

        ws = self.shop_app.workspace

        def work() -> list[Any]:
            before = len(ws.ledger())
            reports = import_files(ws, paths, fmt=fmt, mapping=mapping, progress=progress)
            if len(ws.ledger()) > before:  # as the CLI's import: store the day's churn alerts
                # for the track record and warm the cache the screens then read
                from shopinsight.core.after_import import after_import
                from shopinsight.core.shop import Shop

                self.app.call_from_thread(
                    self.set_busy, "import", "Storing today's churn alerts for the track record…"
                )
                problem = after_import(Shop(ws))
                if problem:
                    said = app_words(f"Churn alerts not stored for the track record: {problem}")
                    self.app.call_from_thread(
                        self.notify,
                        escape(said),
                        severity="warning",
                        timeout=6,
                    )
            return reports

        self.run_task("import", work, self.show_report, f"Importing {plural(len(paths), 'file')}…")

    @on(Button.Pressed, "#import-run")
    def _run(self) -> None:
        self.action_run_import()

    def show_progress(self, done: int, total: int, label: str) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=total, progress=done)
        self.set_busy("import", f"Importing: {label}…")

    def show_report(self, reports: list[Any]) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        lines = []
        for r in reports:
            lines += report_lines(r)
        self.query_one("#import-report", Static).update("\n".join(lines))
        rejects = reject_rows(reports)
        table = self.query_one("#import-rejects", FrameTable)
        table.display = rejects.height > 0
        table.load(rejects)
        self.notify(import_summary(reports), timeout=5)
        self.batch, self.current, self.preview, self.mapping = [], None, None, {}
        self.show_batch()
        self.query_one("#import-detected", Static).update("")
        self.clear_mapping()
        self.query_one("#import-preview", FrameTable).display = False
        self.query_one("#import-run", Button).disabled = True
        self.shop_app.data_changed(full=True)

    def on_task_error(self, name: str, error: BaseException) -> None:
        if isinstance(error, ShopInsightError):  # said in the screen's words, not the CLI's
            error = type(error)(app_words(error.title), app_words(error.detail))
        if name == "import":
            self.query_one("#import-progress", ProgressBar).display = False
            self.query_one("#import-run", Button).disabled = not self.batch
            self.shop_app.show_error(error, dialog=True)
        else:
            super().on_task_error(name, error)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Import the picked files", "Import the batch (ctrl+s)", self.action_run_import
        )
        yield SystemCommand(
            "Clear the import batch", "Forget the picked files (x)", self.action_clear_batch
        )
