"""One snapshot per screen at 80×24 and at 200×50: the sample shop as of 2026-11-20.

Nothing may be cut off: at 80 columns the narrowest useful layout (optional columns left out,
names whole where the chart or the detail has room), at 200 every column and name whole.

Look at the report (snapshot_report.html) before accepting changes with --snapshot-update.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import SIZE, settle


def visit(*keys: str):
    """A run_before that goes to a screen and waits for its workers (and the file tree)."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot)

    return run


SCREENS = [
    pytest.param((), id="overview"),
    pytest.param(("2",), id="customers"),
    pytest.param(("3",), id="gifts"),
    pytest.param(("4",), id="churn"),
    pytest.param(("5",), id="bundles"),
    pytest.param(("i", "end", "enter"), id="import"),  # the only file, previewed
    pytest.param(("e",), id="export"),
    pytest.param(("comma",), id="settings"),
    pytest.param(("question_mark",), id="help"),
]


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@pytest.mark.parametrize("keys", SCREENS)
def test_screen(snap_compare, demo_ws, make_app, keys, size, tmp_path, monkeypatch):
    """Each screen of the sample shop as it first opens, small and large."""
    monkeypatch.setenv("HOME", str(tmp_path))  # the picker shows ~/shop-exports/
    assert snap_compare(make_app(demo_ws), terminal_size=size, run_before=visit(*keys))


def test_customers_light_theme(snap_compare, demo_ws, make_app):
    """The light theme: the customers table and detail panel stay readable."""
    app = make_app(demo_ws, theme="light")
    assert snap_compare(app, terminal_size=SIZE, run_before=visit("2"))
