"""The app's lists as CSV: chosen columns in order, lists joined, formulas defused."""

from __future__ import annotations

import io

import polars as pl

from shopinsight.core.table_csv import table_csv, write_table_csv


def test_columns_lists_and_formulas(tmp_path):
    frame = pl.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "name": ['=HYPERLINK("x")', "Ann"],
            "tags": [["vip", "-sale"], []],
            "spent": [10.123456, None],
            "ignored": [1, 2],
        }
    )
    text = table_csv(frame, {"customer_id": "ID", "name": "Name", "tags": "Tags", "x": "X",
                             "spent": "Spent"})  # fmt: skip
    back = pl.read_csv(io.StringIO(text), infer_schema=False)
    assert back.columns == ["ID", "Name", "Tags", "Spent"]
    assert back["Name"].to_list() == ['\'=HYPERLINK("x")', "Ann"]
    assert back["Tags"].to_list() == ["vip, -sale", ""]
    assert back["Spent"].to_list() == ["10.1235", None]
    path = write_table_csv(frame, {"customer_id": "ID"}, tmp_path / "new" / "t.csv")
    assert path.read_text(encoding="utf-8") == "ID\nc1\nc2\n"
    assert (path.stat().st_mode & 0o777) == 0o600  # it names customers: the owner's only


def test_money_to_the_cent_ratios_to_four_places_and_times_readable():
    import datetime as dt

    at = dt.datetime(2020, 10, 14, 17, 36, 9, tzinfo=dt.UTC)
    frame = pl.DataFrame(
        {
            "value_at_risk": [73.3527],
            "risk": [0.29564],
            "first_order": [at],
        }
    )
    text = table_csv(frame, {"value_at_risk": "Value at risk", "risk": "Risk",
                             "first_order": "First order"})  # fmt: skip
    assert text.splitlines()[1] == "73.35,0.2956,2020-10-14 17:36"
