"""`shopinsight cohorts`, `repeat` and `drivers`: JSON contracts and 80-column tables, on the
hand-made shop of tests/core/test_insights.py (numbers worked out there by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_insights import shop_rows
from tests.factories import make_lines

runner = CliRunner()


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop"
    Workspace.open(path).commit(make_lines(shop_rows()), [])
    return path


def run(shop, *args: str):
    result = runner.invoke(
        app, ["--workspace", str(shop), *args, "--as-of", "2025-01-31"], env={"COLUMNS": "80"}
    )
    return result


def test_cohorts_json_contract(shop):
    result = run(shop, "cohorts", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["cohort"] for c in data] == ["2024-01", "2024-02", "2024-04", "2024-12"]
    assert all(set(c) == {"cohort", "customers", "active", "revenue"} for c in data)
    assert all(c["active"][0] == c["customers"] for c in data)
    assert all(len(c["active"]) == len(c["revenue"]) for c in data)
    assert data[0]["active"] == [2, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    quarters = json.loads(run(shop, "cohorts", "--by", "quarter", "--json").stdout)
    assert [(c["cohort"], c["customers"]) for c in quarters] == [
        ("2024-Q1", 3), ("2024-Q2", 1), ("2024-Q4", 1)
    ]  # fmt: skip


def test_repeat_json_contract(shop):
    result = run(shop, "repeat", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("first_to_second", "second_to_third", "third_to_fourth"):
        assert {"customers", "returned", "median_days", "within_days"} <= set(data[key])
        assert list(data[key]["within_days"]) == ["30", "60", "90", "180", "365"]
    first = data["first_to_second"]
    assert (first["customers"], first["returned"], first["median_days"]) == (5, 3, 30)
    assert first["within_days"]["30"] == 0.4
    assert data["third_to_fourth"]["within_days"]["365"] is None
    assert data["currency"] == "USD" and data["as_of"] == "2025-01-31"
    assert {p["day"]: p["share"] for p in data["curve"]}[30] == 0.4


def test_drivers_json_contract(shop):
    result = run(shop, "drivers", "--by", "discount", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["by"], data["window_days"], data["customers"], data["currency"]) == (
        "discount", 180, 4, "USD"
    )  # fmt: skip
    groups = {g["group"]: g for g in data["groups"]}
    assert set(groups) == {"WELCOME", "(no discount)"}
    assert (groups["WELCOME"]["customers"], groups["WELCOME"]["repeaters"]) == (1, 1)
    assert groups["WELCOME"]["small"] is True
    assert {"share", "low", "high", "value"} <= set(groups["WELCOME"])


@pytest.mark.parametrize(
    "args",
    [
        ("cohorts",),
        ("cohorts", "--by", "quarter", "--show", "revenue"),
        ("repeat",),
        ("drivers",),
        ("drivers", "--by", "size"),
    ],
)
def test_tables_fit_80_columns_and_state_the_currency(shop, args):
    result = run(shop, *args)
    assert result.exit_code == 0, result.output
    assert "USD" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_drivers_table_marks_small_groups(shop):
    out = run(shop, "drivers", "--by", "product").stdout
    assert "Mug (small)" in out and "All first orders" in out
    assert "1 customer whose first purchase is under 180 days old" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cohorts", "--by", "week"), "month or quarter"),
        (("cohorts", "--show", "money"), "share, active or revenue"),
        (("drivers", "--by", "colour"), "product, category"),
    ],
)
def test_bad_options_are_clean_errors(shop, args, message):
    result = run(shop, *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_empty_workspace_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["--workspace", str(tmp_path / "empty"), "cohorts"])
    assert result.exit_code == 2 and "No orders yet" in result.output


@pytest.fixture(scope="module")
def sample_shop(tmp_path_factory):
    """The sample shop of sample_exports/ (every marketplace), imported once."""
    from shopinsight.core.importers import import_files

    samples = Path(__file__).resolve().parents[2] / "sample_exports"
    if not samples.is_dir():
        pytest.skip("sample_exports/ is missing")
    path = tmp_path_factory.mktemp("sample") / "ws"
    files = sorted(p for p in samples.iterdir() if p.suffix in (".csv", ".txt", ".tsv"))
    import_files(Workspace.open(path), files)
    return path


def _segments(shop, *args: str) -> dict:
    result = runner.invoke(app, ["--workspace", str(shop), "segments", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_migration_is_consistent_with_segments_on_each_day(sample_shop):
    d1, d2 = "2026-06-30", "2026-11-20"
    moved = _segments(sample_shop, "--from", d1, "--to", d2)
    before = {s["segment"]: s["customers"] for s in _segments(sample_shop, "--as-of", d1)[
        "segments"] if s["customers"]}  # fmt: skip
    after = {s["segment"]: s["customers"] for s in _segments(sample_shop, "--as-of", d2)[
        "segments"] if s["customers"]}  # fmt: skip
    assert moved["from_segments"] == before and moved["to_segments"] == after
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    for cell in moved["cells"]:
        rows[cell["from_segment"]] = rows.get(cell["from_segment"], 0) + cell["customers"]
        cols[cell["to_segment"]] = cols.get(cell["to_segment"], 0) + cell["customers"]
    new = rows.pop("(new)", 0)
    assert rows == before and cols == after
    assert new == sum(after.values()) - sum(before.values()) > 0
    table = runner.invoke(
        app, ["--workspace", str(sample_shop), "segments", "--from", d1, "--to", d2],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    assert "(new)" in table.stdout


def test_migration_needs_an_earlier_from_day(sample_shop):
    result = runner.invoke(
        app, ["--workspace", str(sample_shop), "segments", "--from", "2026-12-01", "--to",
              "2026-11-20"],
    )  # fmt: skip
    assert result.exit_code == 2 and "must be before" in result.output


def test_a_bad_from_day_is_named_as_from(sample_shop):
    result = runner.invoke(
        app, ["--workspace", str(sample_shop), "segments", "--from", "2026-13-01"]
    )
    assert result.exit_code == 2 and "Bad --from date" in result.output
    assert "Traceback" not in result.output


def test_drivers_too_early_to_compare(shop):
    result = runner.invoke(app, ["--workspace", str(shop), "drivers", "--as-of", "2024-01-06"])
    assert result.exit_code == 0, result.output
    assert "Too early to compare first orders: 1 customer, none" in result.output


def test_migration_from_before_the_first_order_makes_everyone_new(shop):
    result = runner.invoke(
        app, ["--workspace", str(shop), "segments", "--from", "2023-12-31", "--to", "2024-03-01",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["from_segments"] == {}
    assert {c["from_segment"] for c in data["cells"]} == {"(new)"}
    assert sum(c["customers"] for c in data["cells"]) == 3  # a, b and c bought by March
