"""`shopinsight gifts`: policies with previews, the packing plan and its exports, campaigns."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.core.test_packing import sample_shop
from tests.factories import make_lines

runner = CliRunner()


@pytest.fixture
def shop(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    ws.commit(sample_shop(), [])
    return ws


def run(ws: Workspace, *args: str):
    result = runner.invoke(app, ["--workspace", str(ws.root), "gifts", *args])
    assert "Traceback" not in result.output
    return result


def test_policies_with_a_preview_note_per_segment(shop):
    result = run(shop, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    segments = {p["segment"]: p for p in data["policies"]}
    assert {"Champions", "Loyal Customers", "Lost", "Can't Lose Them"} <= set(segments)
    shown = [p for p in data["policies"] if p["customers"]]
    assert len(shown) >= 3
    for p in shown:
        assert p["customer_id"] and p["note"] and "{" not in p["note"]
    assert data["tag_overrides"]["high_returner"]["kind"] == "none"
    assert data["gift_order"]["template"] == "gift_recipient"

    text = run(shop)
    assert text.exit_code == 0 and "Gift policy per segment" in text.output
    assert "gift orders" in text.output


def test_plan_json_has_one_object_per_open_order(shop):
    result = run(shop, "plan", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert len(plan) >= 15
    for row in plan:
        assert {"order_id", "customer_id", "segment", "gift", "gift_cost", "budget", "note"} <= set(
            row
        )
        if row["gift"] is not None:
            assert row["gift_cost"] <= row["budget"]
    assert any(r["gift"] is None for r in plan) and any(r["gift"] for r in plan)


def test_plan_exports(shop, tmp_path):
    html = tmp_path / "notes.html"
    result = run(shop, "plan", "--out", str(html))
    assert result.exit_code == 0 and "Wrote html" in result.output
    assert "@page { size: A6;" in html.read_text(encoding="utf-8")
    assert (html.stat().st_mode & 0o777) == 0o600  # names and addresses: the owner's only

    picking = tmp_path / "picking.csv"
    assert run(shop, "plan", "--out", str(picking)).exit_code == 0
    assert picking.read_bytes().startswith(b"\xef\xbb\xbforder_id,")

    merge = run(shop, "plan", "--format", "mailmerge")
    assert merge.exit_code == 0 and merge.stdout.startswith("order_id,recipient_name,")


def test_bad_options_and_settings_are_clean_errors(shop):
    result = run(shop, "plan", "--format", "pdf")
    assert result.exit_code == 2 and "pdf" in result.output
    assert run(shop, "plan", "--orders", "today").exit_code == 2
    shop.config_path.write_text('[gifts.templates]\nthanks = "Hi {frist_name}"\n', encoding="utf-8")
    result = run(shop, "plan")
    assert result.exit_code == 2
    assert "thanks" in result.output and "frist_name" in result.output


def test_empty_workspace(tmp_path):
    ws = Workspace.open(tmp_path / "empty")
    result = run(ws)
    assert result.exit_code == 0 and "Import orders" in result.output
    assert run(ws, "plan").exit_code == 2


def test_campaign_start_hold_back_and_report(shop):
    started = run(shop, "campaign", "start", "--control", "0.3", "--seed", "4", "--json")
    assert started.exit_code == 0, started.output
    info = json.loads(started.stdout)
    assert info["campaign_id"] == 1 and info["control"] >= 1 and info["gift"] >= 1

    plan = json.loads(run(shop, "plan", "--json").stdout)
    held = [r for r in plan if r["reason"].startswith("held back")]
    assert len(held) == info["control"]
    assert all(r["gift"] is None and r["note"] == "" for r in held)
    assert run(shop, "campaign", "start").exit_code == 2  # same customers: no second campaign

    # a later import: one control customer orders again
    later = make_lines(
        [
            {
                "order_id": 99999,
                "customer_id": held[0]["customer_id"],
                "sku": "TEA-GRN",
                "ordered_at": dt.datetime(2024, 7, 20, 10),
                "unit_price": 30.0,
            }
        ]  # fmt: skip
    )
    shop.commit(pl.concat([pl.read_parquet(shop.lines_path), later]), [])
    report = run(shop, "campaign", "report", "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    arms = {a["arm"]: a for a in data["arms"]}
    assert arms["control"]["repeaters"] == 1 and arms["control"]["customers"] == info["control"]
    assert data["days"] == 20 and data["repeat_rate_ci"] is not None
    words = run(shop, "campaign", "report")
    assert words.exit_code == 0 and "held back" in words.output
