"""The views of a shop whose exports carry no amounts (member visits: a member, a day, an item)
show no money as if it were a figure: `customers`, `segments` and `explain` drop their money
columns and phrases and say once why (the core's sentence, `status["facts"]`); "what changed"
names the orders at risk its churn alerts are ranked by, not "0.00 at risk"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app

runner = CliRunner()

FACT = "The imported exports carry no prices or totals: orders count as purchases, without revenue."


def _members(tmp_path: Path, name: str = "Groceries_dataset.csv", months: int = 3) -> str:
    """Member visits as the Groceries data set has them: member, day, item; no money."""
    rows = ["Member_number,Date,itemDescription"]
    for member in range(1000, 1012):
        for visit in range(1 + member % 4):
            rows.append(f"{member},{1 + visit * 7:02d}-0{1 + member % months}-2015,item{visit}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["-w", str(ws), "import", str(path)])
    assert result.exit_code == 0, result.output
    return str(ws)


def _run(ws: str, *args: str) -> str:
    result = runner.invoke(app, ["-w", ws, *args], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _members(tmp_path_factory.mktemp("members"))


def test_customers_table_has_no_money_column(members: str) -> None:
    out = _run(members, "customers")
    assert "0.00" not in out and "unknown" not in out
    head = out.split("\n", 3)
    assert "Customers as of 2015-03-" in head[0] and "(" not in head[0]
    assert " net " not in out.split("Note:")[0]
    assert out.count(FACT) == 1
    # most orders first (a column of zeros is no order): member 1003 has 4 visits, 1000 one
    body = [line for line in out.splitlines() if "generic:" in line]
    orders = [int(line.split("│")[4]) for line in body]
    assert orders == sorted(orders, reverse=True) and orders[0] == 4


def test_customers_of_a_segment_has_no_money_column(members: str) -> None:
    segment = json.loads(_run(members, "customers", "--json"))[0]["segment"]
    out = _run(members, "customers", "--segment", segment)
    assert "0.00" not in out and "unknown" not in out and out.count(FACT) == 1


def test_segments_drop_revenue_and_m_columns(members: str) -> None:
    out = _run(members, "segments")
    assert "net (" not in out and "of net" not in out and "M: net" not in out
    assert "monetary:" not in out  # the M cut points are not used: the segment note says why
    assert "Spend (M) is not scored" in out
    assert out.count(FACT) == 1
    assert "R: days since last order" in out and "F: order days" in out


def test_explain_says_no_spend(members: str) -> None:
    who = json.loads(_run(members, "customers", "--json"))[0]["customer_id"]
    out = _run(members, "explain", who)
    assert "net spend" not in out and "average order" not in out and "0.00" not in out
    assert "favourite: item" in out
    assert out.count(FACT) == 1
