"""Order dates as other systems and spreadsheets write them, read by the generic importer
(every one of these was rejected as 'bad date' before)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from shopinsight.core.importers import load_file

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01 12:34:56 UTC", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01 12:34:56+01", dt.datetime(2024, 3, 1, 11, 34, 56, tzinfo=UTC)),  # Postgres
        ("2024-03-01 12:34:56.5+00", dt.datetime(2024, 3, 1, 12, 34, 56, 500000, tzinfo=UTC)),
        ("2024-03-01T12:34", dt.datetime(2024, 3, 1, 12, 34, tzinfo=UTC)),
        ("3/1/2024 12:34:56 PM", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("3/1/2024 9:04 AM", dt.datetime(2024, 3, 1, 9, 4, tzinfo=UTC)),
        ("13/03/2024 1:05 PM", dt.datetime(2024, 3, 13, 13, 5, tzinfo=UTC)),
        ("Mar 1, 2024 12:34 PM", dt.datetime(2024, 3, 1, 12, 34, tzinfo=UTC)),
        ("March 1, 2024", dt.datetime(2024, 3, 1, tzinfo=UTC)),
        ("1 March 2024", dt.datetime(2024, 3, 1, tzinfo=UTC)),
        ("Fri, 01 Mar 2024 12:34:56 GMT", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024.03.01", dt.datetime(2024, 3, 1, tzinfo=UTC)),
        ("20240301", dt.datetime(2024, 3, 1, tzinfo=UTC)),
        ("03-30-24", dt.datetime(2024, 3, 30, tzinfo=UTC)),  # Amazon Sale Report (Kaggle)
        ("30-03-24", dt.datetime(2024, 3, 30, tzinfo=UTC)),
    ],
)
def test_generic_dates(tmp_path, text, expected):
    path = tmp_path / "orders.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "customer_id", "date", "product", "qty", "price"])
        w.writerow(["1", "c1", text, "Mug", "1", "2.50"])
        w.writerow(["2", "c2", text, "Tea", "2", "3.00"])
    loaded = load_file(path)
    assert loaded.rejects.height == 0
    assert loaded.lines["ordered_at"].to_list() == [expected, expected]


def _orders(path, dates: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "customer_id", "date", "product", "qty", "price", "currency"])
        for i, day in enumerate(dates):
            w.writerow([str(i + 1), f"c{i}", day, "Mug", "1", "2.50", "EUR"])


def test_dates_that_read_either_way_are_said_with_the_setting_that_turns_them(tmp_path):
    path = tmp_path / "orders.csv"
    _orders(path, ["01/02/2024", "03/04/2024"])
    loaded = load_file(path)
    assert loaded.lines["ordered_at"].dt.date().to_list() == [
        dt.date(2024, 1, 2),
        dt.date(2024, 3, 4),
    ]
    said = " ".join(loaded.warnings)
    assert "01/02/2024 is 2 January 2024, not 1 February 2024" in said
    assert 'date_order = "day-first"' in said
    day_first = load_file(path, settings={"shop": {"date_order": "day-first"}})
    assert day_first.lines["ordered_at"].dt.date().to_list() == [
        dt.date(2024, 2, 1),
        dt.date(2024, 4, 3),
    ]
    assert not any("either way" in w for w in day_first.warnings)


@pytest.mark.parametrize(
    "dates",
    [
        ["13/02/2024", "01/02/2024"],  # a day past the 12th settles it
        ["2024-01-02", "2024-03-04"],  # year first: always year, month, day
        ["2024.03.01", "2024.04.02"],
        ["05/05/2024", "07/07/2024"],  # either way the same day
    ],
)
def test_dates_the_file_settles_say_nothing(tmp_path, dates):
    path = tmp_path / "orders.csv"
    _orders(path, dates)
    assert not any("either way" in w for w in load_file(path).warnings)


def test_a_bad_date_order_setting_is_named(tmp_path):
    from shopinsight.core.errors import ConfigError

    path = tmp_path / "orders.csv"
    _orders(path, ["01/02/2024"])
    with pytest.raises(ConfigError, match="date_order"):
        load_file(path, settings={"shop": {"date_order": "sideways"}})
