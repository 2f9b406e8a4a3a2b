"""The shop's clock in the customer table, churn history, exports and the CLI's notes
(customers/, churn/, results.py, cli/): a New York shop's late orders on its own days."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.churn.history import prepare_history
from shopinsight.core.shop import Shop
from tests.core.test_shop_clock import _workspace


@pytest.fixture
def ny_ws(tmp_path: Path) -> Path:
    return _workspace(tmp_path / "ny", "America/New_York")


@pytest.fixture
def utc_ws(tmp_path: Path) -> Path:
    return _workspace(tmp_path / "utc", None)


def invoke(ws: Path, *args: str):  # noqa: ANN201
    result = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output
    return result


def customers(ws: Path, *args: str) -> dict[str, dict]:
    rows = json.loads(invoke(ws, "customers", "--json", *args).stdout)
    return {r["customer_id"]: r for r in rows}


def test_recency_and_last_order_day_are_the_shops(ny_ws: Path, utc_ws: Path) -> None:
    ny = customers(ny_ws, "--as-of", "2024-04-05")
    # 23:30 on 31 March in New York: 5 days before 5 April, on 31 March
    assert ny["dora@x.com"]["recency_days"] == 5
    assert ny["dora@x.com"]["last_order"] == "2024-03-31"
    utc = customers(utc_ws, "--as-of", "2024-04-05")
    assert utc["dora@x.com"]["recency_days"] == 4  # the UTC default: 1 April
    assert utc["dora@x.com"]["last_order"] == "2024-04-01"


def test_default_as_of_gives_zero_days_for_the_last_order(ny_ws: Path) -> None:
    rows = customers(ny_ws)
    assert rows["dora@x.com"]["recency_days"] == 0  # as of 31 March (New York)
    assert rows["bob@x.com"]["recency_days"] == 16


def test_exported_last_order_day_is_the_shops(ny_ws: Path) -> None:
    text = invoke(ny_ws, "customers", "--csv").stdout
    rows = {r["customer_id"]: r for r in csv.DictReader(text.splitlines())}
    assert rows["dora@x.com"]["last_order"] == "2024-03-31"


def test_churn_history_days_are_the_shops(ny_ws: Path) -> None:
    shop = Shop.open(ny_ws)
    history = prepare_history(shop.lines(), shop.config())
    days = dict(history.days.select("customer_id", "day").iter_rows())
    assert days["dora@x.com"] == dt.date(2024, 3, 31)


def test_late_as_of_note_names_the_shops_last_day(ny_ws: Path) -> None:
    result = invoke(ny_ws, "status", "--json", "--as-of", "2024-04-01")
    assert "after the last order (2024-03-31)" in result.stderr
    assert "grow by 1" in result.stderr


def test_import_of_a_new_york_export_says_once_how_to_set_the_timezone(tmp_path: Path) -> None:
    from tests.conftest import shared_file

    path = shared_file("exports", "shopify", "orders_export_1.enavant-2021-22.redacted.csv")
    result = invoke(tmp_path / "utc", "import", str(path))
    text = " ".join(result.output.split())
    assert text.count("carry UTC offsets -0500, -0400") == 1
    assert 'timezone = "America/New_York"' in text
    ny = _workspace(tmp_path / "ny", "America/New_York")
    assert "UTC offsets" not in invoke(ny, "import", str(path)).output  # set: nothing to say
