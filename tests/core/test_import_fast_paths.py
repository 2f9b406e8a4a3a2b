"""The shortcuts that make big imports fast give the same answers as the general paths."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shopinsight.core.importers import load_file
from shopinsight.core.importers.base import customer_key, line_numbers
from shopinsight.core.importers.reconcile import is_sorted, keys_unique, merge_into
from shopinsight.core.importers.values import (
    bad_values,
    boolean_series,
    datetime_series,
    money_series,
    sniff_date_formats,
)
from shopinsight.core.schema import normalise_email
from tests.core.test_importers_shopify import order, write_shopify
from tests.factories import make_lines

UTC = dt.UTC


def test_values_parse_fast_and_fall_back_per_row():
    # plain values take the fast cast; only the others are cleaned and read with the text rules
    amounts = pl.Series(["12.50", " $3.00", "1,200", "N/A", "(5)", "abc", None, "'7"])
    assert money_series(amounts).to_list() == [12.5, 3.0, 1200.0, None, -5.0, None, None, 7.0]
    reasons = bad_values(amounts, money_series(amounts), "amount", "Total")
    assert reasons.to_list() == [None] * 5 + ["bad amount 'abc' in column 'Total'", None, None]
    assert bad_values(pl.Series(["1", None]), pl.Series([1.0, None]), "amount", "x") is None
    flags = pl.Series(["true", "no", " Yes ", "TRUE", "maybe", None, "是"])
    assert boolean_series(flags).to_list() == [True, False, True, True, None, None, True]


def test_dates_fall_back_to_cleaning_and_later_formats_row_by_row():
    values = pl.Series(
        ["2024-01-05 10:00:00 -0500", " 2024-01-05 10:00:00 +0000", "'2024-01-06 10:00:00 +0000",
         "0022-01-01 10:00:00 +0000", "2024-01-07", "soon", None]
    )  # fmt: skip
    parsed = datetime_series(values, ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d"], "Europe/Rome")
    assert parsed.to_list() == [
        dt.datetime(2024, 1, 5, 15, tzinfo=UTC),
        dt.datetime(2024, 1, 5, 10, tzinfo=UTC),
        dt.datetime(2024, 1, 6, 10, tzinfo=UTC),
        None,  # year 22 is no order date
        dt.datetime(2024, 1, 6, 23, tzinfo=UTC),  # midnight in Rome
        None,
        None,
    ]


def test_date_sniffing_samples_big_columns_but_finds_every_common_format():
    us = [f"{m:02d}/{d:02d}/2023" for m in range(1, 13) for d in range(1, 29)]
    iso = [f"2023-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    values = pl.Series((us * 50)[:30_000] + (iso * 50)[:20_000])
    assert set(sniff_date_formats(values)) == {"%m/%d/%Y", "%Y-%m-%d"}


def test_line_numbers_for_contiguous_and_scattered_orders():
    assert line_numbers(pl.Series(["a", "a", "b", "c", "c", "c"])).to_list() == [1, 2, 1, 1, 2, 3]
    # "a" comes back after "b": numbered as one order, in row order
    assert line_numbers(pl.Series(["a", "b", "a", "a"])).to_list() == [1, 1, 2, 3]


def test_merge_still_deduplicates_when_keys_repeat():
    lines = make_lines(
        [
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="A", quantity=1),
            dict(order_id=2, customer_id="b@x.com", ordered_at="2024-01-02", sku="B", quantity=1),
            dict(order_id=1, customer_id="a@x.com", ordered_at="2024-01-01", sku="C", quantity=3),
        ]
    ).with_columns(pl.lit(1, pl.Int32).alias("line_no"))
    assert not keys_unique(lines)
    merged, result = merge_into(None, lines)
    assert result.new_lines == 2
    assert merged.filter(pl.col("order_id") == "1")["sku"].to_list() == ["C"]  # last one wins
    assert keys_unique(merged)


def _shopify_rows():
    return (
        order("#1002", "b@x.com", "2024-01-02 10:00:00 +0000",
              [("Tea", 1, "5.00"), ("Pot", 1, "20.00")], Total="25.00")
        + order("#1001", "A@x.com", "2024-01-01 10:00:00 +0000",
                [("Mug", 2, "10.00"), ("Tip", 1, "2.00")], Total="22.00")
    )  # fmt: skip


def test_shopify_lines_come_out_in_workspace_order(tmp_path):
    lines = load_file(write_shopify(tmp_path / "o.csv", _shopify_rows())).lines
    assert lines["order_id"].to_list() == ["#1001", "#1001", "#1002", "#1002"]
    assert lines["line_no"].to_list() == [1, 2, 1, 2]
    assert lines["product_name"].to_list() == ["Mug", "Tip", "Tea", "Pot"]
    assert is_sorted(lines) and not is_sorted(lines.reverse())


def test_shopify_orders_split_across_the_file_get_their_fields(tmp_path):
    rows = _shopify_rows()
    together = load_file(write_shopify(tmp_path / "a.csv", rows)).lines
    split = load_file(write_shopify(tmp_path / "b.csv", [rows[0], rows[2], rows[3], rows[1]]))
    assert split.lines.equals(together)
    assert split.lines["order_total"].to_list() == [22.0, 22.0, 25.0, 25.0]


@pytest.mark.parametrize("padded", [0, 1])
def test_shopify_padded_order_name_stays_one_order(tmp_path, padded):
    rows = _shopify_rows()
    rows[padded]["Name"] = " #1002 "  # first row (with the order fields) or a continuation row
    loaded = load_file(write_shopify(tmp_path / "o.csv", rows))
    assert loaded.rows_read == 4 == loaded.lines.height + loaded.rejects.height
    tea = loaded.lines.filter(pl.col("order_id") == "#1002")
    assert tea["order_total"].to_list() == [25.0, 25.0]
    assert tea["customer_id"].to_list() == ["b@x.com", "b@x.com"]
    assert tea["line_no"].to_list() == [1, 2]


def test_shopify_dates_read_fast_match_the_general_parser():
    # local time minus the offset; every other shape is left to strptime, which decides
    values = pl.Series(
        ["2024-03-01 12:34:56 +0530", "2024-03-01 12:34:56 -0930", "2024-03-01 12:34:56 -0000",
         "2024-03-01 12:34:56 +2400", "2024-03-01 12:34:56 +0099", "2024-03-01 12:34:56 0100",
         "2024-03-01 12:34:56 +01:00", "2024-02-30 12:34:56 +0100", "2024-03-01 24:00:00 +0100",
         "2024-03-01T12:34:56 +0100", "", "x" * 25, None]
    )  # fmt: skip
    fmt = "%Y-%m-%d %H:%M:%S %z"
    general = values.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
    assert datetime_series(values, [fmt]).equals(general)
    assert datetime_series(values[:3], [fmt]).equals(general[:3])  # every value well formed
    assert datetime_series(values, [fmt])[:3].to_list() == [
        dt.datetime(2024, 3, 1, 7, 4, 56, tzinfo=UTC),
        dt.datetime(2024, 3, 1, 22, 4, 56, tzinfo=UTC),
        dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC),
    ]


def test_customer_keys_from_emails_match_normalise_email():
    emails = pl.Series([" A@X.com ", "b@x.com", "no-at", "", None, "Ünï@X.DE"])
    expected = pl.DataFrame({"e": emails}).select(normalise_email(pl.col("e"))).to_series()
    key = customer_key("shopify", pl.DataFrame({"email": emails}))
    assert (
        key.to_list() == expected.to_list() == ["a@x.com", "b@x.com", None, None, None, "ünï@x.de"]
    )


def test_shopify_line_with_its_own_date_is_parsed_on_its_own(tmp_path):
    rows = _shopify_rows()
    rows[1]["Created at"] = "2024-01-02 09:00:00 +0100"  # a continuation row of #1002
    rows[3]["Created at"] = "not a date"  # a continuation row of #1001
    loaded = load_file(write_shopify(tmp_path / "o.csv", rows))
    tea = loaded.lines.filter(pl.col("order_id") == "#1002")
    assert dict(zip(tea["product_name"], tea["ordered_at"], strict=True)) == {
        "Tea": dt.datetime(2024, 1, 2, 10, tzinfo=UTC),
        "Pot": dt.datetime(2024, 1, 2, 8, tzinfo=UTC),
    }
    assert loaded.rejects["row"].to_list() == [4]
    assert "bad date 'not a date'" in loaded.rejects["reason"][0]
    assert loaded.rows_read == 4 == loaded.lines.height + loaded.rejects.height
