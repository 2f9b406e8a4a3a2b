"""A customer named as the merchant's own export names them: `churn mark`, `exclude` and the
core lookup accept the stored id, an email, the export's own id (without the marketplace) and a
name, and refuse to guess between two customers."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.customer_lookup import customer_candidates, find_customer_key
from shopinsight.core.errors import InputError

runner = CliRunner()

# Online Retail's layout: the customer is a number, stored as generic:<number>
ORDERS = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,A,Mug,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    "536366,B,Bowl,2,12/1/2010 8:28,1.85,13047,United Kingdom\n"
    "536367,A,Mug,1,12/3/2010 9:00,2.55,13047,United Kingdom\n"
)


def run(ws: Path, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args])


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "Online Retail.csv"
    path.write_text(ORDERS, encoding="utf-8")
    ws = tmp_path / "ws"
    result = run(ws, "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    return ws


def test_churn_mark_takes_the_id_from_the_export(ws):
    result = run(ws, "churn", "mark", "13047", "contacted", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customer_id"] == "generic:13047"


def test_exclude_takes_the_id_from_the_export(ws):
    result = run(ws, "exclude", "17850", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["excluded_orders"] == 1
    listed = json.loads(run(ws, "exclude", "--list", "--json").output)
    assert [(r["kind"], r["key"]) for r in listed["by_hand"]] == [("customer", "generic:17850")]
    assert [r["net_revenue"] for r in listed["orders"]] == [15.3]  # 6 × 2.55, in cents


def test_unknown_customer_is_a_clear_error(ws):
    result = run(ws, "churn", "mark", "99999", "contacted")
    assert result.exit_code == 2
    assert "No customer '99999'" in result.output
    assert "Traceback" not in result.output


CUSTOMERS = pl.DataFrame(
    {
        "customer_id": ["generic:12347", "etsy:12347", "a@b.com", "etsy:katie", "generic:9"],
        "email": [None, None, "a@b.com", "K@X.com", None],
        "customer_name": ["Jo  Smith", None, None, "Katie Kim", "Katie Kim"],
    }
)


@pytest.mark.parametrize(
    ("typed", "found", "way"),
    [
        ("generic:12347", ["generic:12347"], "id"),
        ("GENERIC:12347", ["generic:12347"], "id"),
        (" A@B.com ", ["a@b.com"], "id"),
        ("k@x.com", ["etsy:katie"], "email"),
        ("katie", ["etsy:katie"], "id in your export"),
        ("9", ["generic:9"], "id in your export"),
        ("jo smith", ["generic:12347"], "name"),
        ("12347", ["etsy:12347", "generic:12347"], "id in your export"),
        ("Katie Kim", ["etsy:katie", "generic:9"], "name"),
        ("nobody", [], ""),
        ("  ", [], ""),
    ],
)
def test_candidates_by_the_first_way_that_finds_anyone(typed, found, way):
    assert customer_candidates(CUSTOMERS, typed) == (found, way)


def test_two_customers_are_never_guessed_between():
    with pytest.raises(InputError) as err:
        find_customer_key(CUSTOMERS.lazy(), "12347", "unused")
    assert "fits 2 customers" in str(err.value)
    assert "etsy:12347, generic:12347" in err.value.detail


def test_lines_with_many_rows_per_customer_count_each_customer_once():
    lines = pl.concat([CUSTOMERS] * 3)
    assert find_customer_key(lines, "k@x.com", "unused") == "etsy:katie"


def test_explain_takes_the_id_from_the_export_and_says_money_with_separators(tmp_path):
    path = tmp_path / "Online Retail.csv"
    path.write_text(ORDERS + "536368,A,Mug,1000,12/3/2010 10:00,2.55,17850,United Kingdom\n")
    ws = tmp_path / "ws"
    assert run(ws, "import", str(path), "--json").exit_code == 0
    result = run(ws, "explain", "17850")
    assert result.exit_code == 0, result.output
    assert "generic:17850" in result.output
    # 6 × 2.55 + 1000 × 2.55 = 2,565.30, in the sentence a merchant reads
    reason = json.loads(run(ws, "customers", "--json").output)
    assert (
        "net 2,565.30" in next(r for r in reason if r["customer_id"] == "generic:17850")["reason"]
    )
