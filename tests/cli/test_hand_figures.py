"""Headline figures as a hand count from the raw file reads them: the average order is over
every order sold (a buyer known or not, as revenue is); a file without amounts still has
customers who came back; a report of amounts in no named currency still shows them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app

runner = CliRunner()

ORDERS = (
    "Order ID,Customer,Date,Product,Quantity,Price,Currency\n"
    "1,ann,2024-01-05,Mug,1,10,EUR\n"
    "2,ann,2024-02-05,Mug,2,10,EUR\n"
    "3,,2024-02-06,Tea,1,40,EUR\n"  # no buyer: in revenue, so in the average order too
    "4,bob,2024-03-01,Tea,1,30,EUR\n"
)

VISITS = (  # member visits without any price (Groceries_dataset.csv's layout)
    "Member_number,Date,itemDescription\n"
    "1000,15-03-2015,whole milk\n"
    "1000,15-03-2015,pastry\n"
    "1000,24-06-2015,soda\n"
    "1001,07-05-2015,rolls/buns\n"
)


def _import(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ws = str(tmp_path / "ws")
    result = runner.invoke(app, ["-w", ws, "import", str(path)])
    assert result.exit_code == 0, result.output
    return ws


def test_average_order_is_revenue_over_orders_sold(tmp_path: Path):
    ws = _import(tmp_path, "orders.csv", ORDERS)
    status = json.loads(runner.invoke(app, ["-w", ws, "status", "--json"]).output)
    # by hand: (10 + 20 + 40 + 30) / 4 orders = 25 (not 20, the mean of the buyers' 3)
    assert status["net_revenue"] == {"EUR": 100.0}
    assert status["aov"] == {"EUR": 25.0}
    assert (status["customers"], status["counted_orders"]) == (2, 3)


def test_a_file_without_amounts_still_has_customers(tmp_path: Path):
    ws = _import(tmp_path, "Groceries_dataset.csv", VISITS)
    status = json.loads(runner.invoke(app, ["-w", ws, "status", "--json"]).output)
    # by hand: 2 members, 3 member-days, member 1000 came back on 24 June
    assert (status["orders"], status["counted_orders"]) == (3, 3)
    assert (status["customers"], status["repeat_customers"]) == (2, 1)
    shown = runner.invoke(app, ["-w", ws, "explain", "1000"])
    assert shown.exit_code == 0, shown.output
    assert "1000" in shown.output


def test_report_shows_amounts_of_no_named_currency(tmp_path: Path):
    text = ORDERS.replace(",Currency", "").replace(",EUR", "")
    ws = _import(tmp_path, "orders.csv", text)
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["-w", ws, "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<div class="kpi" data-kpi="net_revenue"><b>100.00</b>' in html
    assert '<div class="kpi" data-kpi="aov"><b>25.00</b>' in html
    assert "No data" not in html.split("by month", 1)[1][:400]
