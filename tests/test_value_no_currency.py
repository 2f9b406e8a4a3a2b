"""`shopinsight value` on a shop whose amounts name no currency (a generic CSV without a currency
column, no [shop] currency): the summary says so instead of leaving a gap where the code was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_insights import shop_rows
from tests.factories import make_lines

runner = CliRunner()


def _shop(root: Path, currency: str | None) -> Path:
    rows = [{**row, "currency": currency} for row in shop_rows()]
    Workspace.open(root).commit(make_lines(rows), [])
    return root


def _summary(path: Path) -> str:
    result = runner.invoke(
        app, ["--workspace", str(path), "value", "--as-of", "2025-01-31"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return next(line for line in result.stdout.splitlines() if " expected in all" in line)


def test_no_currency_is_said_not_left_blank(tmp_path: Path) -> None:
    line = _summary(_shop(tmp_path / "ws", None))
    assert "  " not in line  # no gap where a currency code would be
    assert re.search(r"customers, [\d,]+ expected in all \(amounts in no named currency\); ", line)


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_named_currency_follows_the_amount(tmp_path: Path, currency: str) -> None:
    line = _summary(_shop(tmp_path / "ws", currency))
    assert re.search(rf"customers, [\d,]+ {currency} expected in all; High \d", line)
