"""Odd files and full disks: a 128 KiB field near the header, a 20,036-column header over short
rows, and a disk that fills up while writing Parquet give a correct import or a clear error."""

from __future__ import annotations

import random
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.core.errors import WorkspaceError, disk_error
from shopinsight.core.importers import load_file


def test_a_field_over_128_kib_near_the_header_imports(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    note = "x" * 140_000
    path.write_text(
        "order_id,email,date,amount,note\n"
        f'o1,a@x.com,2024-05-01,10.00,"{note}"\n'
        "o2,b@x.com,2024-05-02,11.00,hi\n",
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert loaded.lines["order_id"].to_list() == ["o1", "o2"]


def test_a_field_over_128_kib_in_a_ragged_file_is_a_clear_error_or_imports(tmp_path: Path) -> None:
    from shopinsight.core.errors import ShopInsightError

    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,email,date,amount\n"
        "o1,a@x.com,2024-05-01,10.00,extra,fields\n"  # ragged: the forgiving reader runs
        f'o2,b@x.com,2024-05-02,11.00,"{"y" * 140_000}"\n',
        encoding="utf-8",
    )
    try:
        loaded = load_file(path)
    except ShopInsightError as error:
        assert "record" in error.detail
    else:
        assert loaded.rejects.height >= 1


def test_a_20036_column_header_over_short_rows_is_quick(tmp_path: Path) -> None:
    rng = random.Random(8)
    path = tmp_path / "wide.csv"
    header = ["order_id", "email", "date", "amount"] + [f"extra_{i}" for i in range(20_032)]
    rows = [
        ",".join([f"o{i}", f"u{i % 40}@x.com", "2024-05-01", "12.50"] + ["v"] * rng.randint(3, 60))
        for i in range(3_000)
    ]
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    start = time.perf_counter()
    loaded = load_file(path)
    took = time.perf_counter() - start
    assert loaded.lines["order_id"].n_unique() + loaded.rejects.height >= 3_000
    assert took < 15, f"{took:.1f} s"  # was minutes: rows × header width
    # the forgiving reader (ragged files) keeps every row and names the over-long ones
    from shopinsight.core.importers.sniff import BAD_FIELDS, ROW, _read_with_csv_module

    frame = _read_with_csv_module(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n,,\n", ",", ["a", "b", "c"], '"')
    assert frame[ROW].to_list() == [1, 2, 3, 4]
    assert frame["c"].to_list() == ["3", None, "8", None]
    assert frame[BAD_FIELDS].to_list() == [None, None, "has 4 fields, the header has 3", None]


@pytest.mark.parametrize(
    "error",
    [
        pl.exceptions.ComputeError("failed to write: No space left on device (os error 28)"),
        OSError(28, "No space left on device"),
        pl.exceptions.ComputeError("Read-only file system (os error 30)"),
    ],
)
def test_disk_errors_are_workspace_errors(error: Exception) -> None:
    mapped = disk_error(error)
    assert isinstance(mapped, WorkspaceError)
    assert "disk" in mapped.detail or "read-only" in mapped.detail


def test_other_errors_are_not_disk_errors() -> None:
    assert disk_error(pl.exceptions.ComputeError("unable to parse column")) is None
    assert disk_error(ValueError("bad")) is None


def test_disk_full_while_importing_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopinsight.cli import app

    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,email,date,amount,currency\no1,a@x.com,2024-05-01,10.00,USD\n", encoding="utf-8"
    )

    def full(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.ComputeError("failed to write: No space left on device (os error 28)")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", full)
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws"), "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "disk is full" in result.output and "Traceback" not in result.output
