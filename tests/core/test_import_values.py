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
