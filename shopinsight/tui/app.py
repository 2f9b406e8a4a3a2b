"""ShopInsightApp: one Textual mode per section, global keys, one error path, the shared data.

The app owns the workspace and a `Shop` (results for the as-of day, computed in workers and
cached). Screens read from it; when the data changes (an import, a tag edited by hand) the app
bumps `generation` and the visible screen reloads, the others when they are shown again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib
import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

from textual import events
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState, get_current_worker

from shopinsight.core.errors import ShopInsightError
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from shopinsight.tui.screens.base import SectionScreen
from shopinsight.tui.widgets.nav import KEY_SHOWN, SECTIONS
from shopinsight.tui.widgets.nav import warm_up as nav_warm_up

GO = Binding.Group("")

THEMES = {"dark": "textual-dark", "light": "textual-light"}

SCREENS = {
    "overview": "overview:OverviewScreen",
    "customers": "customers:CustomersScreen",
    "gifts": "gifts:GiftsScreen",
    "churn": "churn:ChurnScreen",
    "bundles": "bundles:BundlesScreen",
    "insights": "insights:InsightsScreen",
    "import": "importer:ImportScreen",
    "export": "export:ExportScreen",
    "settings": "settings:SettingsScreen",
}
"""Each mode's screen as `module:class` in shopinsight.tui.screens."""

WARM_UP = "_loader"
"""The warm-up worker's name (tests and benchmarks wait for every worker but this one)."""
WARM_UP_STEPS = (
    *("profiles", "churn", "bundles", "gifts", "value", "last_orders", "cohorts", "repeat"),
    "track",
)
"""`Shop` results the screens other than the Overview read, in the order the keys 2-5 open
them (customers, gifts, churn, bundles) as far as their shared inputs allow (`track`: the
Churn screen's track record, read from every stored prediction: ~0.3 s at 1M lines)."""
WARM_UP_SCREENS = (
    "churn:warm_up", "gifts:warm_up", "export:warm_up", "customers_view:warm_up",
)  # fmt: skip
"""Screen functions `(shop) -> None` run after the steps: the Churn list with names, the
Gifts screen's opening view (policies, first segment, preview), the Export form's first
count, then the month-end customer tables the Customers detail's segment history reads
(last: the heaviest, and only the detail panel waits for it)."""
WARM_UP_MODULES = (
    *("textual_fastdatatable.data_table", "pyarrow.compute", "pyarrow.pandas_compat"),
    *("shopinsight.core.gifts.notes", "shopinsight.core.gifts.policies"),
    *("shopinsight.core.gifts.choice", "shopinsight.core.importers", "shopinsight.core.files"),
    "shopinsight.tui.widgets.dialogs",
)
"""What the first table shown imports (pyarrow, pandas: ~0.8 s CPU), and the core modules
the screens import when first shown (gift notes and policies, the importers: 15-20 ms of a
first visit each): the warm-up instead."""
WARM_UP_STYLES = (
    (
        *("textual.widgets:Input", "textual.widgets:Select"),
        "textual.widgets._select:SelectCurrent",
        *("textual.widgets._select:SelectOverlay", "textual.widgets:OptionList"),
    ),
    (
        *("textual.widgets:TabbedContent", "textual.widgets:TabPane", "textual.widgets:Tabs"),
        *("textual.widgets:Tab", "textual.widgets._tabs:Underline", "textual.widgets:TextArea"),
        *("textual.widgets:ContentSwitcher", "textual.containers:Container"),
    ),
    ("shopinsight.tui.screens.insights:InsightsScreen",),
    (
        *("textual.widgets:ProgressBar", "textual.widgets._progress_bar:Bar"),
        *("textual.widgets._progress_bar:PercentageStatus", "textual.widgets:Button"),
        "textual.widgets:Checkbox",
    ),
)
"""The widget classes the other screens mount, in batches (in the order the keys open them):
their default CSS is added to the stylesheet and parsed on the UI thread, a batch a tick, once
the warm-up has imported them, instead of in a first visit (Textual parses a widget class's
CSS when one is first mounted: 10-25 ms of the Customers, Gifts and Import first visits).
`module:name`. Not the two tables (the tables' grid, Insights' cohort table): left to their
first visits, as they were."""
WARM_UP_POLL = 0.2
GC_THRESHOLD = 20_000
"""Objects allocated between two young collections while the app runs (Python's default:
700). A screen's first paint allocates a few hundred thousand short-lived objects (styles,
segments, strips): at 700 each first visit paid ~100 collections and a full one, 0.1-0.2 s."""


class AsOfKnown(Message):
    """Posted by the warm-up (from its thread) once the as-of day is known."""


class WidgetsImported(Message):
    """Posted by the warm-up (from its thread) once the screens' modules are imported."""


def default_css(cls: type[DOMNode]) -> list[tuple[Any, str, int, str]]:
    """The default CSS sources Textual adds to the stylesheet when a `cls` widget is first
    mounted (`Widget._post_register`), without making one."""
    return DOMNode._get_default_css(SimpleNamespace(_node_bases=cls._css_bases(cls)))  # type: ignore[arg-type]


def add_default_css(stylesheet: Stylesheet, names: Iterable[str]) -> None:
    """Add the default CSS of these `module:name` widget classes to `stylesheet`, parsed."""
    for name in names:
        module, attr = name.split(":")
        cls = getattr(importlib.import_module(module), attr)
        for read_from, css, tie_breaker, scope in default_css(cls):
            stylesheet.add_source(
                css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope
            )
    stylesheet.rules_map  # noqa: B018 - parsed now, not in the next first visit


def screen_class(mode: str) -> type[SectionScreen]:
    """The screen class of a mode, its module imported on first use."""
    module, name = SCREENS[mode].split(":")
    return getattr(importlib.import_module(f"shopinsight.tui.screens.{module}"), name)


def _make(mode: str) -> Callable[[], Screen]:
    """A mode's screen, built (and its module imported) when the mode is first shown: the app
    paints the Overview without importing the other screens (a fifth of its start-up)."""
    return lambda: screen_class(mode)()


class ShopInsightApp(App[None]):
    """The merchant's main way in: every section of ShopInsight over one workspace."""

    CSS_PATH = "app.tcss"
    TITLE = "ShopInsight"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {mode: _make(mode) for mode in SCREENS}
    DEFAULT_MODE = "overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"go('{mode}')", label, group=GO, tooltip=f"Open {label}")
            for mode, key, label, _ in SECTIONS
        ),
        Binding("slash", "filter", "Filter"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
    ]

    def __init__(
        self,
        workspace: Workspace,
        as_of: str | dt.date | None = None,
        demo: bool = False,
        start_dir: Path | None = None,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.demo = demo
        self.start_dir = Path(start_dir) if start_dir else Path.cwd()
        self.data = Shop(workspace, as_of)
        self.generation = 0
        self._warm_timer: Timer | None = None
        self._idle_polls = 0
        self.warm_up_worker: Worker[None] | None = None
        self.warmed_shop: Shop | None = None
        """The `Shop` whose warm-up finished: every result the screens read is in its memo."""
        self.styles_to_add = list(WARM_UP_STYLES)
        """The batches of `WARM_UP_STYLES` not added to the stylesheet yet."""
        self._gc_threshold = gc.get_threshold()
        self._first_visit = False
        name = theme or os.environ.get("SHOPINSIGHT_THEME", "dark")
        self._initial_theme = THEMES.get(name, name)
        self.sub_title = "demo shop" if demo else str(workspace.root)

    def on_mount(self) -> None:
        if self._initial_theme in self.available_themes:
            self.theme = self._initial_theme
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(GC_THRESHOLD, *self._gc_threshold[1:])
        self._size_console()
        self.schedule_warm_up()

    def on_resize(self, event: events.Resize) -> None:
        self._size_console(event.size)

    def _size_console(self, size: Size | None = None) -> None:
        """Tell the Rich console the terminal's size: a table grid renders each cell through
        `console.options`, which otherwise asks the OS for the terminal size every time (three
        failed system calls per cell without a terminal; a fifth of a 50k-row table's first
        paint)."""
        size = size or self.size
        self.console.size = (size.width, size.height)

    def on_unmount(self) -> None:
        gc.unfreeze()
        gc.set_threshold(*self._gc_threshold)

    # -- warm-up -------------------------------------------------------------------------
    def schedule_warm_up(self) -> None:
        """Warm up once the visible screen's own workers are done (never before its paint)."""
        if self._warm_timer is not None:
            self._warm_timer.stop()
        self._idle_polls = 0
        self._warm_timer = self.set_interval(WARM_UP_POLL, self._warm_up_when_idle)

    def _warm_up_when_idle(self) -> None:
        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        if any(w.name != WARM_UP and w.state in busy for w in self.workers):
            self._idle_polls = 0
            return
        self._idle_polls += 1
        if self._idle_polls < 2:  # idle for a whole poll: what the workers brought is shown
            return
        if self._warm_timer is not None:
            self._warm_timer.stop()
            self._warm_timer = None
        self.call_after_refresh(self._start_warm_up)

    def _start_warm_up(self) -> None:
        self.warm_up_worker = self.run_worker(
            partial(self._warm_up, self.data),
            name=WARM_UP,
            group=WARM_UP,
            description="Preparing the other screens…",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _warm_up(self, shop: Shop) -> None:
        """In a thread: import the other screens and compute what they show through the
        `Shop` they read (its memo and the workspace cache), so a first visit only reads
        memory. Stops when the data changed (a newer `Shop`) or the app closes; an error is
        left for the screen to show when visited."""
        worker = get_current_worker()
        for mode in SCREENS:
            screen_class(mode)
        nav_warm_up()
        for module in WARM_UP_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
        self.post_message(WidgetsImported())
        if not shop.has_orders():
            return
        steps: list[Callable[[], object]] = [getattr(shop, step) for step in WARM_UP_STEPS]
        for name in WARM_UP_SCREENS:
            module, function = name.split(":")
            found = getattr(importlib.import_module(f"shopinsight.tui.screens.{module}"), function)
            steps.append(partial(found, shop))
        for i, step in enumerate(steps):
            if worker.is_cancelled or self.data is not shop:
                return
            try:
                step()
            except Exception:  # noqa: BLE001 - the screen that needs it shows the error
                return
            if i == 0:  # the as-of day is known now (a message: the thread never waits)
                self.post_message(AsOfKnown())
        if not worker.is_cancelled and self.data is shop:
            self.warmed_shop = shop
            # what is loaded now stays: later collections need not walk it again
            self.call_from_thread(gc.freeze)

    def on_widgets_imported(self, _: WidgetsImported) -> None:
        if self.styles_to_add:
            self.set_timer(0.01, self._add_styles)

    def _add_styles(self) -> None:
        """One batch of `WARM_UP_STYLES` a tick (each a few ms on the UI thread)."""
        if not self.styles_to_add:
            return
        add_default_css(self.stylesheet, self.styles_to_add.pop(0))
        if self.styles_to_add:
            self.set_timer(0.01, self._add_styles)

    def on_as_of_known(self, _: AsOfKnown) -> None:
        """The warm-up knows the as-of day: a screen with no worker of its own since an
        import (Import after it) shows it again in its nav bar. Posted from the warm-up's
        thread, it can arrive as the app closes, with no screen left: nothing to show then."""
        try:
            screen = self.screen
        except ScreenStackError:
            return
        if isinstance(screen, SectionScreen):
            screen.refresh_nav()

    # -- shared state --------------------------------------------------------------------
    def right_label(self) -> str:
        """What the nav bar shows on the right: the as-of day, and 'demo' for the sample shop."""
        as_of = self.data.known_as_of()
        parts = ["demo shop"] if self.demo else []
        if as_of:
            parts.append(f"as of {as_of}")
        return " · ".join(parts)

    def resolve_dir(self, text: str) -> Path:
        """A folder typed by the user: relative ones are relative to where the app was opened."""
        path = Path(text.strip() or ".").expanduser()
        return path if path.is_absolute() else self.start_dir / path

    def data_changed(self, full: bool = True, keys: Iterable[str] = ()) -> None:
        """The workspace or the merchant's state changed: reload what shows it."""
        gc.unfreeze()  # the results replaced can be collected; the next warm-up freezes again
        if full:
            self.data = Shop(self.workspace, self.data.requested_as_of)
        else:
            self.data.forget(*keys)
        self.generation += 1
        screen = self.screen
        if isinstance(screen, SectionScreen):
            screen.reload()
        self.schedule_warm_up()  # after an import or an edit: recompute in the background

    def show_error(self, error: BaseException, dialog: bool = False) -> None:
        """The one place errors reach the user: a readable dialog or notification."""
        if isinstance(error, ShopInsightError):
            title, detail = error.title, error.detail
        else:
            title = "Something went wrong"
            detail = f"{type(error).__name__}: {error}".strip()
            self.log.error(repr(error))
        if dialog:
            from shopinsight.tui.widgets.dialogs import ErrorDialog

            self.push_screen(ErrorDialog(title, detail))
        else:
            self.notify(detail or title, title=title, severity="error", timeout=8)

    # -- leaving a screen ----------------------------------------------------------------
    def leave(self, then: Callable[[], object]) -> None:
        """Run `then` (switch screen, quit) once the current screen's unsaved edits are saved or
        discarded as the merchant says; nothing happens if they choose to stay."""
        screen = self.screen
        what = screen.unsaved() if isinstance(screen, SectionScreen) else None
        if not what:
            then()
            return
        from shopinsight.tui.widgets.dialogs import SaveChangesDialog

        def answered(choice: str | None) -> None:
            if choice == "save" and screen.save_unsaved():
                then()
            elif choice == "discard":
                screen.discard_unsaved()
                then()

        self.push_screen(SaveChangesDialog(what), answered)

    def switch_mode(self, mode: str) -> AwaitMount:
        # its screen built now, whole from the start (composed from the warm-up's results)
        self._first_visit = mode not in self._screen_stacks and screen_class(mode).whole_at_once(
            self
        )
        try:
            return super().switch_mode(mode)
        finally:
            self._first_visit = False

    def delay_update(self, delay: float = 0.05) -> None:
        """Not on the first visit of a screen whole at once (`SectionScreen.whole_at_once`):
        Textual's `switch_mode` holds the screen's updates for 50 ms, then marks the whole
        new screen for a repaint, a second layout and paint of a screen that painted every
        line when first laid out (~10-15 ms). Other switches are held as Textual does: a
        screen shown again was laid out and painted twice without it, and a screen that
        fills itself in (Import's folder list) painted each step."""
        if not self._first_visit:
            super().delay_update(delay)

    def action_go(self, mode: str) -> None:
        """Open a section (asking first about unsaved edits on this one)."""
        if mode != self.current_mode:
            self.leave(lambda: self.switch_mode(mode))

    async def action_quit(self) -> None:
        self.leave(self.exit)

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/ Filter` is offered only on screens that have something to filter."""
        if action == "filter":
            screen = self.screen
            return isinstance(screen, SectionScreen) and screen.can_filter()
        return True

    def action_filter(self) -> None:
        screen = self.screen
        if not (isinstance(screen, SectionScreen) and screen.focus_filter()):
            self.notify("This screen has nothing to filter.", timeout=3)

    def action_help(self) -> None:
        screen = self.screen
        extra = screen.HELP if isinstance(screen, SectionScreen) else ""
        from shopinsight.tui.widgets.dialogs import HelpScreen

        self.push_screen(HelpScreen(extra))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_refresh(self) -> None:
        self.data_changed(full=True)
        self.notify("Reloaded the workspace.", timeout=3)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action by name in the command palette (ctrl+p)."""
        for mode, key, label, _ in SECTIONS:
            yield SystemCommand(
                f"Go to {label}",
                f"Open the {label} screen (key {KEY_SHOWN.get(key, key)})",
                lambda m=mode: self.action_go(m),
            )
        yield SystemCommand("Filter", "Focus the filter box of this screen (/)", self.action_filter)
        yield SystemCommand("Help", "Keys and what each screen is for (?)", self.action_help)
        yield SystemCommand(
            "Toggle light/dark theme",
            "Switch between the light and dark theme (ctrl+t)",
            self.action_toggle_theme,
        )
        yield SystemCommand(
            "Reload workspace",
            "Re-read the workspace and recompute what changed (ctrl+r)",
            self.action_refresh,
        )
        if isinstance(screen, SectionScreen):
            yield from screen.palette_commands()
        yield from super().get_system_commands(screen)
