"""The views of a shop whose exports carry no amounts (member visits: a member, a day, an item)
show no money as if it were a figure: `customers`, `segments` and `explain` drop their money
columns and phrases and say once why (the core's sentence, `status["facts"]`); "what changed"
names the orders at risk its churn alerts are ranked by, not "0.00 at risk"."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.insights.changes import alert_changes
from tests.factories import cli_ok, import_file, member_visits

runner = CliRunner()

FACT = "The imported exports carry no prices or totals: orders count as purchases, without revenue."


def _members(tmp_path: Path, name: str = "Groceries_dataset.csv", months: int = 3) -> str:
    """Member visits as the Groceries data set has them: member, day, item; no money."""
    return import_file(tmp_path, name, member_visits(months=months))


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _members(tmp_path_factory.mktemp("members"))


def test_customers_table_has_no_money_column(members: str) -> None:
    out = cli_ok(members, "customers")
    assert "0.00" not in out and "unknown" not in out
    head = out.split("\n", 3)
    assert "Customers as of 2015-03-" in head[0] and "(" not in head[0]
    assert " net " not in out.split("Note:")[0]
    assert " ".join(out.split()).count(FACT) == 1
    # most orders first (a column of zeros is no order): member 1003 has 4 visits, 1000 one
    # (read from the JSON rows, in the same order: the table's columns depend on the width of
    # the console, which the first command printed in this process fixed)
    rows = json.loads(cli_ok(members, "customers", "--json"))
    orders = [r["orders"] for r in rows]
    assert orders == sorted(orders, reverse=True) and orders[0] == 4
    table_ids = re.findall(r"generic:\d+", out)
    assert table_ids == [r["customer_id"] for r in rows][: len(table_ids)] and table_ids


def test_customers_of_a_segment_has_no_money_column(members: str) -> None:
    segment = json.loads(cli_ok(members, "customers", "--json"))[0]["segment"]
    out = cli_ok(members, "customers", "--segment", segment)
    assert "0.00" not in out and "unknown" not in out and " ".join(out.split()).count(FACT) == 1


def test_segments_drop_revenue_and_m_columns(members: str) -> None:
    out = cli_ok(members, "segments")
    assert "net (" not in out and "of net" not in out and "M: net" not in out
    assert "monetary:" not in out  # the M cut points are not used: the segment note says why
    assert "Spend (M) is not scored" in out
    assert " ".join(out.split()).count(FACT) == 1
    assert "R: days since last order" in out and "F: order days" in out


def test_explain_says_no_spend(members: str) -> None:
    who = json.loads(cli_ok(members, "customers", "--json"))[0]["customer_id"]
    out = cli_ok(members, "explain", who)
    assert "net spend" not in out and "average order" not in out and "0.00" not in out
    assert "favourite: item" in out
    assert " ".join(out.split()).count(FACT) == 1


def _visits_log(tmp_path: Path) -> str:
    """A year of member visits without amounts: regulars (a third stop two months before the
    end: churn alerts), regulars who paused from June and came back in December (alerts
    resolved), and three newcomers in November."""
    start = dt.date(2015, 1, 1)
    rows = ["Member_number,Date,itemDescription"]

    def visits(member: int, days: range | list[int]) -> None:
        for k, d in enumerate(days):
            day = start + dt.timedelta(days=d)
            rows.append(f"{2000 + member},{day:%d-%m-%Y},item{k % 4}")

    for m in range(40):
        visits(m, range(m % 7, 300 if m % 3 == 0 else 360, 7 + m % 5 * 3))
    for m in range(40, 44):
        visits(m, [*range(m % 5, 160, 7), 340, 347])
    for m in range(44, 47):
        visits(m, [m + 256, m + 270])
    path = tmp_path / "members.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["-w", str(ws), "import", str(path)])
    assert result.exit_code == 0, result.output
    return str(ws)


@pytest.fixture(scope="module")
def visits_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _visits_log(tmp_path_factory.mktemp("visits"))


SINCE = "2015-10-15"


def test_changes_json_names_orders_at_risk(visits_log: str) -> None:
    got = json.loads(cli_ok(visits_log, "changes", "--since", SINCE, "--json"))
    assert got["new_customers"] and all(r["monetary"] is None for r in got["new_customers"])
    for key in ("new_alerts", "alerts_resolved"):
        assert got[key], key
        assert all(r["value_at_risk"] is None for r in got[key])  # no money known, not 0
        assert all(r["orders_at_risk"] > 0 for r in got[key])
    # a new alert's orders at risk are churn's own (churn --json rounds them to 4 places)
    churn = {r["customer_id"]: r for r in json.loads(cli_ok(visits_log, "churn", "--json"))}
    first = got["new_alerts"][0]
    assert round(first["orders_at_risk"], 4) == churn[first["customer_id"]]["orders_at_risk"]


def test_changes_say_orders_at_risk_not_money(visits_log: str) -> None:
    out = cli_ok(visits_log, "changes", "--since", SINCE)
    assert "0.00" not in out
    assert "orders at risk" in out.split("Alerts resolved")[1].split("New churn alerts")[0]
    assert "orders at risk" in out.split("New churn alerts")[1].split("Bundles")[0]


def _alerts(stakes: dict[str, float]) -> pl.DataFrame:
    """Alerts of a shop without amounts (`churn.stake`): ranked by orders, no money."""
    return pl.DataFrame(
        {
            "customer_id": list(stakes),
            "is_alert": [True] * len(stakes),
            "risk": [0.6] * len(stakes),
            "value_at_risk": [None] * len(stakes),
            "orders_at_risk": list(stakes.values()),
            "list": ["save_now"] * len(stakes),
        },
        schema_overrides={"value_at_risk": pl.Float64},
    )


def test_alert_changes_rank_by_orders_at_risk_without_amounts() -> None:
    then = _alerts({"a": 0.5, "b": 3.0, "c": 1.2})
    now = _alerts({"a": 0.5, "d": 0.8, "e": 2.5, "f": 1.1})
    last = dt.datetime(2015, 12, 1, tzinfo=dt.UTC)
    profiles = pl.DataFrame(
        {
            "customer_id": list("abcdef"),
            "customer_name": [None] * 6,
            "last_order": [last if c in "bc" else last.replace(month=6) for c in "abcdef"],
        },
        schema_overrides={"customer_name": pl.Utf8},
    )
    resolved, fresh = alert_changes(then, now, profiles, dt.date(2015, 10, 1))
    assert resolved["customer_id"].to_list() == ["b", "c"]  # 3.0 then 1.2 orders at risk
    assert fresh["customer_id"].to_list() == ["e", "f", "d"]  # 2.5, 1.1, 0.8
    assert fresh["value_at_risk"].null_count() == 3


def test_overview_changes_dialog_says_orders_at_risk(visits_log: str) -> None:
    from shopinsight.core.shop import Shop
    from shopinsight.core.workspace import Workspace
    from shopinsight.tui.screens.overview_changes import detail_text

    text = detail_text(Shop(Workspace.open(visits_log)).changes(SINCE))
    assert "0.00" not in text and "—" not in text
    assert " orders was at risk" in text and " orders at risk" in text


def _status(no_amounts: bool) -> dict:
    from shopinsight.core.shop_facts import facts

    return {"lines": 3, "orders": 3, "facts": facts(3, 0 if no_amounts else 3, 0)}


def test_app_definitions_keep_no_money_where_there_is_none() -> None:
    from shopinsight.tui import shop_facts
    from shopinsight.tui.screens.overview import CUSTOMERS_DEFINITION, customers_fallback

    assert customers_fallback(_status(False)) == CUSTOMERS_DEFINITION
    assert "money kept" in shop_facts.no_customers_text(_status(False))
    for text in (customers_fallback(_status(True)), shop_facts.no_customers_text(_status(True))):
        assert "money kept" not in text
        assert "the imported exports carry no prices or totals" in text


def test_customer_detail_says_orders_at_risk_and_no_spend(visits_log: str) -> None:
    from rich.console import Console

    from shopinsight.core.shop import Shop
    from shopinsight.core.workspace import Workspace
    from shopinsight.tui.detail import customer_detail, render_detail

    shop = Shop(Workspace.open(visits_log))
    alerts = shop.churn().alerts.filter("is_alert")
    shop.value()
    console = Console(width=100, record=True)
    console.print(render_detail(customer_detail(shop, alerts["customer_id"][0])))
    text = console.export_text()
    risk = text.split("Churn risk")[1].split("\nValue")[0]
    expected = alerts["orders_at_risk"][0]
    assert f"{expected:,.2f} orders at risk" in risk
    value = text.split("\nValue")[1].split("Gift and note")[0]
    assert "0.00" not in value and "carry no prices or totals" in value


def _report(tmp_path: Path, ws: str) -> str:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["-w", ws, "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_report_marks_the_partial_last_month(members: str, tmp_path: Path) -> None:
    """The data stops on 22 March 2015: March's cells and cohort are marked as `cohorts`
    marks them, and the note says why."""
    html = _report(tmp_path, members)
    cohorts = json.loads(cli_ok(members, "cohorts", "--json"))
    assert [c["cohort"] for c in cohorts] == ["2015-01", "2015-02", "2015-03"]
    assert '<td class="">2015-03*</td>' in html and '<td class="">2015-01</td>' in html
    # January's cohort is active in March (+2) and February's (+1): those cells are marked
    jan, feb = cohorts[0], cohorts[1]
    for c, k in ((jan, 2), (feb, 1)):
        share = f"{c['active'][k] / c['customers']:.0%}"
        assert (
            f'data-partial="1" title="{c["active"][k]:,} customers; a partial month">'
            f"{share}*</td>" in html
        )
    assert html.count('data-partial="1"') == 2
    assert (
        '<p class="muted" data-note="partial">* The last month, March 2015, has data for '
        "22 of its 31 days (1–22 March)" in html
    )


def test_report_of_complete_months_has_no_mark(tmp_path: Path) -> None:
    rows = ["Member_number,Date,itemDescription"]
    rows += [f"{1000 + m},{d:02d}-0{1 + m % 2}-2015,item" for m in range(6) for d in (3, 10)]
    rows.append("1000,28-02-2015,item")  # the data ends on the last day of February
    path = tmp_path / "members.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["-w", ws, "import", str(path)]).exit_code == 0
    html = _report(tmp_path, ws)
    assert '<td class="">2015-02</td>' in html  # the cohort is shown, unmarked
    assert "data-partial" not in html and "data-note" not in html and "%*" not in html
