"""The Insights screen (key 6): the cohort heatmap and repeat timing of the sample shop, with the
same numbers as `shopinsight cohorts` / `repeat`, at 80×24 and 200×50."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.tui.conftest import AS_OF, SAMPLES, go, settle
from tests.tui.test_snapshots import visit


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample shop with only what this screen reads computed (not churn or gifts)."""
    from shopinsight.core.importers import import_files

    if not SAMPLES.is_dir():
        pytest.skip("sample_exports/ is missing")
    root = tmp_path_factory.mktemp("insights") / "workspace"
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    import_files(Workspace.open(root), files)
    shop = Shop(Workspace.open(root), AS_OF)
    shop.cohorts("month"), shop.cohorts("quarter"), shop.repeat()
    return root


@pytest.fixture
def demo_ws(sample_template: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "workspace"
    shutil.copytree(sample_template, root, copy_function=shutil.copy2)
    return Workspace.open(root)


def starred(cells: list[str]) -> list[str]:
    """The cells of a cohort row with its last one marked as the partial month's ("27*")."""
    return [*cells[:-1], cells[-1].removesuffix("%") + "*"]


async def test_heatmap_shows_the_cohorts_of_the_cli(demo_ws, make_app):
    result = Shop(demo_ws, AS_OF).cohorts("month")
    cohorts = result.to_json()
    # the data stops on 20 November 2026: every cohort's November cell is a partial month's
    assert result.partial is not None and result.partial["cohort"] == "2026-11"
    steps = Shop(demo_ws, AS_OF).repeat().steps
    app = make_app(demo_ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await go(pilot, "6")
        assert app.current_mode == "insights"
        table = app.screen.query_one("#cohort-table", DataTable)
        assert table.row_count == len(cohorts)
        first = cohorts[0]
        row = [str(c).strip() for c in table.get_row_at(0)]
        assert row[:2] == [first["cohort"], f"{first['customers']:,}"]
        shares = [f"{a / first['customers']:.0%}" for a in first["active"][1:]]
        assert row[2:] == starred(shares)
        last = [str(c).strip() for c in table.get_row_at(table.row_count - 1)]
        assert last[0] == cohorts[-1]["cohort"] + "*"  # the partial month's own cohort
        notes = str(app.screen.query_one("#cohort-notes", Static).render())
        # the orders left out in the app's words, then the partial month's note with its *
        assert notes.splitlines() == [
            "59 orders in CNY not included — pick CNY in Settings (,) to see them.",
            "* " + result.partial["note"],
        ]
        assert "The last month, November 2026, has data for 20 of its 30 days" in notes
        summary = str(app.screen.query_one("#repeat-summary", Static).render())
        one = steps["first_to_second"]
        assert f"{one['returned']:,} of {one['customers']:,}" in summary
        await go(pilot, "v")  # customers instead of shares
        row = [str(c).strip() for c in table.get_row_at(0)]
        assert row[2:] == starred([f"{a:,}" for a in first["active"][1:]])
        await go(pilot, "p")  # quarters
        quarters = Shop(demo_ws, AS_OF).cohorts("quarter").to_json()
        assert table.row_count == len(quarters)
        assert str(table.get_row_at(0)[0]).strip() == quarters[0]["cohort"]


def test_insights_small_terminal(snap_compare, demo_ws, make_app):
    """At 80×24: the heatmap's first cohorts with ten periods, and the three repeat lines."""
    assert snap_compare(make_app(demo_ws), terminal_size=(80, 24), run_before=visit("6"))


def test_insights_wide_terminal(snap_compare, demo_ws, make_app):
    """At 200×50: every cohort and period of the heatmap, and the repeat lines."""
    assert snap_compare(make_app(demo_ws), terminal_size=(200, 50), run_before=visit("6"))
