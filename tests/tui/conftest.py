"""Fixtures for the app's tests: the sample shop imported once, copied per test, fixed dates.

The sample exports are imported once per session into a template workspace whose import times
are pinned (they show on the overview) and whose analysis results are computed once and cached;
each test gets a copy (mtimes preserved, so the cache still matches), so opening the app in a
test reads cached results the way a merchant's second start does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerState

from shopinsight.core.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_exports"
AS_OF = dt.date(2026, 11, 20)
SIZE = (100, 30)


def _pin_import_times(ws: Workspace) -> None:
    """One import per sample file, a minute apart. The files came in one batch, so their
    records' batch `version` and `last_order_day` (the batch's end) are dropped: as in a workspace
    imported before they were stored, `changes` works each file's cut out from line counts."""
    records = ws.ledger()
    for i, r in enumerate(records):
        r["imported_at"] = f"2026-11-20T09:{i:02d}:00"
        r.pop("last_order_day", None)
        r.pop("version", None)
    ws.ledger_path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors stay lit in tests: a snapshot of a focused field was taken in whichever
    half of the blink the run reached (Settings flaked with the cursor on or off)."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample shop imported into a workspace, with the app's results cached."""
    from shopinsight.core.importers import import_files
    from shopinsight.core.shop import Shop

    if not SAMPLES.is_dir():
        pytest.skip("sample_exports/ is missing")
    root = tmp_path_factory.mktemp("demo") / "workspace"
    ws = Workspace.open(root)
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    import_files(ws, files)
    _pin_import_times(ws)
    data = Shop(ws, AS_OF)
    data.status()
    data.segment_summary()
    data.gifts()
    data.bundles()
    data.churn()
    data.value()
    data.segment_history("")  # every month-end's profiles, cached per as-of
    return root


@pytest.fixture
def demo_ws(demo_template: Path, tmp_path: Path) -> Workspace:
    """A private copy of the sample shop's workspace."""
    root = tmp_path / "workspace"
    shutil.copytree(demo_template, root, copy_function=shutil.copy2)
    return Workspace.open(root)


@pytest.fixture
def exports_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to start the file picker in, with one small generic export."""
    folder = tmp_path / "shop-exports"
    folder.mkdir()
    (folder / "more_orders.csv").write_text(
        "InvoiceNo,InvoiceDate,StockCode,Description,Quantity,UnitPrice,CustomerID,Country\n"
        "900001,2026-11-19 10:00,TEA-EARL,Earl Grey Cream,2,8.50,77001,United Kingdom\n"
        "900001,2026-11-19 10:00,TW-INFUSER,Steel Tea Infuser,1,6.00,77001,United Kingdom\n"
        "900002,2026-11-19 11:30,TEA-MATCHA,Ceremonial Matcha,1,24.00,77002,Ireland\n"
        "900003,not a date,TEA-MATCHA,Ceremonial Matcha,1,24.00,77003,Ireland\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def make_app(exports_dir: Path):
    """Build the app on a workspace with the fixed as-of day and a fixed file-picker folder."""
    from shopinsight.tui.app import ShopInsightApp

    def build(ws: Workspace, **kwargs):
        kwargs.setdefault("as_of", AS_OF)
        kwargs.setdefault("start_dir", Path(exports_dir.name))
        return ShopInsightApp(ws, **kwargs)

    return build


async def settle(pilot: Pilot, timeout: float = 20.0) -> None:
    """Wait until the app's own workers are done (the file tree's loader never ends)."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    await pilot.pause()
    while loop.time() < end:
        if getattr(app.screen, "detail_pending", False):  # a debounced detail panel
            await asyncio.sleep(0.02)
            continue
        busy = [
            w
            for w in app.workers
            if w.name != "_loader" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        if not busy:
            await pilot.pause()
            if not [
                w
                for w in app.workers
                if w.name != "_loader" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            ]:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"workers still running: {list(app.workers)}")


async def go(pilot: Pilot, *keys: str) -> None:
    """Press keys, letting the workers each one starts finish."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


class VisitProbe:
    """What a screen's visit does, counted: workers started (`started`), tables loaded
    (`loads`), for each layout how many widgets it moved (`reflows`), whole-screen paints
    (`whole`). `clear` before the visit measured."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.loads: list[object] = []
        self.reflows: list[int] = []
        self.whole: list[int] = []

    def clear(self) -> None:
        for seen in (self.started, self.loads, self.reflows, self.whole):
            seen.clear()


@pytest.fixture
def visit_probe(monkeypatch: pytest.MonkeyPatch) -> VisitProbe:
    """A `VisitProbe` spying on SectionScreen.run_task, FrameTable.load and Textual's
    compositor (private: these tests fail if an upgrade renames what they count)."""
    from textual._compositor import Compositor

    from shopinsight.tui.screens.base import SectionScreen
    from shopinsight.tui.widgets.frame_table import FrameTable

    probe = VisitProbe()
    real_task, real_load = SectionScreen.run_task, FrameTable.load
    real_reflow, real_full = Compositor.reflow, Compositor.render_full_update

    def run_task(screen, name, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        probe.started.append(name)
        return real_task(screen, name, *a, **k)

    def load(table, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        probe.loads.append(a)
        return real_load(table, *a, **k)

    def reflow(compositor, parent, size):  # noqa: ANN001, ANN202
        before = dict(compositor._full_map)
        result = real_reflow(compositor, parent, size)
        probe.reflows.append(sum(1 for w, g in compositor._full_map.items() if before.get(w) != g))
        return result

    def full(compositor, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        probe.whole.append(1)
        return real_full(compositor, *a, **k)

    monkeypatch.setattr(SectionScreen, "run_task", run_task)
    monkeypatch.setattr(FrameTable, "load", load)
    monkeypatch.setattr(Compositor, "reflow", reflow)
    monkeypatch.setattr(Compositor, "render_full_update", full)
    return probe
