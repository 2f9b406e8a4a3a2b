"""The churn track record: a two-import history scored by hand (import, mark, import, track)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.churn.track import load_predictions, score_track, track_sentence
from shopinsight.core.workspace import Workspace

runner = CliRunner()
START, CUT, END = dt.date(2024, 1, 1), dt.date(2024, 3, 31), dt.date(2024, 6, 30)
DRIFTERS = [f"a{i}@x.com" for i in range(1, 7)]  # every 10 days until 20 Feb, then quiet
BACK = DRIFTERS[:3]  # ...of whom a1-a3 order again in May
CONTACTED = ["a1@x.com", "a2@x.com", "a4@x.com"]  # marked between the two imports


def _days(first: dt.date, last: dt.date, step: int) -> list[dt.date]:
    return [first + dt.timedelta(days=d) for d in range(0, (last - first).days + 1, step)]


def _orders() -> list[tuple[str, dt.date]]:
    rows = [("clock@x.com", d) for d in _days(START, END, 7)] + [
        ("clock@x.com", CUT),
        ("clock@x.com", END),
    ]
    rows += [(f"r{i}@x.com", d) for i in range(1, 4) for d in _days(START, END, 10)]
    rows += [(c, d) for c in DRIFTERS for d in _days(START, dt.date(2024, 2, 20), 10)]
    rows += [(c, dt.date(2024, 5, 1 + i)) for i, c in enumerate(BACK)]
    return rows


def _csv(path: Path, until: dt.date) -> Path:
    lines = ["order_id,date,customer,sku,qty,price,currency"]
    for n, (customer, day) in enumerate(_orders(), start=1):
        if day <= until:
            lines.append(f"{n},{day},{customer},MUG,1,20.00,GBP")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(ws: Path, *args: str):
    result = runner.invoke(app, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output
    return result


def test_two_imports_score_the_first_days_alerts(tmp_path):
    ws = tmp_path / "ws"
    shop = Workspace.open(ws)
    text = shop.config_path.read_text()
    shop.config_path.write_text(text.replace("list_share = 0.1", "list_share = 1.0"))

    run(ws, "import", str(_csv(tmp_path / "half.csv", CUT)), "--json")
    first = load_predictions(shop)
    assert set(first["as_of"]) == {CUT}
    alerted = sorted(first.filter("is_alert")["customer_id"])
    assert alerted == DRIFTERS  # the six who went quiet, not the regulars
    assert json.loads(run(ws, "churn", "track", "--json").output) == []  # nothing to score yet

    for customer in CONTACTED:
        run(ws, "churn", "mark", customer, "contacted")
    run(ws, "import", str(_csv(tmp_path / "all.csv", END)), "--json")
    assert set(load_predictions(shop)["as_of"]) == {CUT, END}

    rows = json.loads(run(ws, "churn", "track", "--json").output)
    assert rows == [
        {
            "as_of": "2024-03-31",
            "alerted": 6,
            "came_back": 3,  # a1, a2, a3
            "did_not_come_back": 3,  # a4, a5, a6
            "contacted": 3,  # a1, a2, a4
            "contacted_came_back": 2,  # a1, a2
            "not_contacted": 3,  # a3, a5, a6
            "not_contacted_came_back": 1,  # a3
            "precision": 0.5,
            "days_checked": 91,
        }
    ]
    out = " ".join(run(ws, "churn", "track").output.split())
    assert "Of the 6 alerted on 31 Mar 2024, 3 did not come back" in out
    assert "of the 3 you contacted, 2 came back vs 1 of the 3 you did not" in out

    # running churn again the same day replaces that day's record instead of adding to it
    run(ws, "churn", "--json")
    assert load_predictions(shop).filter(pl.col("as_of") == END).height == (
        load_predictions(shop).filter(pl.col("as_of") == END)["customer_id"].n_unique()
    )


def test_scoring_counts_only_days_before_the_as_of_and_later_contact():
    day = dt.date(2024, 3, 1)
    predictions = pl.DataFrame(
        {
            "as_of": [day, day, day, day, dt.date(2024, 4, 1)],
            "customer_id": ["a", "b", "c", "d", "a"],
            "is_alert": [True, True, True, False, True],
            "state": ["contacted", "new", "new", "new", "new"],
        }
    )
    utc = dt.UTC
    last = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "last_order_at": [
                dt.datetime(2024, 3, 20, tzinfo=utc),  # came back
                dt.datetime(2024, 2, 1, tzinfo=utc),
                dt.datetime(2024, 3, 1, 18, tzinfo=utc),  # same day: not a comeback
                dt.datetime(2024, 3, 5, tzinfo=utc),  # not alerted
            ],
        }
    )
    marks = pl.DataFrame(
        {
            "customer_id": ["b", "c"],
            "state": ["contacted", "contacted"],
            "marked_at": [
                dt.datetime(2024, 3, 2, tzinfo=utc),  # after the day: counts
                dt.datetime(2024, 2, 1, tzinfo=utc),  # before it and not in force: no
            ],
        }
    )
    table = score_track(predictions, last, marks, dt.date(2024, 4, 1))
    assert table.height == 1  # the as-of day itself has nothing to score yet
    row = table.row(0, named=True)
    assert (row["alerted"], row["came_back"], row["contacted"], row["contacted_came_back"]) == (
        3,
        1,
        2,
        1,
    )
    assert (row["not_contacted"], row["not_contacted_came_back"], row["days_checked"]) == (1, 0, 31)
    assert abs(row["precision"] - 2 / 3) < 1e-9
    assert track_sentence(row).startswith("Of the 3 alerted on 1 Mar 2024, 2 did not come back")
