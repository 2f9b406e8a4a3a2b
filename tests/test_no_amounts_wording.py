"""A shop whose exports carry no amounts (member visits: a member, a day, an item) shows no
money as if it were a figure at the customer level: spend (M) is not scored, the segment
reason names recency and frequency only and says why, segments use R and F only (the schemes
that split by spend would put everyone in their M1 cells: no Champions at all), "customers"
is not defined by "money kept", and the HTML report says "no amounts" as `status` does.
Shops with amounts keep their M scores, reasons and report columns."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from shopinsight.cli import app
from shopinsight.core.config import defaults
from shopinsight.core.customers.segments import NOT_SCORED, score_segments
from tests.factories import import_file, member_visits

runner = CliRunner()

WHY = "the imported exports carry no prices or totals"


def _table(rows: list[tuple[int, int, float]]) -> pl.DataFrame:
    """A customer table: (recency_days, frequency, monetary) per customer."""
    return pl.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(len(rows))],
            "recency_days": [r[0] for r in rows],
            "frequency": [r[1] for r in rows],
            "monetary": [float(r[2]) for r in rows],
            "typical_gap_days": [None] * len(rows),
        },
        schema_overrides={"recency_days": pl.Int64, "frequency": pl.Int64},
    )


def _config(**segments: object) -> dict:
    cfg = defaults()
    cfg["segments"] = {**cfg["segments"], **segments}
    return cfg


# recent and frequent, recent once, long gone: fixed small-shop bands (fallback "always")
VISITS = [(5, 3, 0.0), (5, 1, 0.0), (400, 1, 0.0), (400, 3, 0.0), (100, 2, 0.0)]


def test_without_amounts_m_is_not_scored_and_the_reason_says_why() -> None:
    scored, info = score_segments(_table(VISITS), _config(fallback="always"))
    assert scored.get_column("m_score").null_count() == scored.height  # not M1 for everyone
    first = scored.row(0, named=True)
    assert first["segment_reason"] == (
        "last order 5 days ago (R5: ≤ 30 days), 3 order days (F3: 3); spend not scored "
        f"({WHY}) → Potential Loyalists (R 4–5, F 2–3)"
    )
    assert "net" not in " ".join(scored.get_column("segment_reason").to_list())
    assert set(info.cut_points["monetary"]["scores"].values()) == {NOT_SCORED}
    assert info.cut_points["monetary"]["cuts"] == []
    assert f"Spend (M) is not scored: {WHY}, so segments use R and F only." in info.note
    # revenue of the segments is not known, rather than 0.00 and 0%
    assert info.sizes.get_column("revenue").null_count() == info.sizes.height
    assert info.sizes.get_column("revenue_share").null_count() == info.sizes.height


def test_without_amounts_a_spend_scheme_segments_on_r_and_f() -> None:
    """klaviyo's Champions are 333, 332 and 323: with every M at 1 no one could be one."""
    rows = [*VISITS, (5, 6, 0.0)]
    scored, info = score_segments(_table(rows), _config(scheme="klaviyo", fallback="always"))
    assert info.scheme == "standard"
    assert "The klaviyo scheme splits customers by spend too" in info.note
    # R5 (≤ 30 days), F5 (6 orders): the standard grid's Champions (R 5, F 4–5)
    assert scored.get_column("segment").to_list()[-1] == "Champions"
    assert scored.get_column("segment").null_count() == 0


def test_with_amounts_m_is_scored_as_before() -> None:
    """One customer's spend is enough: the exports carry amounts, zeros are zeros."""
    rows = [(r, f, 0.0) for r, f, _ in VISITS[:-1]] + [(100, 2, 20.0)]
    scored, info = score_segments(_table(rows), _config(scheme="klaviyo", fallback="always"))
    assert info.scheme == "klaviyo"
    assert scored.get_column("m_score").null_count() == 0
    assert ", net 20.00 (M3) → " in scored.get_column("segment_reason")[-1]
    assert "not scored" not in info.note


def _members(tmp_path: Path, scheme: str = "standard") -> str:
    """Member visits as the Groceries data set has them: member, day, item; no money."""
    ws = Path(import_file(tmp_path, "Groceries_dataset.csv", member_visits()))
    if scheme != "standard":
        toml = ws / "shopinsight.toml"
        text = toml.read_text(encoding="utf-8")
        assert 'scheme = "standard"' in text
        toml.write_text(text.replace('scheme = "standard"', f'scheme = "{scheme}"'), "utf-8")
    return str(ws)


def _json(ws: str, *args: str):
    result = runner.invoke(app, ["-w", ws, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_customers_of_a_members_file_read_true(tmp_path: Path) -> None:
    ws = _members(tmp_path)
    rows = _json(ws, "customers")
    assert rows and all(r["m_score"] is None for r in rows)
    for r in rows:
        assert "net" not in r["reason"] and "0.00" not in r["reason"]
        assert "0.00" not in r["segment_reason"] and "(M" not in r["segment_reason"]
        assert f"spend not scored ({WHY})" in r["segment_reason"]
    segments = _json(ws, "segments")
    assert all(s["revenue"] is None for s in segments["segments"])
    assert "Spend (M) is not scored" in segments["note"]
    trace = _json(ws, "explain", rows[0]["customer_id"])
    assert list(trace["scores"]) == ["R", "F"]  # no M1 band of "≤ 0.00"


def test_klaviyo_on_a_members_file_has_segments_on_r_and_f(tmp_path: Path) -> None:
    ws = _members(tmp_path, "klaviyo")
    segments = _json(ws, "segments")
    assert segments["scheme"] == "standard"
    assert "The klaviyo scheme splits customers by spend too" in segments["note"]
    named = {r["segment"] for r in _json(ws, "customers")}
    assert None not in named and named <= {s["segment"] for s in segments["segments"]}


def test_customers_definition_fits_a_shop_without_money(tmp_path: Path) -> None:
    status = _json(_members(tmp_path), "status")
    definition = status["customers_definition"]
    assert "money kept" not in definition and "refunded" not in definition
    assert definition.startswith("12 customers with a purchase (")
    assert WHY in definition


def test_report_of_a_members_file_says_no_amounts(tmp_path: Path) -> None:
    ws = _members(tmp_path)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["-w", ws, "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "0.00" not in html  # no revenue, average order or segment revenue of zeros
    assert "<b>no amounts</b>Net revenue" in html
    assert "The imported exports carry no prices or totals: orders count as purchases" in html
    chart = html.split("Net revenue by month")[1][:80]
    assert "No revenue to chart" in chart and "<svg" not in chart
    assert "<th>Net revenue</th>" not in html and "<th>At stake</th>" not in html
    # churn ranks such a shop's alerts by orders at risk (core.churn.stake): so does the report
    assert "<th>Orders at stake</th>" in html and "alerts are ranked by orders at risk" in html
    assert "Amounts in no currency" not in html
