"""The import screen's file picker: a path field that completes as you type, the folder's
entries (parent folder first, then Downloads and the other usual places, folders, files), and
for every file that cannot be imported, why and what to do instead. Each name stays on its line
(a long one ends in "…"); the line below the list says the highlighted one whole.

Enter on a folder opens it, on a file picks it; a path typed in the field and Enter does the
same. Listing a folder is one `scandir` (core.files) and a few microseconds an entry: an
entry's text is made when it is first drawn, its height (one line, two for a file) known
without it, so a full Downloads folder is listed whole at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import rich.repr
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.visual import Visual
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from shopinsight.core.files import Entry, complete, folder_entries, places
from shopinsight.core.text import visible

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions


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


def _size(n: float) -> str:
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


def entry_text(e: Entry) -> Content:
    """How an entry reads in the list: a folder's name; a file's name (cut with "…" if long:
    whole below the list), then its size or why it cannot be imported."""
    name = visible(e.name)
    if e.is_dir:
        return Listed.assemble(("📁 ", ""), (name + "/", "bold"))
    if not e.why_not:
        return Listed.assemble(name, "\n", (f"  {_size(e.size)}", "dim"))
    short = e.why_not.split(":")[0]
    return Listed.assemble((name, "dim"), "\n", (f"  ✗ {short}", "dim italic"))


class EntryOption(Option):
    """A folder's entry in the list. Its text (`prompt`) is made when first asked for: when
    the entry is drawn, not for every entry of a big folder as it is listed."""

    def __init__(self, entry: Entry) -> None:
        super().__init__("")
        self._text: Content | None = None
        self.entry = entry
        self.lines = 1 if entry.is_dir else 2
        self._visual = _Shown(self)  # what OptionList measures and draws (`_get_visual`)

    @property
    def prompt(self) -> Content:
        if self._text is None:
            self._text = entry_text(self.entry)
        return self._text

    def __rich_repr__(self) -> rich.repr.Result:
        yield self.entry.name


class _Shown(Visual):
    """An entry as the list measures and draws it: its height is its count of lines (they
    never wrap there, see `Listed`) without making its text; drawn, it is its text."""

    __slots__ = ("option",)

    def __init__(self, option: EntryOption) -> None:
        self.option = option

    def get_height(self, rules: RulesMap, width: int) -> int:
        if rules.get("text_wrap", "wrap") == "nowrap":
            return self.option.lines
        return self.option.prompt.get_height(rules, width)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.option.prompt.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.option.prompt.get_minimal_width(rules)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.option.prompt.render_strips(width, height, style, options)


class FolderList(OptionList):
    """The folder's entries. Resized, it keeps the highlighted entry in view: the line below
    it grows to say a long reason whole (up to 4 lines), and the list shrinks under the entry
    just highlighted at its bottom (End hid the last file)."""

    def on_resize(self) -> None:
        self.scroll_to_highlight()


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
        self.targets: dict[str, Path] = {}  # the parent folder's and the places' options

    def compose(self) -> ComposeResult:
        yield Input(
            shown_path(self.folder).rstrip("/") + "/",
            placeholder="a folder or a file; → completes",
            suggester=PathSuggester(self.folder),
            compact=True,
            id="import-path",
        )
        yield FolderList(id="import-files")
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
        self.targets = {}
        options: list[Option] = []
        if folder.parent != folder:
            options.append(self._place("up", "↑ ..", folder.parent, "parent folder"))
        for label, path in places(self.start.resolve() if self.start.exists() else folder):
            if path.resolve() != folder.resolve():
                options.append(self._place(f"place-{label}", f"⌂ {label}", path, shown_path(path)))
        options += [EntryOption(e) for e in entries]
        files = sum(1 for e in entries if not e.is_dir)
        ready = sum(1 for e in entries if e.importable)
        listing = self.query_one("#import-files", OptionList)
        listing.set_options(options)
        listing.highlighted = 0 if options else None
        listing.border_title = visible(folder.name or str(folder))
        self.query_one("#import-why", Static).update(
            f"{files:,} files here, {ready:,} can be imported" if files else "No files here."
        )

    def _place(self, oid: str, label: str, path: Path, note: str) -> Option:
        self.targets[oid] = path
        text = Listed.assemble((label, "bold"), "  ", (visible(note), "dim"))
        return Option(text, id=oid)

    def _target(self, option: Option) -> tuple[Path | None, str]:
        """Where an option leads, and why it cannot be imported ("" if it can or a folder)."""
        if isinstance(option, EntryOption):
            return option.entry.path, option.entry.why_not
        return self.targets.get(option.id or ""), ""

    @on(OptionList.OptionHighlighted, "#import-files")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        path, why = self._target(event.option)
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
        elif isinstance(event.option, EntryOption):  # a folder listed here: its name
            line.update(Content.assemble("Enter opens ", (visible(path.name) + "/", "bold")))
        else:  # the parent folder, a place: where it leads
            line.update(Content.assemble("Enter opens ", (visible(shown_path(path)), "bold")))

    @on(OptionList.OptionSelected, "#import-files")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        path, _ = self._target(event.option)
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
