"""One snapshot per screen: the sample shop at 100×30, as of 2026-11-20.

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


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="overview"),
        pytest.param(("2",), id="customers"),
        pytest.param(("3",), id="gifts"),
        pytest.param(("4",), id="churn"),
        pytest.param(("5",), id="bundles"),
        pytest.param(("i", "down", "enter"), id="import"),
        pytest.param(("e",), id="export"),
    ],
)
def test_screen(snap_compare, demo_ws, make_app, keys):
    """Each screen of the sample shop as it first opens."""
    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=visit(*keys))


def test_overview_small_terminal(snap_compare, demo_ws, make_app):
    """At 80×24 the overview keeps KPIs, both charts and a one-line import summary."""
    assert snap_compare(make_app(demo_ws), terminal_size=(80, 24), run_before=visit())


def test_customers_light_theme(snap_compare, demo_ws, make_app):
    """The light theme: the customers table and detail panel stay readable."""
    app = make_app(demo_ws, theme="light")
    assert snap_compare(app, terminal_size=SIZE, run_before=visit("2"))
