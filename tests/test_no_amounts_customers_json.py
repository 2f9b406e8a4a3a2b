"""A shop whose exports carry no amounts (member visits: a member, a day, an item) lists its
customers in one order everywhere: most orders first, then the latest last order, then the
customer id (a column of zero spend orders nothing). `customers --json` and the plain CSV and
JSON tag exports give `monetary` empty, not 0.0 as if it were a figure. A shop with amounts
keeps its spend, biggest first."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.factories import cli_ok, import_file

FACT = "The imported exports carry no prices or totals: orders count as purchases, without revenue."

# member -> visit days (March 2015): ids in the opposite order to the expected one
VISITS = {
    "1001": ["01"],  # one visit
    "1002": ["02", "05", "10"],  # three visits, last on the 10th
    "1003": ["03", "12", "20"],  # three visits, last on the 20th
    "1004": ["04", "15", "20"],  # three visits, last on the 20th too: the id decides
    "1005": ["06", "20"],  # two visits
}
EXPECTED = ["generic:1003", "generic:1004", "generic:1002", "generic:1005", "generic:1001"]


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> str:
    rows = ["Member_number,Date,itemDescription"]
    for member, days in VISITS.items():
        rows += [f"{member},{day}-03-2015,item{i}" for i, day in enumerate(days)]
    return import_file(tmp_path_factory.mktemp("members"), "Groceries_dataset.csv", "\n".join(rows))


def test_customers_json_most_orders_first_and_no_spend(members: str) -> None:
    rows = json.loads(cli_ok(members, "customers", "--json"))
    # by hand: 1003, 1004 and 1002 have 3 visits (last on the 20th, 20th, 10th: 1003 before
    # 1004 by id), 1005 two, 1001 one
    assert [r["customer_id"] for r in rows] == EXPECTED
    assert [r["orders"] for r in rows] == [3, 3, 3, 2, 1]
    assert all(r["monetary"] is None for r in rows)
    limited = json.loads(cli_ok(members, "customers", "--json", "--limit", "2"))
    assert [r["customer_id"] for r in limited] == EXPECTED[:2]


def test_customers_json_of_a_segment_has_no_spend(members: str) -> None:
    segment = json.loads(cli_ok(members, "customers", "--json"))[0]["segment"]
    rows = json.loads(cli_ok(members, "customers", "--json", "--segment", segment))
    assert rows and all(r["monetary"] is None for r in rows)
    ids = [r["customer_id"] for r in rows]
    assert ids == [c for c in EXPECTED if c in ids]  # the same order, filtered


def test_the_table_lists_them_in_the_same_order(members: str) -> None:
    out = cli_ok(members, "customers")
    body = [line for line in out.splitlines() if "generic:" in line]
    assert [line.split("│")[1].strip() for line in body] == EXPECTED
    assert "0.00" not in out and " ".join(out.split()).count(FACT) == 1


def test_csv_and_json_exports_leave_spend_empty(members: str, tmp_path: Path) -> None:
    cli_ok(members, "export", "tags", "--to", "csv", "-o", str(tmp_path / "t.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 5 and all(r["monetary"] == "" for r in rows)
    assert [r["orders"] for r in rows] == ["1", "3", "3", "3", "2"]  # the exports: by id
    cli_ok(members, "export", "tags", "--to", "json", "-o", str(tmp_path / "t.json"))
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert len(data) == 5 and all(r["monetary"] is None for r in data)
    out = cli_ok(members, "customers", "--csv")
    assert all(r["monetary"] == "" for r in csv.DictReader(io.StringIO(out)))


def test_a_shop_with_amounts_keeps_its_spend(tmp_path: Path) -> None:
    ws = import_file(
        tmp_path,
        "orders.csv",
        "order_id,ordered_at,customer_id,sku,quantity,unit_price,currency\n"
        "A1,2024-03-01 10:00,c1,S1,2,5.00,EUR\n"
        "A2,2024-03-05 11:00,c2,S2,1,7.50,EUR\n"
        "A3,2024-03-06 11:00,c2,S2,1,1.00,EUR\n"
        "A4,2024-03-09 12:00,c3,S1,1,12.25,EUR\n",
    )
    rows = json.loads(cli_ok(ws, "customers", "--json"))
    # by hand: c3 12.25; c1 2 × 5.00 = 10.00; c2 7.50 + 1.00 = 8.50 (most orders, least spend)
    assert [(r["customer_id"], r["monetary"]) for r in rows] == [
        ("generic:c3", 12.25),
        ("generic:c1", 10.0),
        ("generic:c2", 8.5),
    ]
    cli_ok(ws, "export", "tags", "--to", "csv", "-o", str(tmp_path / "t.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert [r["monetary"] for r in rows] == ["10.00", "8.50", "12.25"]


def test_the_no_amounts_sentence_is_the_facts_own(members: str) -> None:
    from shopinsight.core.shop import Shop
    from shopinsight.core.shop_facts import no_amounts_text

    status = Shop.open(members).order_status()
    assert no_amounts_text(status) == FACT
    assert no_amounts_text({"facts": {"no_amounts": False}}) is None
    assert no_amounts_text({}) is None  # a status from before the facts
