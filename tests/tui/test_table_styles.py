"""The two kinds of table keep their own colours whatever screen was visited first: the
tables' grid (fastdatatable: Customers, Churn, Bundles, Import preview...) and Insights'
cohort table (Textual's DataTable) were both styled as `DataTable`, so each one's default CSS,
parsed on the first visit of its screen, restyled the other."""

from __future__ import annotations

from textual.widgets import DataTable

from shopinsight.tui.widgets.frame_table import FrameTable
from tests.tui.conftest import go, settle

PARTS = ("datatable--header", "datatable--even-row", "datatable--cursor", "datatable--fixed")


def _looks(table) -> dict[str, str]:  # noqa: ANN001
    """How a table is painted: its own colours and each of its parts' styles."""
    looks = {part: str(table.get_component_rich_style(part)) for part in PARTS}
    styles = table.styles
    looks["table"] = f"{styles.background} {styles.color} {table.rich_style}"
    looks["scrollbar"] = f"{styles.scrollbar_color} {styles.scrollbar_background}"
    return looks


def _table(app):  # noqa: ANN001, ANN202
    if app.current_mode == "insights":
        return app.screen.query_one("#cohort-table", DataTable)
    grid = app.screen.query_one(FrameTable).table
    assert grid is not None
    return grid


async def _visit(app, pilot, keys: str) -> dict[str, list[dict[str, str]]]:  # noqa: ANN001
    """Visit the screens of `keys` in that order, then again: their table's looks each time."""
    await settle(pilot)
    seen: dict[str, list[dict[str, str]]] = {}
    for key in keys + keys:
        await go(pilot, key)
        seen.setdefault(app.current_mode, []).append(_looks(_table(app)))
    return seen


async def test_table_colours_do_not_depend_on_the_order_of_visits(demo_ws, make_app):
    seen = []
    for keys in ("26", "62"):
        app = make_app(demo_ws)
        async with app.run_test(size=(100, 30)) as pilot:
            seen.append(await _visit(app, pilot, keys))
    customers_first, insights_first = seen
    grid, cohort = customers_first["customers"][0], customers_first["insights"][0]
    # each table looks the same on every visit, whichever screen came first
    for looks in (customers_first, insights_first):
        assert looks["customers"] == [grid, grid]
        assert looks["insights"] == [cohort, cohort]
    # still styled as any widget (Widget's rules: the theme's scrollbar, not the fallback)
    assert grid["scrollbar"] == cohort["scrollbar"]
    # and each is its own library's: the grid's header on the primary colour, the cohort's not
    assert grid["datatable--header"] != cohort["datatable--header"]
