"""Cohorts when the data stops inside the last month (or quarter): that period is said to be a
partial one, next to the grid, and its cells are marked, not silently set beside full months.

The shop by hand (one order a line, all kept and paid):
  ann: 10 Jan, 5 Feb, 1 Mar 2024     bob: 20 Jan
  cat: 10 Feb, 1 Mar                 dan: 1 Mar (first purchase)
The data ends on 1 March: March has data for 1 of its 31 days.
  2024-01: ann, bob (2); Feb: ann (1 of 2); Mar: ann (1 of 2, 50%: the partial cell, k = 2)
  2024-02: cat (1); Mar: cat (1 of 1, 100%: the partial cell, k = 1)
  2024-03: dan (1): the cohort itself is of the partial month (k = 0)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.cli.base import console
from shopinsight.core.insights.cohorts import partial_period
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

runner = CliRunner()

ORDERS = [
    ("1", "ann", "2024-01-10"), ("2", "ann", "2024-02-05"), ("3", "ann", "2024-03-01"),
    ("4", "bob", "2024-01-20"), ("5", "cat", "2024-02-10"), ("6", "cat", "2024-03-01"),
    ("7", "dan", "2024-03-01"),
]  # fmt: skip


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    rows = [dict(order_id=o, customer_id=c, ordered_at=d) for o, c, d in ORDERS]
    Workspace.open(tmp_path / "ws").commit(make_lines(rows), [])
    return tmp_path / "ws"


def run(shop: Path, *args: str) -> str:
    result = runner.invoke(app, ["--workspace", str(shop), *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_partial_period_by_hand() -> None:
    dec = partial_period(dt.date(2011, 12, 9), "month")
    assert dec is not None
    assert (dec["cohort"], dec["days"], dec["period_days"]) == ("2011-12", 9, 31)
    assert "December 2011, has data for 9 of its 31 days (1–9 December)" in dec["note"]
    q4 = partial_period(dt.date(2011, 12, 9), "quarter")  # 31 Oct + 30 Nov + 9 Dec = 70 of 92
    assert q4 is not None and (q4["cohort"], q4["days"], q4["period_days"]) == ("2011-Q4", 70, 92)
    assert partial_period(dt.date(2011, 12, 31), "month") is None  # a full month: nothing to say
    assert partial_period(dt.date(2024, 3, 31), "quarter") is None
    leap = partial_period(dt.date(2024, 2, 1), "month")
    assert leap is not None and (leap["days"], leap["period_days"]) == (1, 29)
    assert "1 of its 29 days (1 February)" in leap["note"]
    # an as-of day after the last order: the data, not the calendar, ends the month
    late = partial_period(dt.date(2024, 5, 20), "month", dt.date(2024, 5, 3))
    assert late is not None and late["days"] == 3 and late["last_day"] == dt.date(2024, 5, 3)


def test_the_result_says_the_last_month_is_partial_and_marks_its_cells(shop: Path) -> None:
    result = Shop.open(shop).cohorts("month")
    assert result.partial is not None and result.partial["cohort"] == "2024-03"
    assert any("March 2024, has data for 1 of its 31 days (1 March)" in n for n in result.notes)
    rows = result.rows()
    assert dict(zip(rows["cohort"], rows["partial_k"], strict=True)) == {
        "2024-01": 2, "2024-02": 1, "2024-03": 0
    }  # fmt: skip
    assert rows.filter(rows["cohort"] == "2024-01")["share"].item().to_list() == [1.0, 0.5, 0.5]


def test_cli_marks_the_partial_month_and_says_why(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an 80-column terminal, whatever command printed first in this process (the console's
    # width is taken from COLUMNS once, when it is made)
    monkeypatch.setattr(console, "_width", 80)
    out = run(shop, "cohorts")
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line[:4] == "2024"}
    assert lines["2024-01"] == ["2024-01", "2", "50%", "50*"]
    assert lines["2024-02"] == ["2024-02", "1", "100*"]
    assert lines["2024-03*"] == ["2024-03*", "1"]
    said = " ".join(out.split())
    assert "* marks the last month, a partial one" in said
    assert "The last month, March 2024, has data for 1 of its 31 days (1 March)" in said
    assert max(len(line) for line in out.splitlines()) <= 80
    # a later as-of day does not make March whole: the data still stops on the 1st
    assert "has data for 1 of its 31 days" in " ".join(run(shop, "cohorts", "--as-of",
                                                           "2024-03-31").split())  # fmt: skip


def test_a_full_last_month_is_not_marked(shop: Path) -> None:
    out = run(shop, "cohorts", "--as-of", "2024-02-29")
    assert "*" not in out and "partial" not in out
    assert Shop.open(shop, as_of=dt.date(2024, 2, 29)).cohorts().partial is None


def test_json_contract_is_unchanged(shop: Path) -> None:
    data = json.loads(run(shop, "cohorts", "--json"))
    assert all(set(c) == {"cohort", "customers", "active", "revenue"} for c in data)
    assert [c["cohort"] for c in data] == ["2024-01", "2024-02", "2024-03"]


def test_repeat_months_mark_the_partial_month(shop: Path) -> None:
    out = run(shop, "repeat")
    months = [line.split()[0] for line in out.splitlines() if line.strip()[:4] == "2024"]
    assert months == ["2024-01", "2024-02", "2024-03*"]
    said = " ".join(out.split())
    assert "*: a partial month (see the note)" in said
    assert "The last month, March 2024, has data for 1 of its 31 days (1 March)" in said
    full = run(shop, "repeat", "--as-of", "2024-02-29")
    assert "*" not in full and "partial" not in full
    data = json.loads(run(shop, "repeat", "--json"))  # the JSON contract is unchanged
    assert [m["month"] for m in data["new_vs_returning"]] == ["2024-01", "2024-02", "2024-03"]
