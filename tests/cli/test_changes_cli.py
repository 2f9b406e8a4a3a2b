"""`shopinsight changes`: import the first half of a hand-made shop, then all of it; the changes
list exactly the customers who first bought in the second half."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace

runner = CliRunner()

HEADER = "order_id,customer_id,ordered_at,sku,product_name,quantity,line_total,currency"
FIRST_HALF = [
    "1,ann,2024-01-05 10:00,MUG,Mug,1,10.00,USD",
    "2,bob,2024-01-20 10:00,TEA,Tea,2,10.00,USD",
    "3,ann,2024-02-10 10:00,TEA,Tea,1,5.00,USD",
    "4,cat,2024-02-28 10:00,MUG,Mug,1,10.00,USD",
]
SECOND_HALF = [
    "5,dan,2024-03-05 10:00,MUG,Mug,1,10.00,USD",
    "6,ann,2024-03-10 10:00,MUG,Mug,1,10.00,USD",
    "7,eve,2024-03-20 10:00,TEA,Tea,3,15.00,USD",
    "8,bob,2024-04-02 10:00,TEA,Tea,1,5.00,USD",
    "9,<b>fay</b>,2024-04-15 10:00,MUG,Mug,1,10.00,USD",
]


def invoke(ws, *args: str):
    return runner.invoke(app, ["--workspace", str(ws), *args], env={"COLUMNS": "100"})


@pytest.fixture
def ws(tmp_path):
    half = tmp_path / "half.csv"
    whole = tmp_path / "whole.csv"
    half.write_text("\n".join([HEADER, *FIRST_HALF]) + "\n")
    whole.write_text("\n".join([HEADER, *FIRST_HALF, *SECOND_HALF]) + "\n")
    path = tmp_path / "ws"
    for f in (half, whole):
        result = invoke(path, "import", str(f))
        assert result.exit_code == 0, result.output
    return path


def test_changes_since_last_import_lists_the_second_half_newcomers(ws):
    result = invoke(ws, "changes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"new_customers", "segment_moves", "alerts_resolved", "new_alerts", "bundles_new",
            "bundles_gone", "since"} <= set(data)  # fmt: skip
    assert data["since"]["day"] == "2024-02-28"  # the first half's last order day
    assert data["since"]["import"] == "half.csv"
    new = sorted(c["customer_id"].split(":", 1)[1] for c in data["new_customers"])
    assert new == ["<b>fay</b>", "dan", "eve"]
    assert data["as_of"] == "2024-04-15"


def test_a_second_store_in_the_later_import_does_not_move_the_cut(tmp_path):
    """The import records the day its data ended: older orders of another store imported later
    do not pull the cut back (counting ledger lines put it on 2024-01-20 and listed cat)."""
    half, whole, other = (tmp_path / n for n in ("half.csv", "whole.csv", "other.csv"))
    half.write_text("\n".join([HEADER, *FIRST_HALF]) + "\n")
    whole.write_text("\n".join([HEADER, *FIRST_HALF, *SECOND_HALF]) + "\n")
    other.write_text(
        "\n".join([
            HEADER,
            "101,kim,2024-01-02 10:00,CUP,Cup,1,8.00,USD",
            "102,lou,2024-01-03 10:00,CUP,Cup,1,8.00,USD",
            "103,kim,2024-03-12 10:00,CUP,Cup,1,8.00,USD",
            "104,lou,2024-04-01 10:00,TEA,Tea,1,5.00,USD",
        ]) + "\n"
    )  # fmt: skip
    ws = tmp_path / "ws"
    assert invoke(ws, "import", str(half)).exit_code == 0
    assert invoke(ws, "import", str(whole), str(other)).exit_code == 0  # one batch
    result = invoke(ws, "changes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["since"]["day"] == "2024-02-28" and data["since"]["import"] == "half.csv"
    new = sorted(c["customer_id"].split(":", 1)[1] for c in data["new_customers"])
    assert new == ["<b>fay</b>", "dan", "eve"]
    ledger = Workspace(ws).ledger()
    assert [r["last_order_day"] for r in ledger] == ["2024-02-28", "2024-04-15", "2024-04-15"]
    assert ledger[0]["version"] < ledger[1]["version"] == ledger[2]["version"]  # two batches


def test_changes_since_a_day_and_by_import_number(ws):
    by_day = json.loads(invoke(ws, "changes", "--since", "2024-03-15", "--json").stdout)
    assert sorted(c["customer_id"].split(":", 1)[1] for c in by_day["new_customers"]) == [
        "<b>fay</b>", "eve"
    ]  # fmt: skip
    by_number = json.loads(invoke(ws, "changes", "--since", "1", "--json").stdout)
    assert by_number["since"]["day"] == "2024-02-28"


def test_changes_table_and_errors(ws):
    result = invoke(ws, "changes")
    assert result.exit_code == 0, result.output
    assert "New customers: 3" in result.output
    assert "<b>fay</b>" in result.output  # shown as text
    bad = invoke(ws, "changes", "--since", "nope.csv")
    assert bad.exit_code == 2
    assert "No import" in bad.output


def test_changes_needs_a_previous_import(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("\n".join([HEADER, *FIRST_HALF]) + "\n")
    invoke(tmp_path / "ws", "import", str(f))
    result = invoke(tmp_path / "ws", "changes")
    assert result.exit_code == 2
    assert "Only one import" in result.output


def test_cut_takes_the_batch_before_the_last_and_the_nth_oldest_line():
    import datetime as dt

    import polars as pl

    from shopinsight.core.errors import InputError
    from shopinsight.core.insights.changes import choose_cut

    days = [dt.datetime(2024, 1, d, 12, tzinfo=dt.UTC) for d in range(1, 11)]
    lines = pl.LazyFrame({"ordered_at": days})
    ledger = [
        {"file": "a.csv", "new_lines": 3, "imported_at": "2024-01-04T08:00:00+0000"},
        {"file": "b.csv", "new_lines": 2, "imported_at": "2024-01-06T08:00:00+0000"},
        {"file": "c.csv", "new_lines": 4, "imported_at": "2024-01-11T08:00:00+0000"},
        {"file": "d.csv", "new_lines": 1, "imported_at": "2024-01-11T08:00:00+0000"},
    ]
    cut = choose_cut(ledger, lines, None)  # c and d are one batch: the previous is b
    assert (cut.day, cut.import_file) == (dt.date(2024, 1, 5), "b.csv")
    assert choose_cut(ledger, lines, "a.csv").day == dt.date(2024, 1, 3)
    # never after the day the import was made
    early = [{**ledger[0], "imported_at": "2024-01-02T08:00:00+0000"}, *ledger[1:]]
    assert choose_cut(early, lines, "1").day == dt.date(2024, 1, 2)
    # a record that stored its last order day is taken at its word; older ones are counted
    stored = [ledger[0], {**ledger[1], "last_order_day": "2024-01-09"}, *ledger[2:]]
    assert choose_cut(stored, lines, None).day == dt.date(2024, 1, 9)
    assert choose_cut(stored, lines, "1").day == dt.date(2024, 1, 3)
    # batches told apart by the workspace version they wrote, even within one second
    same = "2024-01-11T08:00:00+0000"
    versions = zip(ledger, [1, 2, 3, 3], strict=True)
    versioned = [{**r, "imported_at": same, "version": v} for r, v in versions]
    assert choose_cut(versioned, lines, None).import_file == "b.csv"
    with pytest.raises(InputError, match="Only one import"):
        choose_cut([{**r, "version": 7} for r in ledger], lines, None)


def test_bad_or_late_since_day_is_a_clear_error(ws):
    bad = invoke(ws, "changes", "--since", "2024-13-01")
    assert bad.exit_code == 2 and "Bad --since day" in bad.output
    late = invoke(ws, "changes", "--since", "2099-01-01")
    assert late.exit_code == 2 and "Nothing to compare yet" in late.output


def _start_campaign(ws, started_on: str, days: int) -> int:
    """A gift campaign as `gifts campaign start` records it: ann and bob gifted, cat held back."""
    import datetime as dt

    import polars as pl

    from shopinsight.core.gifts.campaigns import start_campaign

    plan = pl.DataFrame(
        {
            "customer_id": ["generic:ann", "generic:bob", "generic:cat"],
            "segment": ["Loyal", "Loyal", "Loyal"],
            "is_gift": [False, False, False],
            "source": ["generic"] * 3,
            "order_id": ["3", "2", "4"],
            "gift_kind": ["sample"] * 3,
            "gift_sku": ["TEA"] * 3,
            "gift": ["Tea"] * 3,
            "gift_cost": [1.0] * 3,
        }
    )
    with Workspace.open(ws).db() as conn:
        cid, _ = start_campaign(conn, plan, dt.date.fromisoformat(started_on), "USD", 0.34, 1, days)
    return cid


def test_a_campaign_whose_window_ended_since_the_cut_is_listed(ws):
    """Window ended after the cut (2024-02-28) and by now (2024-04-15): readable now; one that
    ends later, or ended before the cut, is not a change."""
    readable = _start_campaign(ws, "2024-02-10", 30)  # ends 2024-03-11
    _start_campaign(ws, "2024-03-20", 90)  # ends 2024-06-18: not yet
    data = json.loads(invoke(ws, "changes", "--json").stdout)
    [row] = data["campaigns_readable"]
    assert row["campaign_id"] == readable and row["readable_on"] == "2024-03-11"
    assert (row["gift"], row["control"]) == (2, 1) and row["result"]
    shown = " ".join(invoke(ws, "changes").output.split())  # table cells wrap with the width
    assert "Gift campaigns whose results can now be read: 1" in shown
    assert f"report --id {readable}" in shown
    later = json.loads(invoke(ws, "changes", "--since", "2024-03-20", "--json").stdout)
    assert later["campaigns_readable"] == []  # ended before that cut
