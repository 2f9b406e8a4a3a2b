"""The Churn screen's track record: the same scored days as `churn track --json`, from the same
`Shop.track()`, and an honest empty state before the first one can be scored."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from textual.widgets import Input, Static
from typer.testing import CliRunner

from shopinsight.cli import app as cli_app
from shopinsight.core.churn.alerts import mark_alert
from shopinsight.core.churn.track import record_predictions, track_sentence
from shopinsight.core.shop import Shop
from shopinsight.tui.screens.churn import view_rows
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.tui.conftest import AS_OF, go, settle

runner = CliRunner()
EARLIER = dt.date(2026, 10, 20)


def text(app, selector: str) -> str:
    return " ".join(str(app.screen.query_one(selector, Static).render()).split())


async def test_no_track_record_yet_says_when_the_first_comes(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        assert app.screen.track is not None and app.screen.track.height == 0
        line = text(app, "#churn-track-line")
        assert "none yet" in line and "scored at your next import" in line
        assert app.screen.query_one("#churn-track-line").display  # shown at 80×24
        await go(pilot, "t")
        assert "first record is scored at your next import" in text(app, ".dialog-body Static")


async def test_the_screen_shows_the_record_of_churn_track(demo_ws, make_app):
    """Alerts stored as of an earlier day, one of them marked contacted: the screen shows the
    numbers `churn track --json` prints, in its words."""
    view = Shop(demo_ws, EARLIER).churn()
    record_predictions(demo_ws, view)
    alerted = view.alerts.filter("is_alert")["customer_id"].to_list()
    mark_alert(demo_ws, alerted[0], "contacted", None)

    result = runner.invoke(cli_app, ["--workspace", str(demo_ws.root), "churn", "track", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    assert len(cli) == 1 and cli[0]["alerted"] == len(alerted) and cli[0]["contacted"] >= 1

    app = make_app(demo_ws, as_of=AS_OF)  # the workspace's own day: the CLI's default
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await go(pilot, "4")
        track = app.screen.track
        shown = [
            {**row, "as_of": row["as_of"].isoformat(), "precision": round(row["precision"], 4)}
            for row in track.to_dicts()
        ]
        assert shown == cli
        row = track.row(0, named=True)
        panel = text(app, "#churn-track")
        assert " ".join(track_sentence(row).split()) in panel
        assert app.screen.query_one("#churn-track-panel").display
        line = text(app, "#churn-track-line")  # the short terminals' line: the same numbers
        assert f"of the {row['alerted']:,} alerted on {EARLIER.day} Oct 2026" in line
        assert f"{row['did_not_come_back']:,} did not come back" in line
        assert f"of the {row['contacted']:,} you contacted" in line

        # marking one of that day's alerted customers contacted counts at once
        to_act = set(view_rows(app.screen.rows, "alerts")["customer_id"].to_list())
        target = next(c for c in alerted[1:] if c in to_act)
        name = app.screen.rows.filter(pl.col("customer_id") == target)["display_name"][0]
        app.screen.query_one("#churn-search", Input).value = name
        await settle(pilot)
        app.screen.query_one(FrameTable).focus_table()
        assert app.screen.selected() == target
        await go(pilot, "c")
        assert app.screen.track.row(0, named=True)["contacted"] == row["contacted"] + 1
        assert f"of the {row['contacted'] + 1:,} you contacted" in text(app, "#churn-track")
