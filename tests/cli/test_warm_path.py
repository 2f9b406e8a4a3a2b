"""The warm pass without Typer (`cli.warm`): the same output as through Typer, and any other
command line left to Typer untouched, and errors said as Typer says them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.cli.warm import run_warm

EXPORT = Path(__file__).resolve().parents[2] / "sample_exports" / "orders_export_1.csv"
WARM = [
    ["customers", "--json"],
    ["churn", "--json"],
    ["bundles", "--json"],
    ["bundles", "--max-size", "3", "--json"],
    ["bundles", "--json", "--max-size", "2"],
    ["gifts", "plan", "--json"],
]
NOT_WARM = [
    ["customers", "--json", "--limit", "2"],
    ["customers"],
    ["customers", "--json", "--help"],
    ["bundles", "--max-size", "4", "--json"],
    ["bundles", "--max-size=3", "--json"],
    ["gifts", "plan", "--json", "--orders", "all"],
    ["status", "--json"],
    ["--version"],
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not EXPORT.exists():
        pytest.skip("sample_exports/ is missing")
    folder = tmp_path_factory.mktemp("warm_path") / "ws"
    result = CliRunner().invoke(app, ["--workspace", str(folder), "import", str(EXPORT)])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("args", WARM, ids=" ".join)
def test_the_warm_path_prints_what_typer_prints(
    ws: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    typer_run = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert typer_run.exit_code == 0, typer_run.output
    capsys.readouterr()
    assert run_warm(["-w", str(ws), *args])
    out, err = capsys.readouterr()
    assert out == typer_run.stdout
    assert err == ""


@pytest.mark.parametrize("args", NOT_WARM, ids=" ".join)
def test_other_command_lines_are_left_to_typer(
    ws: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert not run_warm(["-w", str(ws), *args])
    assert not run_warm(["--workspace=" + str(ws), *args])
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    "argv",
    [["-w"], ["-w", "--json", "customers"], ["-w", "", "customers", "--json"],
     ["--verbose", "customers", "--json"], []],
)  # fmt: skip
def test_root_options_other_than_one_workspace_are_left_to_typer(argv: list[str]) -> None:
    assert not run_warm(argv)


def test_a_failing_command_is_reported_as_typer_reports_it(tmp_path: Path) -> None:
    """No workspace there: the warm path says what Typer says (the same function,
    cli.app.handle_error), with its exit code, and runs nothing twice."""
    missing = tmp_path / "nowhere"

    def shopinsight(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shopinsight", "-w", str(missing), *args],
            capture_output=True,
            text=True,
            env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
        )

    run = shopinsight("customers", "--json")
    assert run.returncode == 2
    assert run.stdout == ""
    assert "No orders yet" in run.stderr and "Traceback" not in run.stderr
    typer_run = shopinsight("customers", "--json", "--limit", "5")  # an option: Typer's path
    assert (typer_run.returncode, typer_run.stderr) == (run.returncode, run.stderr)
    assert not missing.exists()


def test_a_warm_read_imports_no_typer(ws: Path) -> None:
    code = (
        "import sys; from shopinsight.cli import main\n"
        "main()\n"
        "print('MODULES', *sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "-w", str(ws), "customers", "--json"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    modules = set(run.stderr.strip().splitlines()[-1].split()[1:])
    assert "polars" in modules
    assert not modules & {"typer", "click", "rich"}


def test_the_package_attribute_app_is_the_typer_app_whatever_is_imported_first() -> None:
    """`shopinsight.cli.app` names both a module and the Typer app: the attribute stays the
    app even when the module is imported before it is asked for."""
    code = (
        "import shopinsight.cli.app as first\n"
        "from shopinsight.cli.app import console\n"
        "from shopinsight.cli import app\n"
        "import shopinsight.cli as cli, typer\n"
        "print(isinstance(app, typer.Typer), cli.app is app, first is app)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["True", "True", "True"]
