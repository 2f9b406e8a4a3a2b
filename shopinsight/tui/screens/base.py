"""What every section screen shares: nav bar, footer, a status line, workers that report back.

A screen asks for data with `run_task(name, compute, show)`: `compute` runs in a thread worker
(never on the UI thread), `show` gets its result on the UI thread. A ShopInsightError from the core
becomes a notification or a dialog; any other exception becomes a one-line message — never a
traceback on screen.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from types import CodeType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from textual import events, messages
from textual._time import get_time
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from shopinsight.tui.widgets.keybar import KeyBar
from shopinsight.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop
    from shopinsight.tui.app import ShopInsightApp


BUSY_DELAY = 0.4
"""A task quicker than this never shows the status line (no flicker on each cursor move, for
the detail panel's workers). The line is drawn on its own layer over the line above the key
bar (app.tcss), so showing it never moves the layout or redraws the tables."""


def _mount_wait_of(screen: Screen) -> bool:
    """Whether the caller of `screen.refresh` is the AwaitMount that waited for `screen`
    itself to mount (Textual's `_get_screen`), not one of its children's."""
    frame = sys._getframe(2)
    if frame.f_code is not _AWAIT_MOUNT_CODE:
        return False
    waited = frame.f_locals.get("self")
    return isinstance(waited, AwaitMount) and screen in waited._widgets


def _resuming(screen: Screen) -> bool:
    """Whether the caller of `screen.refresh` is Textual's ScreenResume handler."""
    return sys._getframe(2).f_code is Screen._on_screen_resume.__code__


def _scrollbars(screen: Screen) -> list[tuple[bool, bool]]:
    """Which scrollbars each widget of `screen` shows."""
    return [
        (w.show_vertical_scrollbar, w.show_horizontal_scrollbar)
        for w in screen.walk_children(with_self=False)
        if isinstance(w, Widget)
    ]


def _await_mount_code() -> CodeType | None:
    """The code of the coroutine AwaitMount awaits (where it refreshes its parent)."""
    for const in AwaitMount.__await__.__code__.co_consts:
        if isinstance(const, CodeType) and const.co_name == "await_mount":
            return const
    return None


_AWAIT_MOUNT_CODE = _await_mount_code()


class SectionScreen(Screen[None]):
    """A top-level section (one Textual mode); keeps its state while you look elsewhere."""

    SECTION: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "leave_field", "Back to the list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="section")
        # A mode's screen built while another is shown has never seen an older stylesheet:
        # without this, Textual's switch_mode re-parses every CSS source twice (~0.1 s of
        # each first visit); its nodes are styled as they mount either way. Not the first
        # screen: the theme's variables are set after it is built.
        self._styled_fresh = False
        with contextlib.suppress(Exception):
            if self.app.screen_stack:
                self._css_update_count = self.app._css_update_count
                self._styled_fresh = True
        self._task_shows: dict[Worker[Any], Callable[[Any], None]] = {}
        self._busy_tasks: dict[str, str] = {}
        self._busy_timer: Timer | None = None
        self._resume_queued = False
        self.loaded_generation = -1
        self._laid_out_mounted = False  # laid out since it mounted
        self._painted_whole = False  # painted whole since it was last shown
        self._painted_at = 0.0

    @classmethod
    def whole_at_once(cls, app: ShopInsightApp) -> bool:
        """Whether a screen built now would be whole when first laid out (no worker to wait
        for): its first visit is then not held back by Textual (`ShopInsightApp.delay_update`)."""
        return False

    @property
    def shop_app(self) -> ShopInsightApp:
        return self.app  # type: ignore[return-value]

    @property
    def data(self) -> Shop:
        return self.shop_app.data

    def compose(self) -> ComposeResult:
        yield NavBar(self.SECTION, self.shop_app.right_label())
        yield from self.compose_body()
        yield Static("", id="status-line", classes="status-line")
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.screen_layout_refresh_signal.subscribe(self, self._laid_out, immediate=True)
        self.reload()

    def _laid_out(self, _: Screen) -> None:
        self._laid_out_mounted = True

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        """The first layout of a screen paints it whole, but each widget it sizes asks,
        as it is sized, to be laid out and painted again (Textual's widgets do on any new
        size), and the two ScreenResume events of a first visit each repaint the whole
        screen: two more layouts and four more paints (~20% of the Customers first visit)
        for what the first paint shows already. Once that paint is done, those requests
        are dropped, unless the layout showed or hid a scrollbar (then the screen is laid
        out again, as Textual does)."""
        if self._compositor._full_map or not self.is_current or self.app._batch_count:
            super()._refresh_layout(size, scroll)  # not its first layout
            return
        bars = _scrollbars(self)
        super()._refresh_layout(size, scroll)
        if not self._compositor._full_map or _scrollbars(self) != bars:
            return
        self._painted_whole = True
        self._painted_at = get_time()
        for widget in self._compositor._full_map:  # scrollbars too (not DOM children)
            if widget is self:
                continue
            widget._repaint_required = False
            widget._layout_required = False
            widget._repaint_regions.clear()
        self._dirty_widgets.clear()
        self._layout_widgets.clear()
        self._layout_required = False
        self._repaint_required = False

    async def _on_layout(self, message: messages.Layout) -> None:
        """A widget's request to be laid out again, posted before the layout that painted
        the screen whole (it laid the widget out as it was then): dropped."""
        if self._painted_whole and message.time <= self._painted_at:
            message.stop()
            message.prevent_default()  # not Screen's handler

    async def _on_update(self, message: messages.Update) -> None:
        """A widget's request to be painted again, posted before the paint that painted
        the screen whole: dropped."""
        if self._painted_whole and message.time <= self._painted_at:
            message.stop()
            message.prevent_default()  # not Screen's handler

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """A mode's first visit: once the screen is mounted, Textual's `_get_screen` has it
        laid out and painted again, whole (its AwaitMount refreshes the screen it waited
        for): ~15 ms after the first paint, for nothing when the screen was laid out since
        it mounted (each widget mounted or changed asks for its own layout). That one
        refresh is skipped; every other goes through."""
        if layout and not regions and self._laid_out_mounted and _mount_wait_of(self):
            return self
        if not (regions or layout) and self._painted_whole and _resuming(self):
            return self  # painted whole since it was shown (a first visit's ScreenResume)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def post_message(self, message: Message) -> bool:
        """A mode's first visit queues two ScreenResume events (Textual's `_init_mode` posts
        one, `switch_mode` another), each restyling every node of the screen (~10-20 ms of a
        first visit): the second one queued before the first is handled keeps the rest of
        its work (focus, layout, repaint) but not the restyle the first one does. Neither
        restyles a screen built while another was shown: its nodes were styled as they
        mounted, with this stylesheet and theme (a theme changed while it is away is applied
        when it comes back, by Textual's stylesheet check)."""
        if isinstance(message, events.ScreenResume):
            if self._resume_queued or self._styled_fresh:
                message.refresh_styles = False
            self._resume_queued = True
        return super().post_message(message)

    def on_screen_suspend(self) -> None:
        self._painted_whole = False  # another screen shows: repainted whole when back

    def on_screen_resume(self) -> None:
        """Coming back to this screen: reload only if the workspace changed meanwhile."""
        self._resume_queued = False
        self._styled_fresh = False  # later visits: restyled as Textual does
        if self.loaded_generation != self.shop_app.generation:
            self.reload()

    def reload(self) -> None:
        """Start (again) the workers that fill this screen."""
        self.loaded_generation = self.shop_app.generation
        self.query_one(NavBar).set_right(self.shop_app.right_label())
        self.load()

    def load(self) -> None:
        """Subclasses start their workers here."""

    # -- workers -------------------------------------------------------------------------
    def run_task(
        self,
        name: str,
        compute: Callable[[], Any],
        show: Callable[[Any], None],
        busy: str = "Working…",
    ) -> Worker[Any]:
        """Run `compute` in a thread worker; hand its result to `show` on the UI thread."""
        worker = self.run_worker(
            compute,
            name=name,
            group=name,
            description=busy,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        self._task_shows[worker] = show
        self.set_busy(name, busy)
        return worker

    def set_busy(self, name: str, text: str | None) -> None:
        """Say what is running in the status line, once it has run for `BUSY_DELAY`."""
        if text:
            self._busy_tasks[name] = text
        else:
            self._busy_tasks.pop(name, None)
        # the line's text is set only while it shows: updating the hidden line still laid
        # the screen out again, twice per task (~5-10 ms each on a first visit)
        line = self.query_one("#status-line", Static)
        if not self._busy_tasks:
            if self._busy_timer is not None:
                self._busy_timer.stop()
                self._busy_timer = None
            if line.has_class("-busy"):  # blanked while it shows: hidden alone, its last
                # text could stay on the terminal until something else painted there
                line.update("")
                line.set_class(False, "-busy")
        elif line.has_class("-busy"):
            line.update(self._busy_text())
        elif self._busy_timer is None:
            self._busy_timer = self.set_timer(BUSY_DELAY, self._reveal_busy)

    def _busy_text(self) -> str:
        return "⏳ " + " · ".join(self._busy_tasks.values())

    def _reveal_busy(self) -> None:
        self._busy_timer = None
        if self._busy_tasks:
            line = self.query_one("#status-line", Static)
            line.update(self._busy_text())
            line.set_class(True, "-busy")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker not in self._task_shows:
            return
        if event.state == WorkerState.SUCCESS:
            show = self._task_shows.pop(worker)
            self.set_busy(worker.name, None)
            show(worker.result)
            self.refresh_nav()
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._task_shows.pop(worker)
            self.set_busy(worker.name, None)
            if event.state == WorkerState.ERROR and worker.error is not None:
                self.on_task_error(worker.name, worker.error)

    def refresh_nav(self) -> None:
        """The nav bar's as-of day, once it is known (after an import, the next computation
        tells it: a worker of this screen, or the app's warm-up)."""
        nav = self.query_one(NavBar)
        if nav.right != self.shop_app.right_label():
            nav.set_right(self.shop_app.right_label())

    def on_task_error(self, name: str, error: BaseException) -> None:
        """A worker failed: say so in plain words (subclasses may also show an empty state)."""
        self.shop_app.show_error(error)

    def action_leave_field(self) -> None:
        """Esc in a text box: back to the screen's list, so 1–5, q and the rest work again."""
        if not isinstance(self.focused, Input):
            return
        grids = self.query(".frame-grid")
        if grids:
            grids.first().focus()
        else:
            self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a filter box: the filter stays, the cursor goes back to the list."""
        if "filter" in (event.input.id or "") or "search" in (event.input.id or ""):
            self.action_leave_field()

    # -- hooks for app-wide actions -------------------------------------------------------
    def focus_filter(self) -> bool:
        """Put the cursor in this screen's filter box; False if the screen has none."""
        return False

    def can_filter(self) -> bool:
        """Whether this screen has a filter box (it overrides `focus_filter`)."""
        return type(self).focus_filter is not SectionScreen.focus_filter

    def unsaved(self) -> str | None:
        """What would be lost by leaving this screen now, in words; None when nothing."""
        return None

    def save_unsaved(self) -> bool:
        """Save what `unsaved` names (quickly, on the UI thread); False if it could not be."""
        return True

    def discard_unsaved(self) -> None:
        """Forget what `unsaved` names."""

    def palette_commands(self) -> Iterable[SystemCommand]:
        """This screen's actions for the command palette."""
        return ()


class FormScreen(SectionScreen):
    """A section that is one form (Settings, Export): it opens with no field focused, so the
    section keys (1-6, i, e, q, …) work as on every other screen; Enter or Tab goes into the
    first field, Esc leaves any field."""

    FORM: ClassVar[str] = ""
    """The selector of the form's container."""
    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[Binding]] = [Binding("enter", "edit", "Edit")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter says Edit in the key bar only while no field is focused (in a field, Enter
        is the field's own)."""
        if action == "edit":
            return self.focused is None
        return True

    def action_edit(self) -> None:
        """Enter with no field focused: the form's first field."""
        if self.focused is not None:
            return
        for widget in self.query_one(self.FORM).query("*"):
            if widget.focusable:
                widget.focus()
                return

    def action_leave_field(self) -> None:
        """Esc in any field of the form (a list, a box to tick, a text box): out of it."""
        self.set_focus(None)
