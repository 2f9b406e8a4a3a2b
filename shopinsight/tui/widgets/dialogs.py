"""Modal dialogs: an error, a yes/no confirmation, a one-line question, a pick list, help."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from shopinsight.core.text import visible


class ErrorDialog(ModalScreen[None]):
    """A problem the user can act on: its title and what to do. Never a traceback."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = visible(title)  # may quote a name or a file from an export
        self.detail = visible(detail, keep_newlines=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.detail:
                with VerticalScroll(classes="dialog-body"):
                    yield Static(self.detail, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)


class InfoDialog(ErrorDialog):
    """A longer explanation (e.g. how the churn method was tested), closed with Enter/Esc."""

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__(title, detail)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.detail)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")


class ConfirmDialog(ModalScreen[bool]):
    """Ask before doing something that writes files or changes the workspace."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.question = visible(question)
        self.detail = visible(detail, keep_newlines=True)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            if self.detail:  # scrolls when long (a short terminal), the buttons stay shown
                with VerticalScroll(classes="dialog-body", can_focus=False):
                    yield Static(self.detail, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class SaveChangesDialog(ModalScreen[str | None]):
    """Unsaved edits and the merchant is leaving: "save", "discard", or None to stay."""

    BINDINGS = [
        Binding("escape", "answer(None)", "Stay"),
        Binding("s", "answer('save')", "Save"),
        Binding("d", "answer('discard')", "Discard"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__(classes="dialog-screen")
        self.what = visible(what)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Save your changes?", classes="dialog-title")
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield Static(self.what, markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (s)", variant="primary", id="save")
                yield Button("Discard (d)", variant="error", id="discard")
                yield Button("Stay (Esc)", id="stay")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id if event.button.id in ("save", "discard") else None)


class InputDialog(ModalScreen[str | None]):
    """One line of text (a tag to add, a snooze date); Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, question: str, placeholder: str = "", value: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.question = visible(question)
        self.placeholder = placeholder
        self.value = value
        self.allow_empty = allow_empty  # Enter on an empty box answers "" (Esc still cancels)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # plain text: it may name a customer or a file from an export ('[b]' stays '[b]')
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="answer")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#answer", Input).value.strip()
        self.dismiss(text if text or self.allow_empty else None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class PickDialog(ModalScreen[str | None]):
    """Choose one of a few options (a column to sort by, a tag to remove)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, options: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.question = visible(question)
        self.options = [(value, visible(label)) for value, label in options]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield OptionList(*(Option(label, id=value) for value, label in self.options))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


HELP = """\
[b]Keys[/b]
  [b]1[/b] Overview  [b]2[/b] Customers  [b]3[/b] Gifts & notes  [b]4[/b] Churn alerts
  [b]5[/b] Bundles   [b]6[/b] Insights   [b]i[/b] Import  [b]e[/b] Export  [b],[/b] Settings
  [b]/[/b] filter  [b]?[/b] this help  [b]q[/b] quit  [b]ctrl+p[/b] every action by name
  Arrows, PgUp/PgDn, Home/End move in tables; Enter opens or edits;
  Tab moves between fields; Esc leaves a text box. Letters typed
  in a text box are text, never shortcuts. Leaving a screen with
  changes not saved asks first. The mouse works too: click a tab,
  a row, a column header (sorts), a button.

[b]Screens[/b]
[b]Overview[/b]: revenue, orders, customers, repeat rate, order value,
  open orders, revenue by month, segment sizes, the last imports;
  what changed since the last import ([b]c[/b] lists every change).
[b]Customers[/b]: every customer with segment and tags, each with its
  reason. [b]t[/b] tag, [b]T[/b] untag, [b]x[/b] exclude, [b]X[/b] include again,
  [b]s[/b] sort, [b]ctrl+e[/b] export the customers shown as CSV.
[b]Gifts & notes[/b]: gift and note per segment; [b]Enter[/b] edits a note
  template with a live preview, [b]ctrl+s[/b] saves; the packing plan;
  gift campaigns with a control group.
[b]Churn alerts[/b]: customers likely to stop buying, by value at risk.
  [b]c[/b] contacted, [b]z[/b] snooze, [b]x[/b] dismiss (marked customers leave
  the to-act list), [b]n[/b] reopen, [b]ctrl+e[/b] export as CSV; [b]t[/b] how
  earlier alerts turned out (the track record).
[b]Bundles[/b]: products bought together and the numbers behind each
  offer; [b]c[/b] copies the offer text, [b]g[/b] gives one of its products
  as a segment's gift, [b]ctrl+e[/b] exports as CSV.
[b]Import[/b]: type a path or browse (parent folder, Downloads);
  every file is listed, with why it cannot be imported; preview,
  import, read the rejects.
[b]Export[/b]: tag lists for Shopify, Klaviyo, Mailchimp or CSV, and
  audiences for Meta and Google, with consent.
[b]Settings[/b]: shop name, language, currency, segment scheme, alert
  list size, gift budgets; saved to shopinsight.toml, used at once.

Everything stays on this machine. Results are cached in the
workspace, so reopening the app on unchanged data is instant.
"""


class HelpScreen(ModalScreen[None]):
    """What every key does and what each screen is for."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, extra: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.extra = extra

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Label("ShopInsight help", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(HELP + (f"\n{self.extra}" if self.extra else ""))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", variant="primary", id="close")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
