"""Days and months on the shop's own clock (`[shop] timezone`).

A New York shop's order at 23:30 on 31 March is stored as 03:30 UTC on 1 April; its books, its
export ("2024-03-31 23:30:00 -0400") and a hand count all put it on 31 March. With the default
"UTC" setting nothing moves.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.churn.history import prepare_history
from shopinsight.core.errors import ConfigError
from shopinsight.core.orders import (
    add_offset_note,
    as_of_end,
    lines_as_of,
    local_day,
    offset_note,
    offsets_seen,
    resolve_as_of,
    shop_tz,
)
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

NY = ZoneInfo("America/New_York")


def ny(*parts: int) -> dt.datetime:
    """A New York wall time as the UTC instant the workspace stores."""
    return dt.datetime(*parts, tzinfo=NY).astimezone(dt.UTC)  # type: ignore[misc]


LATE = ny(2024, 3, 31, 23, 30)  # 2024-04-01 03:30 UTC
ROWS = [
    dict(order_id="1", customer_id="ann@x.com", ordered_at=ny(2024, 2, 10, 12, 0), unit_price=30.0),
    dict(order_id="2", customer_id="bob@x.com", ordered_at=ny(2024, 3, 15, 12, 0), unit_price=20.0),
    # a new customer's first order, late on the month's last day: a March cohort in New York
    dict(order_id="3", customer_id="dora@x.com", ordered_at=LATE, unit_price=50.0),
]  # fmt: skip


def write_timezone(ws: Workspace, tz: str) -> None:
    """`[shop] timezone = tz` written into the settings file by hand, as a merchant would (not
    checked on the way in, as the app's settings writer checks it)."""
    ws.config()  # the settings file, written with its defaults on first use
    text = ws.config_path.read_text(encoding="utf-8")
    assert 'timezone = "UTC"' in text
    ws.config_path.write_text(text.replace('timezone = "UTC"', f'timezone = "{tz}"'), "utf-8")


def _workspace(root: Path, tz: str | None) -> Path:
    ws = Workspace.open(root)
    ws.commit(make_lines(ROWS), [])
    if tz is not None:
        write_timezone(ws, tz)
    return root


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


def run(ws: Path, *args: str) -> object:
    return json.loads(invoke(ws, *args).stdout)


# -- the core functions -------------------------------------------------------------------


def test_local_day_reads_the_shops_clock() -> None:
    frame = pl.DataFrame({"at": [LATE]})
    assert LATE == dt.datetime(2024, 4, 1, 3, 30, tzinfo=dt.UTC)
    assert frame.select(local_day(pl.col("at"), "America/New_York")).item() == dt.date(2024, 3, 31)
    assert frame.select(local_day(pl.col("at"))).item() == dt.date(2024, 4, 1)  # UTC default


def test_as_of_day_ends_at_the_shops_midnight() -> None:
    end = as_of_end(dt.date(2024, 3, 31), "America/New_York")
    assert end == dt.datetime(2024, 4, 1, 4, 0, tzinfo=dt.UTC)  # EDT: UTC-4
    assert as_of_end(dt.date(2024, 1, 31), "America/New_York").hour == 5  # EST: UTC-5
    assert as_of_end(dt.date(2024, 3, 31)) == dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    lines = make_lines(ROWS).lazy()
    kept = lines_as_of(lines, dt.date(2024, 3, 31), "America/New_York").collect()
    assert sorted(kept["order_id"]) == ["1", "2", "3"]  # 23:30 on the 31st is that day
    assert sorted(lines_as_of(lines, dt.date(2024, 3, 31)).collect()["order_id"]) == ["1", "2"]
    assert resolve_as_of(lines, None, "America/New_York") == dt.date(2024, 3, 31)
    assert resolve_as_of(lines) == dt.date(2024, 4, 1)


def test_shop_timezone_setting_is_checked() -> None:
    assert shop_tz({}) == "UTC"
    assert shop_tz({"shop": {"timezone": "Europe/Rome"}}) == "Europe/Rome"
    with pytest.raises(ConfigError, match="Unknown shop.timezone"):
        shop_tz({"shop": {"timezone": "Mars/Olympus"}})


# -- through the Shop and the CLI ---------------------------------------------------------


def test_as_of_day_and_order_day_are_the_shops(ny_ws: Path, utc_ws: Path) -> None:
    shop = Shop.open(ny_ws)
    assert shop.tz() == "America/New_York"
    assert shop.as_of() == dt.date(2024, 3, 31)
    assert shop.last_order_day() == dt.date(2024, 3, 31)
    days = dict(shop.orders().select("order_id", "order_day").iter_rows())
    assert days["3"] == dt.date(2024, 3, 31)
    utc = Shop.open(utc_ws)
    assert utc.as_of() == dt.date(2024, 4, 1)  # the default is unchanged
    assert dict(utc.orders().select("order_id", "order_day").iter_rows())["3"] == dt.date(
        2024, 4, 1
    )


def test_status_revenue_by_month_and_dates_on_the_shops_clock(ny_ws: Path, utc_ws: Path) -> None:
    status = run(ny_ws, "status", "--json")
    assert isinstance(status, dict)
    months = {r["month"]: r["revenue"] for r in status["revenue_by_month"]}
    assert months == {"2024-02": 30.0, "2024-03": 70.0}  # 23:30 on 31 March is March
    assert status["as_of"] == "2024-03-31"
    assert status["last_order"] == "2024-03-31T23:30:00-04:00"  # the same instant, local
    assert status["first_order"].startswith("2024-02-10T12:00:00")
    old = run(utc_ws, "status", "--json")
    assert isinstance(old, dict)
    assert {r["month"]: r["revenue"] for r in old["revenue_by_month"]} == {
        "2024-02": 30.0,
        "2024-03": 20.0,
        "2024-04": 50.0,
    }
    assert old["as_of"] == "2024-04-01"
    assert old["last_order"] == "2024-04-01T03:30:00+00:00"


def test_as_of_option_keeps_that_day_of_the_shop(ny_ws: Path) -> None:
    status = run(ny_ws, "status", "--json", "--as-of", "2024-03-31")
    assert isinstance(status, dict)
    assert status["orders"] == 3  # the 23:30 order is on the 31st in New York


def test_monthly_cohort_boundary(ny_ws: Path, utc_ws: Path) -> None:
    cohorts = run(ny_ws, "cohorts", "--json")
    assert isinstance(cohorts, list)
    assert {c["cohort"]: c["customers"] for c in cohorts} == {"2024-02": 1, "2024-03": 2}
    old = run(utc_ws, "cohorts", "--json")
    assert isinstance(old, list)
    assert {c["cohort"]: c["customers"] for c in old} == {"2024-02": 1, "2024-03": 1, "2024-04": 1}


def test_new_vs_returning_revenue_by_the_shops_month(ny_ws: Path) -> None:
    repeat = run(ny_ws, "repeat", "--json")
    assert isinstance(repeat, dict)
    march = {r["month"]: r for r in repeat["new_vs_returning"]}["2024-03"]
    assert march["new"] == 70.0 and march["new_customers"] == 2


# -- the import note ----------------------------------------------------------------------


def test_offset_note_names_the_offsets_and_the_setting() -> None:
    texts = pl.Series(["2024-03-31 21:05:00 -0400", "2024-01-03 09:00:00 -0500", None, "x"])
    assert offsets_seen(texts) == ["-0500", "-0400"]
    note = offset_note(texts, "UTC")
    assert note is not None
    assert "-0500, -0400" in note and "[shop] timezone" in note
    assert 'timezone = "America/New_York"' in note and "shopinsight.toml" in note
    assert offset_note(texts, "America/New_York") is None  # set: nothing to say
    assert offset_note(pl.Series(["2020-02-18T05:05:21+00:00"]), "UTC") is None
    iso = offset_note(pl.Series(["2024-05-01T10:00:00+05:30"]), "UTC")
    assert iso is not None and "+0530" in iso and "Asia/Kolkata" in iso


def test_offset_note_is_said_once_for_a_file_read_in_chunks() -> None:
    warnings = ["another note"]
    add_offset_note(warnings, pl.Series(["2024-01-03 09:00:00 -0500"]), "UTC")
    add_offset_note(warnings, pl.Series(["2024-07-03 09:00:00 -0400"]), "UTC")
    add_offset_note(warnings, pl.Series(["2024-07-04 09:00:00 -0400"]), "UTC")
    assert len(warnings) == 2 and warnings[0] == "another note"
    assert "-0500, -0400" in warnings[1]


# -- a real export, by hand ---------------------------------------------------------------


def test_enavant_monthly_revenue_matches_a_hand_count_by_local_month(tmp_path: Path) -> None:
    """The real enavant Shopify export (New York offsets, -0500/-0400), timezone set: every
    month's net revenue equals a plain Polars count of the raw file by the local month written
    in "Created at" (orders: the first row of each Name; sold: not cancelled, not pending and
    unshipped; a buyer by email or phone; net = Total - Refunded Amount > 0)."""
    from tests.conftest import shared_file

    path = shared_file("exports", "shopify", "orders_export_1.enavant-2021-22.redacted.csv")
    raw = pl.read_csv(path, infer_schema=False)
    orders = raw.group_by("Name", maintain_order=True).agg(pl.all().drop_nulls().first())
    net = pl.col("Total").cast(pl.Float64) - pl.col("Refunded Amount").cast(pl.Float64).fill_null(0)
    unpaid = (pl.col("Financial Status") == "pending") & (
        pl.col("Fulfillment Status") != "fulfilled"
    )
    buyer = pl.col("Email").is_not_null() | pl.col("Phone").is_not_null()
    hand = (
        orders.with_columns(net.alias("net"), pl.col("Created at").str.slice(0, 7).alias("month"))
        .filter(pl.col("Cancelled at").is_null() & ~unpaid & buyer & (pl.col("net") > 0))
        .group_by("month")
        .agg(pl.col("net").sum().round(2))
    )
    hand_months = dict(hand.iter_rows())
    assert len(hand_months) == 29 and round(sum(hand_months.values()), 2) == 62842.14

    from shopinsight.core.importers import import_files

    ws = Workspace.open(tmp_path / "enavant")
    write_timezone(ws, "America/New_York")
    import_files(ws, [path])
    status = run(tmp_path / "enavant", "status", "--json")
    assert isinstance(status, dict)
    shown = {r["month"]: r["revenue"] for r in status["revenue_by_month"]}
    assert shown == hand_months
    # #1343 was placed at 23:30:01 -0400 on 30 September 2021: September, not October
    assert shown["2021-09"] == 4991.40 and shown["2021-10"] == 3409.50
    assert status["as_of"] == "2022-01-11"


# -- the customer table, churn history, exports and the CLI's notes ------------------------


def customers(ws: Path, *args: str) -> dict[str, dict]:
    rows = json.loads(invoke(ws, "customers", "--json", *args).stdout)
    return {r["customer_id"]: r for r in rows}


def test_recency_and_last_order_day_are_the_shops(ny_ws: Path, utc_ws: Path) -> None:
    in_ny = customers(ny_ws, "--as-of", "2024-04-05")
    # 23:30 on 31 March in New York: 5 days before 5 April, on 31 March
    assert in_ny["dora@x.com"]["recency_days"] == 5
    assert in_ny["dora@x.com"]["last_order"] == "2024-03-31"
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
    set_ny = _workspace(tmp_path / "ny", "America/New_York")
    assert "UTC offsets" not in invoke(set_ny, "import", str(path)).output  # set: nothing to say


def test_offset_note_lists_offsets_in_one_order_whatever_the_hash_seed() -> None:
    """+0000 and -0000 are both zero minutes: their order came from a set's, which changes with
    the interpreter's hash seed, so one file's import warning read differently from run to run."""
    import subprocess
    import sys

    code = (
        "import polars as pl\n"
        "from shopinsight.core.orders import offset_note\n"
        "texts = pl.Series(['2024-01-01 10:00:00 -0000', '2024-01-01 11:00:00 +0000',"
        " '2024-01-01 12:00:00 -0400'])\n"
        "print(offset_note(texts, 'UTC'))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4", "5", "6")
    }  # fmt: skip
    assert len(outputs) == 1
    assert "UTC offsets -0400, +0000, -0000:" in outputs.pop()
