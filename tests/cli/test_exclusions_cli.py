"""exclude / include / exclude --list, import --store and the new status keys, via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "generic"
ORDERS = (
    "order_id,date,customer,sku,qty,price,currency\n"
    "1,2024-01-01,owner@shop.com,A,1,10.00,USD\n"
    "2,2024-01-02,ann@x.com,A,1,10.00,USD\n"
    "3,2024-01-03,bob@x.com,A,2,10.00,USD\n"
    "C4,2024-01-04,bob@x.com,A,-1,10.00,USD\n"
)


def run(ws: Path, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args])


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    result = run(ws, "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    return ws


def _status(ws: Path) -> dict:
    result = run(ws, "status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_status_json_has_money_stores_and_exclusions(tmp_path):
    info = _status(_workspace(tmp_path))
    assert info["gross_revenue"] == {"USD": 40.0}
    assert info["returns"] == {"USD": 10.0}
    assert info["net_revenue"] == {"USD": 30.0}
    assert info["stores"] == [{"source": "generic", "store": "", "orders": 4}]
    assert info["excluded_orders"] == 0
    for key in ("lines", "orders", "customers", "open_orders", "first_order", "sources"):
        assert key in info


def test_exclude_list_and_include(tmp_path):
    ws = _workspace(tmp_path)
    result = run(ws, "exclude", "generic:1", "--reason", "my test order")
    assert result.exit_code == 0, result.output
    assert "Excluded order generic:1." in result.output
    result = run(ws, "exclude", "bob@x.com", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["excluded_orders"] == 3  # order 1, and bob's 3 and C4
    assert _status(ws)["excluded_orders"] == 3
    listed = json.loads(run(ws, "exclude", "--list", "--json").output)
    reasons = {o["order_id"]: o["excluded_reason"] for o in listed["orders"]}
    assert reasons == {
        "1": "excluded by hand (my test order)",
        "3": "excluded by hand",
        "C4": "excluded by hand",
    }
    table = run(ws, "exclude", "--list")
    assert table.exit_code == 0 and "generic:1 " in table.output and "(my" in table.output
    assert run(ws, "include", "generic:1").exit_code == 0
    assert _status(ws)["excluded_orders"] == 2
    again = run(ws, "include", "generic:1")
    assert again.exit_code == 0 and "was not excluded by hand" in again.output


def test_exclude_errors_are_clean(tmp_path):
    ws = _workspace(tmp_path)
    for args, words in (
        (["exclude", "nobody"], "No order or customer"),
        (["exclude"], "Nothing to exclude"),
        (["exclude", "1", "--order", "--customer"], "--order and --customer"),
    ):
        result = run(ws, *args)
        assert result.exit_code == 2, result.output
        assert words in result.output and "Traceback" not in result.output


def test_import_store_option(tmp_path):
    ws = tmp_path / "ws"
    assert run(ws, "import", str(DATA / "store_a.csv")).exit_code == 0
    refused = run(ws, "import", str(DATA / "store_b.csv"))
    assert refused.exit_code == 2 and "--store" in refused.output
    kept = run(ws, "import", str(DATA / "store_b.csv"), "--store", "second", "--json")
    assert kept.exit_code == 0, kept.output
    info = _status(ws)
    assert info["orders"] == 5
    assert [s["store"] for s in info["stores"]] == ["", "second"]
    bad = run(ws, "import", str(DATA / "store_b.csv"), "--store", "a:b")
    assert bad.exit_code == 2 and "without colons" in bad.output
