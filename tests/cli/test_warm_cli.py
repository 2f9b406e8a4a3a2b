"""A warm pass: on an unchanged workspace the analysis commands only read cached results.

Issue 13: the four commands of the merchant's pass again, one process each, in ≤ 2 s at 1M
lines. That holds only if none of them reads the order lines or runs an analysis again; here
every such function raises, and each command must still answer the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app

EXPORT = Path(__file__).resolve().parents[2] / "sample_exports" / "orders_export_1.csv"
PASS = [
    ["customers", "--json"],
    ["customers"],
    ["churn", "--json"],
    ["churn"],
    ["bundles", "--max-size", "3", "--json"],
    ["gifts", "plan", "--json"],
    ["status", "--json"],
]
HEAVY = [
    "shopinsight.core.workspace.Workspace.lines",
    "shopinsight.core.customers.profiles.customer_profiles",
    "shopinsight.core.churn.alerts.churn_alerts",
    "shopinsight.core.churn.lists.remark",
    "shopinsight.core.bundles.mine_itemsets",
    "shopinsight.core.bundles.bundle_offers",
    "shopinsight.core.gifts.packing.packing_plan",
    "shopinsight.core.status.shop_status",
]


@pytest.fixture(scope="module")
def warm_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A workspace after an import and one pass (which fills what the import left out)."""
    if not EXPORT.exists():
        pytest.skip("sample_exports/ is missing")
    ws = tmp_path_factory.mktemp("warm") / "ws"
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws), "import", str(EXPORT)])
    assert result.exit_code == 0, result.output
    first = {}
    for args in PASS:
        result = runner.invoke(app, ["--workspace", str(ws), *args])
        assert result.exit_code == 0, result.output
        first[" ".join(args)] = result.stdout
    return ws, first


@pytest.mark.parametrize("args", PASS, ids=" ".join)
def test_warm_commands_read_only_the_cache(
    warm_ws: tuple[Path, dict[str, str]], args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, first = warm_ws
    # the customer table shows the analysis' notes; the others read no whole customer table
    whole_table = [] if args == ["customers"] else ["shopinsight.core.results.load_profiles"]
    for target in [*HEAVY, *whole_table]:

        def refuse(*_args: object, _name: str = target, **_kwargs: object) -> None:
            raise AssertionError(f"{_name} ran on a warm workspace")

        monkeypatch.setattr(target, refuse)
    result = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output
    assert result.stdout == first[" ".join(args)]


def test_a_moved_workspace_shows_where_it_is_now(
    warm_ws: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import json
    import shutil

    ws, _ = warm_ws
    moved = tmp_path / "moved"
    shutil.copytree(ws, moved)
    result = CliRunner().invoke(app, ["--workspace", str(moved), "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["workspace"] == str(moved)


def test_warm_churn_reads_the_alerts_before_marks_only_when_asked(
    warm_ws: tuple[Path, dict[str, str]],
) -> None:
    """The app re-marks from the alerts before marks: read then, and the same list comes out."""
    from shopinsight.core.shop import Shop

    ws, _ = warm_ws
    view = Shop.open(ws).churn()
    assert not isinstance(view.read_base, type(view.alerts))  # not read yet
    assert view.base.height == view.alerts.height
    assert Shop.open(ws).remark_churn().alerts.equals(view.alerts)


@pytest.mark.parametrize("args", [*PASS, ["status"]], ids=" ".join)
def test_warm_commands_import_no_model_library(
    warm_ws: tuple[Path, dict[str, str]], args: list[str]
) -> None:
    """scikit-learn, SciPy and NumPy take about a second to import, Pydantic ~0.1 s: not for
    reading results; nor Rich (~0.03 s) for printing JSON."""
    import subprocess
    import sys

    ws, _ = warm_ws
    code = (
        "import sys; from shopinsight.cli import main\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print('MODULES', *sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "-w", str(ws), *args], capture_output=True, text=True
    )
    last = run.stderr.strip().splitlines()[-1].split()
    assert last[0] == "MODULES" and "polars" in last, run.stderr[-2000:]
    imported = set(last)
    assert not imported & {"sklearn", "scipy", "numpy", "pydantic"}, args
    if "--json" in args:
        assert "rich" not in imported, args
