"""`shopinsight churn`, `churn backtest` and `churn mark` on a small hand-made workspace."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_churn import orders
from tests.core.test_churn_state import whole_list
from tests.factories import make_lines

runner = CliRunner()

ROWS = (
    orders("ann@x.com", [200, 170, 140, 110], 30.0)  # every 30 days, 110 days ago: lapsed
    + orders("bob@x.com", [90, 60, 30, 5])  # on time
    + orders("cat@x.com", [300], 80.0)  # one order long ago
    + orders("dan@x.com", [-3])  # first order after the as-of day used below
)


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop"
    ws = Workspace.open(path)
    ws.commit(make_lines(ROWS), [])
    whole_list(ws)
    return path


def run(shop, *args: str):
    return runner.invoke(app, ["--workspace", str(shop), "churn", *args])


def as_json(result) -> list | dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


AS_OF = ["--as-of", "2024-06-30"]


def test_json_lists_alerts_with_everything_needed(shop):
    data = as_json(run(shop, "--json", *AS_OF))
    # save now (due 80 days ago) before win back (one order 300 days ago)
    assert [(d["customer_id"], d["list"]) for d in data] == [
        ("ann@x.com", "save_now"),
        ("cat@x.com", "win_back"),
    ]
    ann = data[0]
    for key in ("customer_id", "risk", "value_at_risk", "expected_next_order", "reasons",
                "action", "state"):  # fmt: skip
        assert key in ann
    assert ann["expected_next_order"] == "2024-04-11"  # last order + 30 days
    assert ann["reasons"][0] == "usually orders every 30 days, now 110 days (3.7×)"
    assert ann["state"] == "new" and ann["is_alert"] is True and 0 <= ann["risk"] <= 1


def test_all_scores_every_customer_with_an_order(shop):
    everyone = as_json(run(shop, "--json", "--all", *AS_OF))
    assert {d["customer_id"] for d in everyone} == {"ann@x.com", "bob@x.com", "cat@x.com"}
    bob = next(d for d in everyone if d["customer_id"] == "bob@x.com")
    assert bob["is_alert"] is False and bob["status"] == "active"
    assert len(as_json(run(shop, "--json", "--all", "--top", "1", *AS_OF))) == 1


def test_as_of_ignores_later_orders_and_defaults_to_the_last_order(shop):
    latest = as_json(run(shop, "--json", "--all"))
    assert "dan@x.com" in {d["customer_id"] for d in latest}
    ann = next(d for d in latest if d["customer_id"] == "ann@x.com")
    assert ann["days_since_last_order"] == 113


def test_horizon_option_reaches_the_analysis(shop):
    short = as_json(run(shop, "backtest", "--json", "--horizon", "30", *AS_OF))
    assert short["horizon_days"] == 30 and short["as_of"] == "2024-05-31"
    refused = run(shop, "--horizon", "0")
    assert refused.exit_code != 0 and "greater than or equal to 1" in refused.output


def test_table_shows_reasons_action_and_backtest(shop):
    result = run(shop, *AS_OF)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Churn as of 2024-06-30" in out and "cadence rule" in out
    assert "ann@x.com" in out and "usually orders every 30 days" in out
    assert "Backtest as of 2024-04-01" in out


def test_backtest_command_compares_model_and_rule(shop):
    data = as_json(run(shop, "backtest", "--json", *AS_OF))
    assert data["as_of"] == "2024-04-01" and data["method"] == "rule"
    assert data["model"] is None and "repeat customers" in data["model_note"]
    assert set(data["rule"]) == {"auc", "precision", "recall", "top10_capture", "alerts"}
    assert set(data["recency"]) == set(data["rule"])  # recency alone, always shown beside
    table = run(shop, "backtest", *AS_OF)
    assert table.exit_code == 0 and "ROC-AUC" in table.stdout and "Rule (used)" in table.stdout


def test_mark_snoozed_hides_the_alert_and_new_brings_it_back(shop):
    marked = run(shop, "mark", "ANN@x.com", "snoozed", "--until", "2024-07-15")
    assert marked.exit_code == 0, marked.output
    assert "ann@x.com marked snoozed until 2024-07-15" in marked.stdout
    assert [d["customer_id"] for d in as_json(run(shop, "--json", *AS_OF))] == ["cat@x.com"]
    everyone = as_json(run(shop, "--json", "--all", *AS_OF))
    assert next(d for d in everyone if d["customer_id"] == "ann@x.com")["state"] == "snoozed"
    assert run(shop, "mark", "ann@x.com", "new").exit_code == 0
    assert len(as_json(run(shop, "--json", *AS_OF))) == 2


def test_mark_contacted_and_dismissed(shop):
    assert as_json(run(shop, "mark", "cat@x.com", "contacted", "--json"))["state"] == "contacted"
    assert "cat@x.com" not in {d["customer_id"] for d in as_json(run(shop, "--json", *AS_OF))}
    data = as_json(run(shop, "--json", "--all", *AS_OF))
    cat = next(d for d in data if d["customer_id"] == "cat@x.com")
    assert cat["state"] == "contacted" and not cat["is_alert"] and cat["list"] == "win_back"
    bob = next(d for d in data if d["customer_id"] == "bob@x.com")
    assert bob["list"] is None and not bob["is_alert"]
    assert run(shop, "mark", "cat@x.com", "dismissed").exit_code == 0
    assert [d["customer_id"] for d in as_json(run(shop, "--json", *AS_OF))] == ["ann@x.com"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@x.com", "contacted"], "No customer"),
        (["ann@x.com", "snoozed"], "Snooze until when?"),
        (["ann@x.com", "snoozed", "--until", "next week"], "Bad --until date"),
        (["ann@x.com", "archived"], "Unknown alert state"),
    ],
    ids=["unknown-customer", "snooze-without-date", "bad-date", "unknown-state"],
)
def test_bad_marks_exit_2_with_a_clear_message(shop, args, message):
    result = run(shop, "mark", *args)
    assert result.exit_code == 2
    assert message in result.output
