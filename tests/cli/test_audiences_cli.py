"""CLI: `export audience` for Meta and Google on a tiny workspace."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

ROWS = [
    dict(order_id=1, customer_id="anna@x.com", ordered_at="2024-05-01", customer_name="Anna Rossi",
         unit_price=50.0, postal_code="02118", city="Boston", region="MA"),
    dict(order_id=2, customer_id="anna@x.com", ordered_at="2024-06-01", customer_name="Anna Rossi",
         unit_price=50.0, postal_code="02118", city="Boston", region="MA"),
    dict(order_id=3, customer_id="bob@x.com", ordered_at="2024-06-20", accepts_marketing=False),
    dict(order_id=4, customer_id="amz", ordered_at="2024-06-21", source="amazon",
         email="a1@marketplace.amazon.com"),
]  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    Workspace.open(root).commit(make_lines(ROWS), [])
    return root


def run(ws: Path, *args: str):
    result = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert "Traceback" not in result.output
    return result


def test_meta_audience_file_and_counts(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "meta.csv"
    result = run(ws, "export", "audience", "--to", "meta", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows == [
        {"email": "anna@x.com", "phone": "", "fn": "anna", "ln": "rossi", "ct": "boston",
         "st": "ma", "zip": "02118", "country": "us"},
    ]  # fmt: skip
    text = " ".join(result.output.split())
    assert "Wrote 1 of 3 selected customers for Meta" in text
    assert "1 customer left out: Amazon relay address" in text
    assert "1 customer left out: no marketing consent" in text


def test_google_hashed_with_unsubscribed(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "google.csv"
    args = ["export", "audience", "--to", "google", "--hashed", "--include-unsubscribed"]
    result = run(ws, *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    sha = {hashlib.sha256(e.encode()).hexdigest() for e in ("anna@x.com", "bob@x.com")}
    assert {r["Email"] for r in rows} == sha
    assert {r["Country"] for r in rows} == {"US"}  # plain, as Google requires
    assert "without marketing consent are included" in result.output


def test_bad_platform_and_missing_folder(ws: Path, tmp_path: Path) -> None:
    bad = run(ws, "export", "audience", "--to", "tiktok", "-o", str(tmp_path / "x.csv"))
    assert bad.exit_code == 2 and "tiktok" in bad.output
    nowhere = run(ws, "export", "audience", "--to", "meta", "-o", str(tmp_path / "no/x.csv"))
    assert nowhere.exit_code == 2 and "Folder" in nowhere.output
