"""The Churn screen of a shop whose exports carry no amounts says what `churn` says: the list is
ranked by orders at risk, in the core's sentence (`core.churn.stake.ranking_note`), with an
"Orders at risk" column where the money would be, and the backtest's capture in lost orders."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static
from typer.testing import CliRunner

from shopinsight.cli import app as cli_app
from shopinsight.core.churn.stake import ranking_note
from shopinsight.core.importers import import_files
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.test_churn_no_amounts import END, members_csv
from tests.tui.conftest import go, settle


def text(widget: Static) -> str:
    return " ".join(str(widget.render()).split())


async def test_churn_screen_ranks_by_orders_and_says_so(tmp_path: Path, make_app):
    ws = Workspace.open(tmp_path / "workspace")
    import_files(ws, [members_csv(tmp_path / "Groceries_dataset.csv")])
    view = Shop(ws, END).churn()
    note = ranking_note(view.alerts, view.horizon_days)
    assert note is not None
    app = make_app(ws, as_of=END)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        screen = app.screen
        basis = screen.query_one("#churn-basis", Static)
        assert basis.display and text(basis) == note
        table = screen.query_one(FrameTable)
        labels = [c.label for c in table.cols]
        assert "Orders at risk" in labels and "At risk" not in labels
        assert "orders at risk over 90 days" in text(screen.query_one("#churn-summary", Static))
        panel = text(screen.query_one("#churn-backtest", Static))
        assert "of the lost spend" not in panel
        screen.query_one("#churn-view", Select).value = "all"
        await settle(pilot)
        assert table.frame is not None and table.frame.height == view.alerts.height
        detail = text(screen.query_one("#churn-detail", Static))
        assert "orders at risk (of" in detail and " expected)" in detail
    # the CLI says the same sentence
    out = CliRunner().invoke(
        cli_app, ["--workspace", str(ws.root), "churn", "--as-of", END.isoformat()]
    )
    assert note in " ".join(out.output.split())


async def test_churn_screen_of_a_shop_with_amounts_is_unchanged(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        screen = app.screen
        assert not screen.query_one("#churn-basis", Static).display
        labels = [c.label for c in screen.query_one(FrameTable).cols]
        assert "At risk" in labels and "Orders at risk" not in labels
