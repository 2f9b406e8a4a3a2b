"""Start-up: `--help` stays light (nothing heavy imported for the root's or a subcommand's
help), and an import leaves the Overview's figures cached for the app's first open."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

HEAVY = ("polars", "numpy", "sklearn", "scipy", "textual", "markdown_it", "pygments")


def _imported(*args: str) -> tuple[set[str], str]:
    """The top-level modules a `shopinsight ... --help` run imported, and what it printed."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "shopinsight", *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)", run.stderr, re.M))
    return {n.split(".")[0] for n in names}, run.stdout


@pytest.mark.parametrize(
    "args",
    [["--help"], ["customers", "--help"], ["tui", "--help"], ["gifts", "plan", "--help"]],
)
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    top, out = _imported(*args)
    assert "Usage:" in out and "--help" in out
    assert not top & set(HEAVY), sorted(top & set(HEAVY))
    assert "pydantic" not in top  # a group's options (gifts) are read before a --help too


def test_help_formatter_stand_ins_become_the_real_classes() -> None:
    code = (
        "import sys; from shopinsight.cli.app import load_help_formatter; load_help_formatter(); "
        "import typer.rich_utils as r; print('rich.markdown' in sys.modules); "
        "m = r.Markdown('# x'); import rich.markdown, rich.traceback; "
        "print(type(m) is rich.markdown.Markdown, r.Traceback.from_exception.__self__ "
        "is rich.traceback.Traceback)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True", "True"]


def test_import_caches_what_the_overview_paints_first(tmp_path) -> None:  # noqa: ANN001
    from pathlib import Path

    from typer.testing import CliRunner

    from shopinsight.cli import app

    export = Path(__file__).resolve().parents[2] / "sample_exports" / "orders_export_1.csv"
    if not export.exists():
        pytest.skip("sample_exports/ is missing")
    ws = tmp_path / "ws"
    result = CliRunner().invoke(app, ["--workspace", str(ws), "import", str(export)])
    assert result.exit_code == 0, result.output
    cached = {p.name.split("-")[2] for p in (ws / "cache").glob("shop-*-meta-*.parquet")}
    assert {"status", "segment", "churn"} <= cached, cached
