"""Churn alerts of a shop whose exports carry no amounts: ranked by orders at risk, and said so.

A file of member visits (the Kaggle Groceries layout: member, day, item) or a log of buyer and
date has no price or total: every value at risk would be 0 and the list meaningless. Its alerts
are ranked by risk × the orders each customer would place over the horizon at their usual pace;
`core.churn.stake` decides, and the CLI (and the app) say its sentence. Also: a contact mark's
day is the shop's day, not UTC's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.stake import by_orders, ranking_note
from shopinsight.core.churn.state import STATE_SCHEMA, apply_states, mark_alert
from shopinsight.core.config import defaults
from shopinsight.core.settings_writer import save_settings
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

runner = CliRunner()

END = dt.date(2025, 6, 30)
HORIZON = 90


def _visits(member: int, days_ago: list[int], item: str) -> list[str]:
    return [f"{member},{END - dt.timedelta(days=d):%d-%m-%Y},{item}" for d in days_ago]


def members_csv(path: Path) -> Path:
    """Member visits, no money. 1001 every 10 days (6 visits, quiet for 59 days after the
    last day): 90 / 10 = 9 expected, capped at the 6 ever made. 1002 every 30 days (5
    visits): 90 / 30 = 3. 1003 one visit: 1. Twenty regulars every 21 days (15 visits):
    90 / 21 = 4.2857; half of them stopped about 100 days ago."""
    rows = ["Member_number,Date,itemDescription"]
    rows += _visits(1001, [110, 100, 90, 80, 70, 60], "whole milk")
    rows += _visits(1002, [195, 165, 135, 105, 75], "whole milk")
    rows += _visits(1003, [200], "rolls/buns")
    for member in range(1010, 1030):
        last = member % 4 if member % 2 else 100 + member % 4
        rows += _visits(member, list(range(last + 21 * 14, last - 1, -21)), "yogurt")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def cli(ws: Path, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args])


def imported(tmp_path: Path, csv: Path, *options: str) -> Path:
    ws = tmp_path / "shop"
    result = cli(ws, "import", *options, str(csv))
    assert result.exit_code == 0, result.output
    # every flagged customer fits the to-act list (its size is tested elsewhere)
    config = ws / "shopinsight.toml"
    config.write_text(config.read_text().replace("list_share = 0.1", "list_share = 1.0"))
    return ws


@pytest.fixture(scope="module")
def members(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("members")
    return imported(tmp, members_csv(tmp / "Groceries_dataset.csv"))


def core_alerts(ws: Path):
    shop = Workspace.open(ws, create=False)
    last = shop.lines().select(pl.col("ordered_at").max()).collect().item().date()
    return churn_alerts(shop.lines(), last, shop.config())


def test_member_visits_are_ranked_by_orders_at_risk(members):
    result = core_alerts(members)
    alerts = result.alerts
    assert by_orders(alerts)
    expected = dict(alerts.select("customer_id", "expected_orders").iter_rows())
    assert expected["generic:1001"] == 6.0  # 90 / 10 = 9, capped at the 6 visits made
    assert expected["generic:1002"] == 3.0  # 90 / 30
    assert expected["generic:1003"] == 1.0  # one visit: one order
    assert expected["generic:1010"] == pytest.approx(90 / 21)
    # orders at risk = risk × expected orders; no money is known, so no value at risk
    gap = alerts.select(pl.col("orders_at_risk") - pl.col("risk") * pl.col("expected_orders"))
    assert gap.to_series().abs().max() < 1e-12
    assert alerts["value_at_risk"].null_count() == alerts.height
    listed = alerts.filter("is_alert")
    assert listed.height >= 3  # raised, not all 0 and left out
    code = listed["list"].replace_strict({"save_now": 0, "win_back": 1})
    key = list(zip(code, (-listed["orders_at_risk"]).to_list(), strict=True))
    assert key == sorted(key)  # save now first, then by orders at risk
    assert ranking_note(alerts, result.horizon_days) is not None


def test_the_backtest_is_still_reported_in_orders(members):
    bt = core_alerts(members).backtest
    assert bt.customers > 0
    for score in (bt.rule, bt.recency):
        assert score is not None and score.auc is not None
        # the share of the lost customers' expected orders the top 10% held (no spend to hold)
        assert score.top10_capture is not None and 0 <= score.top10_capture <= 1
    text = cli(members, "churn", "backtest").output
    assert "Lost orders in the top 10%" in " ".join(text.split())


def test_a_shop_with_amounts_keeps_value_at_risk():
    day = dt.date(2024, 6, 30)
    rows = [
        dict(order_id=f"o{c}{d}", customer_id=c, ordered_at=day - dt.timedelta(days=d))
        for c, days in (("ann", [200, 170, 140, 110]), ("bob", [90, 60, 30, 5]))
        for d in days
    ]
    result = churn_alerts(make_lines(rows).lazy(), day, defaults())
    assert not by_orders(result.alerts) and "orders_at_risk" not in result.alerts.columns
    assert ranking_note(result.alerts, result.horizon_days) is None
    ann = result.alerts.filter(pl.col("customer_id") == "ann").row(0, named=True)
    assert ann["value_at_risk"] == pytest.approx(ann["risk"] * 10.0 * 3)  # 10.00 × 90 / 30


def test_cli_says_what_core_decides(members):
    """The sentence and the numbers of `churn` are the core's: the same note, the same orders
    at risk per customer, no value at risk in the JSON."""
    core = core_alerts(members)
    note = ranking_note(core.alerts, core.horizon_days)
    assert note is not None
    text = " ".join(cli(members, "churn", "--all", "--top", "3").output.split())
    assert note in text
    assert "orders at stake" in text and "of lost orders" in text
    result = cli(members, "churn", "--all", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == core.alerts.height
    by_cli = {r["customer_id"]: (r["orders_at_risk"], r["expected_orders"]) for r in rows}
    by_core = {
        c: (round(o, 4), round(e, 4))
        for c, o, e in core.alerts.select(
            "customer_id", "orders_at_risk", "expected_orders"
        ).iter_rows()
    }
    assert by_cli == by_core
    assert {r["value_at_risk"] for r in rows} == {None}
    # everyone is listed by orders at risk (those on a list first)
    ranked = [r["orders_at_risk"] for r in rows if r["list"] is None]
    assert ranked == sorted(ranked, reverse=True)


def test_cli_lists_the_alerts_the_core_raises(members):
    """core.results._nothing_at_stake dropped every customer whose net spend is 0, which is
    everyone without amounts: no alert, and a false "refunded everything" line."""
    core = core_alerts(members).alerts.filter("is_alert")
    rows = json.loads(cli(members, "churn", "--json").stdout)
    assert [r["customer_id"] for r in rows] == core["customer_id"].to_list()
    assert "refunded everything" not in cli(members, "churn").output


def test_a_log_of_buyer_and_date_is_ranked_by_orders(tmp_path):
    """A generic export of buyer, day and product, no amount column."""
    lines = ["customer_email,order_date,product_name"]
    for n in range(12):
        gap = 7 + 7 * (n % 3)
        lines += [
            f"b{n}@example.com,{END - dt.timedelta(days=d):%Y-%m-%d},tea"
            for d in range(n * 3 + 5 * gap, n * 3 - 1, -gap)
        ]
    csv = tmp_path / "visits.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ws = imported(tmp_path, csv, "--format", "generic")
    alerts = core_alerts(ws).alerts
    assert by_orders(alerts) and alerts["orders_at_risk"].min() > 0
    rows = json.loads(cli(ws, "churn", "--all", "--json").stdout)
    assert all(r["value_at_risk"] is None and r["orders_at_risk"] > 0 for r in rows)


def test_a_partly_refunded_order_without_amounts_is_not_called_refunded():
    """The status alone says how much went back when the order has no total."""
    day = dt.date(2024, 6, 30)
    rows = [
        dict(order_id=f"o{d}", customer_id="ann", ordered_at=day - dt.timedelta(days=d))
        for d in (200, 170, 140, 110)
    ]
    lines = make_lines(rows).with_columns(
        pl.when(pl.col("order_id") == "o110")
        .then(pl.lit("partially_refunded"))
        .otherwise(pl.col("status"))
        .alias("status"),
        *(pl.lit(None, pl.Float64).alias(c) for c in ("unit_price", "line_total", "order_total")),
        pl.lit(None, pl.Float64).alias("refunded"),
        pl.lit(None, pl.Utf8).alias("currency"),  # as an export without amounts has none
    )
    ann = churn_alerts(lines.lazy(), day, defaults()).alerts.row(0, named=True)
    assert "last order partly refunded" in ann["reasons"]


# -- the shop's clock: a contact mark's day ---------------------------------------------------
LATE = dt.datetime(2024, 7, 1, 2, 0, tzinfo=dt.UTC)  # 22:00 on 30 June in New York


@pytest.fixture
def new_york(tmp_path) -> Workspace:
    ws = Workspace.open(tmp_path / "ny")
    rows = [dict(order_id="o1", customer_id="ann@x.com", ordered_at="2024-05-01")]
    ws.commit(make_lines(rows), [])
    save_settings(ws, {("shop", "timezone"): "America/New_York"})
    return ws


def test_a_contact_mark_waits_from_the_shops_day(new_york):
    row = mark_alert(new_york, "ann@x.com", "contacted", now=LATE)
    assert row["marked_at"] == LATE.isoformat()  # stored in UTC
    assert row["until"] == "2024-07-30"  # 30 June (New York) + 30 days; UTC's day gave 31 July


def test_a_contact_mark_without_a_day_ends_on_the_shops_day():
    states = pl.DataFrame(
        {"customer_id": ["ann"], "state": ["contacted"], "until": [None], "marked_at": [LATE],
         "last_order_at": [dt.datetime(2024, 5, 1, tzinfo=dt.UTC)]},
        schema=STATE_SCHEMA,
    )  # fmt: skip
    last = states.select("customer_id", "last_order_at")
    alerts = pl.DataFrame({"customer_id": ["ann"]})
    day = dt.date(2024, 7, 31)  # 30 June + 30 in New York is over; 1 July + 30 in UTC is not
    assert not apply_states(alerts, states, last, day, "America/New_York")["hidden"][0]
    assert apply_states(alerts, states, last, day)["hidden"][0]
