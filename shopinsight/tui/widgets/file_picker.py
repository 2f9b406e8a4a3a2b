"""The import screen's file picker: a path field that completes as you type, the folder's
entries (parent folder first, then Downloads and the other usual places, folders, files), and
for every file that cannot be imported, why and what to do instead. Each name stays on its line
(a long one ends in "…"); the line below the list says the highlighted one whole.

Enter on a folder opens it, on a file picks it; a path typed in the field and Enter does the
same. Listing a folder is one `scandir` (core.files): instant even in a full Downloads folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from shopinsight.core.files import Entry, complete, folder_entries, places
from shopinsight.core.text import visible

if TYPE_CHECKING:
    from textual.css.styles import RulesMap


class PathSuggester(Suggester):
    """Completes the path being typed from the file system (→ or End accepts)."""

    def __init__(self, base: Path) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.base = base

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.base)


def shown_path(path: Path) -> str:
    """A path as the merchant reads it: their home folder as ~."""
    home = Path.home()
    try:
        rest = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if str(rest) == "." else f"~/{rest}"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return ""


class Listed(Content):
    """An entry of the list. Its lines never wrap there (`text-wrap: nowrap`, app.tcss), so
    its height is its number of lines: counted, not found by laying it out at the list's
    width as Textual does for any content (~0.1 ms an entry, most of listing a big folder)."""

    def get_height(self, rules: RulesMap, width: int) -> int:
        if rules.get("text_wrap", "wrap") == "nowrap":
            return self.plain.count("\n") + 1
        return super().get_height(rules, width)


FIRST_ENTRIES = 150
"""A folder's entries listed at once (more than a screen holds); the rest follow in batches
of `MORE_ENTRIES`, one after each repaint."""
MORE_ENTRIES = 400


class FilePicker(Vertical):
    """Browse folders and pick export files; posts `Picked` with the file's path."""

    class Picked(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, start: Path, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.start = start
        self.folder = start.resolve() if start.exists() else Path.home()
        self.targets: dict[str, Path] = {}
        self.reasons: dict[str, str] = {}
        self._listing = 0  # which folder's listing is being filled

    def compose(self) -> ComposeResult:
        yield Input(
            shown_path(self.folder).rstrip("/") + "/",
            placeholder="a folder or a file; → completes",
            suggester=PathSuggester(self.folder),
            compact=True,
            id="import-path",
        )
        yield OptionList(id="import-files")
        yield Static("", id="import-why", classes="hint")

    def on_mount(self) -> None:
        self.open_folder(self.folder)

    # -- browsing ----------------------------------------------------------------------------
    def open_folder(self, folder: Path) -> None:
        """List `folder` (an unreadable one is said, the previous listing stays)."""
        try:
            entries = folder_entries(folder)
        except OSError as exc:
            self.notify(f"Cannot open {folder}: {exc.strerror or exc}", severity="error")
            return
        self.folder = folder
        field = self.query_one("#import-path", Input)
        field.value = shown_path(folder).rstrip("/") + "/"
        field.cursor_position = len(field.value)
        suggester = field.suggester
        if isinstance(suggester, PathSuggester):
            suggester.base = folder
        self.targets, self.reasons = {}, {}
        options: list[Option] = []
        if folder.parent != folder:
            options.append(self._place("up", "↑ ..", folder.parent, "parent folder"))
        for label, path in places(self.start.resolve() if self.start.exists() else folder):
            if path.resolve() != folder.resolve():
                options.append(self._place(f"place-{label}", f"⌂ {label}", path, shown_path(path)))
        options += [self._entry(i, e) for i, e in enumerate(entries[:FIRST_ENTRIES])]
        files = sum(1 for e in entries if not e.is_dir)
        ready = sum(1 for e in entries if e.importable)
        listing = self.query_one("#import-files", OptionList)
        listing.clear_options()
        listing.add_options(options)
        listing.highlighted = 0 if options else None
        self._listing += 1
        if len(entries) > FIRST_ENTRIES:
            self.call_after_refresh(self._list_more, self._listing, entries, FIRST_ENTRIES)
        listing.border_title = visible(folder.name or str(folder))
        self.query_one("#import-why", Static).update(
            f"{files:,} files here, {ready:,} can be imported" if files else "No files here."
        )

    def _list_more(self, listing: int, entries: list[Entry], start: int) -> None:
        """The rest of a big folder's entries, a batch after each repaint: the list wraps
        each entry to measure it, ~0.1 ms each on the UI thread (0.5 s for 3,500 files)."""
        if listing != self._listing:
            return  # another folder was opened meanwhile
        end = start + MORE_ENTRIES
        more = [self._entry(i, e) for i, e in enumerate(entries[start:end], start)]
        self.query_one("#import-files", OptionList).add_options(more)
        if end < len(entries):
            self.call_after_refresh(self._list_more, listing, entries, end)

    def _place(self, oid: str, label: str, path: Path, note: str) -> Option:
        self.targets[oid] = path
        text = Listed.assemble((label, "bold"), "  ", (visible(note), "dim"))
        return Option(text, id=oid)

    def _entry(self, i: int, e: Entry) -> Option:
        oid = f"e{i}"
        self.targets[oid] = e.path
        name = visible(e.name)
        if e.is_dir:
            return Option(Listed.assemble(("📁 ", ""), (name + "/", "bold")), id=oid)
        # the name (cut with "…" if long: whole below the list), then its size or why it
        # cannot be imported
        if e.importable:
            return Option(Listed.assemble(name, "\n", (f"  {_size(e.size)}", "dim")), id=oid)
        self.reasons[oid] = e.why_not
        short = e.why_not.split(":")[0]
        return Option(Listed.assemble((name, "dim"), "\n", (f"  ✗ {short}", "dim italic")),
                      id=oid)  # fmt: skip

    @on(OptionList.OptionHighlighted, "#import-files")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        why = self.reasons.get(event.option_id or "")
        path = self.targets.get(event.option_id or "")
        line = self.query_one("#import-why", Static)
        if path is None:
            return
        name = (visible(path.name), "bold")  # whole: the list cuts a long one
        if why:
            line.update(Content.assemble(name, f" cannot be imported: {visible(why)}."))
        elif path.is_file():
            line.update(
                Content.assemble(
                    name, ": Enter picks this file (previewed first, nothing imported yet)."
                )
            )
        elif (event.option_id or "").startswith("e"):  # a folder listed here: its name
            line.update(Content.assemble("Enter opens ", (visible(path.name) + "/", "bold")))
        else:  # the parent folder, a place: where it leads
            line.update(Content.assemble("Enter opens ", (visible(shown_path(path)), "bold")))

    @on(OptionList.OptionSelected, "#import-files")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        path = self.targets.get(event.option_id or "")
        if path is not None:
            self.go(path)

    @on(Input.Submitted, "#import-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        path = path if path.is_absolute() else self.folder / path
        self.go(path)
        if path.is_dir():
            self.query_one("#import-files", OptionList).focus()

    def go(self, path: Path) -> None:
        """A folder opens; a file is picked, or its reason said."""
        if path.is_dir():
            self.open_folder(path)
        elif path.is_file():
            from shopinsight.core.files import why_not_importable

            why = why_not_importable(path, path.stat().st_size)
            if why:
                self.notify(f"{path.name} cannot be imported: {why}.", severity="warning",
                            timeout=8)  # fmt: skip
            else:
                self.post_message(self.Picked(path))
        else:
            self.notify(f"No file or folder {path}.", severity="error", timeout=5)
