"""Amounts as spreadsheets and marketplaces write them."""

from __future__ import annotations

import polars as pl
import pytest

from shopinsight.core.importers.values import money_series


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12.-", 12.0),  # German / Swiss whole amount
        ("€ 12,-", 12.0),
        ("CHF 1’234.-", 1234.0),
        ("12.00-", -12.0),  # SAP's trailing minus
        ("(1,234.56)", -1234.56),
        ("-€12,50", -12.5),
        ("R$ 1.234,56", 1234.56),
    ],
)
def test_money(text, amount):
    assert money_series(pl.Series([text])).to_list() == [amount]


def test_generic_amounts_written_with_a_currency_give_it(tmp_path):
    """No currency column, no [shop] currency: amounts written `£2.55` (and plain ones) are
    GBP, said in a warning; a file mixing £ and € stays without one."""
    from shopinsight.core.importers import load_file

    head = "order_id,customer_id,date,product,qty,price\n"
    path = tmp_path / "pounds.csv"
    path.write_text(head + "1,c1,2024-01-05,Mug,1,£2.55\n2,c2,2024-01-06,Tea,2,3.00\n")
    loaded = load_file(path)
    assert loaded.lines["currency"].to_list() == ["GBP", "GBP"]
    assert loaded.lines["unit_price"].to_list() == [2.55, 3.0]
    assert any("written in GBP" in w for w in loaded.warnings)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(head + "1,c1,2024-01-05,Mug,1,£2.55\n2,c2,2024-01-06,Tea,2,€3.00\n")
    assert load_file(mixed).lines["currency"].to_list() == [None, None]
