"""`shopinsight value` on a simulated workspace: table, JSON keys, horizon, backtest."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_churn_value import START, simulated_rows
from tests.factories import make_lines

runner = CliRunner()
AS_OF = ["--as-of", (START + dt.timedelta(days=600)).isoformat()]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("value") / "shop"
    Workspace.open(path).commit(make_lines(simulated_rows(400, 104, seed=4)), [])
    return path


def run(shop, *args: str):
    result = runner.invoke(app, ["--workspace", str(shop), "value", *args])
    assert result.exit_code == 0, result.output
    return result


def test_json_has_the_documented_keys_and_a_backtest(shop):
    out = json.loads(run(shop, *AS_OF, "--top", "5", "--json").stdout)
    assert len(out["customers"]) == 5
    keys = {"customer_id", "expected_orders", "expected_value", "p_alive", "tier", "currency"}
    assert keys | {"low", "high"} == set(out["customers"][0])
    values = [c["expected_value"] for c in out["customers"]]
    assert values == sorted(values, reverse=True)
    assert out["horizon_days"] == 365
    bt = out["backtest"]
    assert {"total_ratio", "spearman", "top10_capture", "horizon_days"} <= set(bt)
    assert bt["horizon_days"] == 365
    # 600 days of history cannot replay a 700-day horizon: a shorter replay, and it says so
    bt = json.loads(run(shop, *AS_OF, "--horizon", "700", "--json").stdout)["backtest"]
    assert 500 < bt["horizon_days"] <= 600 - 14
    assert "too short for 700" in bt["note"]


def test_horizon_all_and_table(shop):
    short = json.loads(run(shop, *AS_OF, "--horizon", "90", "--all", "--json").stdout)
    long = json.loads(run(shop, *AS_OF, "--all", "--json").stdout)
    assert short["horizon_days"] == 90
    assert len(short["customers"]) == len(long["customers"]) == sum(long["tiers"].values())
    total = sum(c["expected_value"] for c in short["customers"])
    assert total < sum(c["expected_value"] for c in long["customers"])
    text = run(shop, *AS_OF, "--top", "3").output
    assert "Expected spend over the next 365 days" in text
    assert "Backtest replayed as of" in text and "rank correlation" in text


def test_the_table_names_customers_as_the_app_does(tmp_path):
    """A customer with a name in the export is shown by name, one without (c0) by id."""
    rows = simulated_rows(400, 104, seed=4)
    for r in rows:
        if r["customer_id"] != "c0":
            r["customer_name"] = f"Name {r['customer_id']}"
    path = tmp_path / "shop"
    Workspace.open(path).commit(make_lines(rows), [])
    data = json.loads(run(path, *AS_OF, "--all", "--json").stdout)
    text = run(path, *AS_OF, "--all").output
    ids = [c["customer_id"] for c in data["customers"]]
    assert "c0" in ids and re.search(r"│ c0 +│", text)  # no name: the id
    for cid in ids[:3]:
        assert re.search(rf"│ Name {cid} +│", text) and not re.search(rf"│ {cid} +│", text)


def test_a_backtest_with_nothing_spent_says_so_in_words():
    from shopinsight.cli.value import backtest_line

    bt = {
        "horizon_days": 365,
        "note": "replayed as of 2024-12-06 over the next 365 days",
        "customers": 2264,
        "total_ratio": None,
        "spearman": None,
        "top10_capture": None,
    }
    line = backtest_line(bt)
    assert "—" not in line and "2,264 customers spent nothing in that period" in line


def test_a_one_order_customer_is_not_shown_as_surely_still_buying(shop):
    """BG/NBD gives P(alive) = 1 to anyone with a single order (it cannot see them stop):
    the table shows a dash there, explains it, and keeps the figure for repeat buyers."""
    data = json.loads(run(shop, *AS_OF, "--all", "--json").stdout)
    text = run(shop, *AS_OF, "--all").output
    rows = [ln for ln in text.splitlines() if ln.startswith("│")]
    assert len(rows) == len(data["customers"])
    cells = [[c.strip() for c in ln.strip("│").split("│")] for ln in rows]
    assert any(c[-1] == "—" for c in cells) and any(c[-1].endswith("%") for c in cells)
    assert "after a single order it cannot tell" in " ".join(text.split())
