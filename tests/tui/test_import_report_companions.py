"""An Olist companion file read beside its export is no import of its own: the CLI's table
has no row of zeros for it and the app says why in one line; merged order rows are named."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.tui.import_report import report_lines
from tests.core.test_importers_olist import _dataset


def _files(tmp_path: Path) -> list[Path]:
    _dataset(tmp_path)
    return sorted(tmp_path.glob("*.csv"))


def test_cli_table_has_no_row_for_a_companion(tmp_path: Path):
    paths = [str(p) for p in _files(tmp_path)]
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), "import", *paths])
    assert result.exit_code == 0, result.output
    table = result.output.split("Read beside", 1)[0]
    assert "olist_customers_dataset.csv" not in table.split("┘", 1)[0]
    assert "olist_orders_dataset.csv" in table
    assert "Read beside olist_" in result.output


def test_app_words_for_a_companion_and_merged_rows(tmp_path: Path):
    from shopinsight.core.importers import import_files
    from shopinsight.core.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    reports = import_files(ws, _files(tmp_path))
    by = {Path(r.file).name: report_lines(r) for r in reports}
    [line] = by["olist_customers_dataset.csv"]
    assert "not imported" in line and "Read beside" in line
    assert "0 rows read" not in line
    orders = by["olist_orders_dataset.csv"][0]
    assert "merged into their items" in orders and "nothing new" not in orders
