"""CLI: customers, segments, explain, tag overrides and tag-list exports on a tiny workspace."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.workspace import Workspace
from tests.factories import make_lines

ROWS = [
    dict(order_id=1, customer_id="anna@x.com", ordered_at="2024-05-01", customer_name="Anna Rossi",
         unit_price=50.0),
    dict(order_id=2, customer_id="anna@x.com", ordered_at="2024-06-01", customer_name="Anna Rossi",
         unit_price=50.0, is_gift=True),
    dict(order_id=3, customer_id="bob@x.com", ordered_at="2024-06-20", accepts_marketing=False),
    dict(order_id=4, customer_id="etsy:42", ordered_at="2023-06-01", source="etsy", email=None),
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


def test_customers_json_has_the_contract_fields(ws: Path) -> None:
    result = run(ws, "customers", "--json")
    assert result.exit_code == 0, result.output
    data = {d["customer_id"]: d for d in json.loads(result.stdout)}
    assert set(data) == {"anna@x.com", "bob@x.com", "etsy:42"}
    anna = data["anna@x.com"]
    for key in ("segment", "tags", "recency_days", "frequency", "monetary", "reason"):
        assert key in anna
    assert anna["frequency"] == 2 and anna["monetary"] == 100.0 and anna["recency_days"] == 19
    assert anna["segment"] == "Potential Loyalists"
    assert "gift_buyer" in anna["tags"]


def test_customers_filters_limit_and_csv(ws: Path) -> None:
    one = json.loads(run(ws, "customers", "--json", "--limit", "1").stdout)
    assert [d["customer_id"] for d in one] == ["anna@x.com"]  # biggest spender first
    tagged = json.loads(run(ws, "customers", "--json", "--tag", "gift_buyer").stdout)
    assert [d["customer_id"] for d in tagged] == ["anna@x.com"]
    seg = json.loads(run(ws, "customers", "--json", "--segment", "lost").stdout)
    assert [d["customer_id"] for d in seg] == ["etsy:42"]
    rows = list(csv.DictReader(run(ws, "customers", "--csv").stdout.splitlines()))
    assert {r["customer_id"] for r in rows} == {"anna@x.com", "bob@x.com", "etsy:42"}
    table = run(ws, "customers")
    assert table.exit_code == 0 and "anna@x.com" in table.output and "explain" in table.output


def test_a_warm_customers_table_reads_only_its_columns(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a filter, the table (like --json) reads the columns it shows and the notes from
    the cache: the whole analysis (every column, every tag's reason) is not loaded."""
    import shopinsight.core.results as results

    cold = run(ws, "customers")
    loaded: list[object] = []
    whole = results.load_profiles
    monkeypatch.setattr(results, "load_profiles", lambda shop: loaded.append(shop) or whole(shop))
    warm = run(ws, "customers")
    assert warm.exit_code == 0, warm.output
    assert warm.output == cold.output
    assert loaded == []
    assert run(ws, "customers", "--segment", "lost").exit_code == 0
    assert len(loaded) == 1  # a filter still reads the whole analysis


def test_unknown_segment_is_a_clean_error(ws: Path) -> None:
    result = run(ws, "customers", "--segment", "VIPs")
    assert result.exit_code == 2
    assert "No segment 'VIPs'" in result.output


def test_segments_show_cut_points_and_the_fallback(ws: Path) -> None:
    data = json.loads(run(ws, "segments", "--json").stdout)
    assert data["fallback_used"] is True
    assert "Small-shop fallback used because 3 customers" in data["note"]
    assert len(data["segments"]) == 11
    assert sum(s["customers"] for s in data["segments"]) == 3
    assert data["cut_points"]["frequency"]["scores"]["4"] == "4–5"
    text = run(ws, "segments").output
    assert "Cut points used" in text and "Small-shop fallback" in text


def test_explain_by_email_or_id(ws: Path) -> None:
    result = run(ws, "explain", "ANNA@x.com")
    assert result.exit_code == 0, result.output
    assert "Potential Loyalists" in result.output
    assert "gift_buyer" in result.output and "1 of 2 orders were gifts" in result.output
    trace = json.loads(run(ws, "explain", "etsy:42", "--json").stdout)
    assert trace["segment"] == "Lost"
    assert trace["scores"]["R"]["band"] == "≥ 366 days"
    missing = run(ws, "explain", "nobody@x.com")
    assert missing.exit_code == 2 and "No customer 'nobody@x.com'" in missing.output


def test_tag_overrides_survive_a_reimport(ws: Path) -> None:
    assert run(ws, "tag", "add", "Bob@x.com", "wholesale").exit_code == 0
    assert run(ws, "tag", "remove", "anna@x.com", "gift_buyer").exit_code == 0
    Workspace.open(ws).commit(make_lines(ROWS), [])  # the same export imported again
    data = {d["customer_id"]: d for d in json.loads(run(ws, "customers", "--json").stdout)}
    assert "wholesale" in data["bob@x.com"]["tags"]
    assert "gift_buyer" not in data["anna@x.com"]["tags"]
    listed = json.loads(run(ws, "tag", "list", "--json").stdout)
    assert {(o["customer_id"], o["tag"], o["action"]) for o in listed} == {
        ("bob@x.com", "wholesale", "add"),
        ("anna@x.com", "gift_buyer", "remove"),
    }
    assert run(ws, "tag", "reset", "anna@x.com", "gift_buyer").exit_code == 0
    data = {d["customer_id"]: d for d in json.loads(run(ws, "customers", "--json").stdout)}
    assert "gift_buyer" in data["anna@x.com"]["tags"]


def test_tag_errors(ws: Path) -> None:
    unknown = run(ws, "tag", "add", "who@x.com", "vip")
    assert unknown.exit_code == 2 and "No customer 'who@x.com'" in unknown.output
    comma = run(ws, "tag", "add", "bob@x.com", "a,b")
    assert comma.exit_code == 2 and "cannot be a tag" in comma.output


@pytest.mark.parametrize("target", ["shopify", "klaviyo", "mailchimp", "csv", "json"])
def test_export_tags_writes_a_file(ws: Path, tmp_path: Path, target: str) -> None:
    out = tmp_path / f"out.{'json' if target == 'json' else 'csv'}"
    result = run(ws, "export", "tags", "--to", target, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "Wrote" in result.output
    if target in ("klaviyo", "mailchimp"):
        assert "left out: no email-marketing consent" in result.output


def test_export_tags_namespace_and_klaviyo_lists(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "shop.csv"
    args = ["--to", "shopify", "--namespace", "--tag", "gift_buyer", "-o", str(out)]
    run(ws, "export", "tags", *args)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["Email"] for r in rows] == ["anna@x.com"]
    assert rows[0]["Tags"].startswith("si:potential_loyalists, si:")
    base = tmp_path / "k.csv"
    result = run(ws, "export", "tags", "--to", "klaviyo", "--klaviyo-lists", "-o", str(base))
    assert result.exit_code == 0
    assert (tmp_path / "k-potential_loyalists.csv").exists()


def test_export_tags_unsubscribed_and_bad_target(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    run(ws, "export", "tags", "--to", "mailchimp", "--include-unsubscribed", "-o", str(out))
    assert "bob@x.com" in out.read_text(encoding="utf-8")
    bad = run(ws, "export", "tags", "--to", "hubspot", "-o", str(out))
    assert bad.exit_code == 2 and "Unknown export target 'hubspot'" in bad.output


def test_empty_workspace_says_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "customers")
    assert result.exit_code == 2
    assert "No orders yet" in result.output
