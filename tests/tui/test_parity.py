"""One number, one place: what the app shows equals what the CLI's --json prints, because both
read the same `Shop` (same function, same lines, same settings)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from textual.widgets import Static
from typer.testing import CliRunner

from shopinsight.cli import app as cli_app
from tests.tui.conftest import AS_OF, REPO, SIZE, settle

runner = CliRunner()


def cli_json(ws, *args: str, as_of=AS_OF):
    result = runner.invoke(cli_app, ["--workspace", str(ws.root), *args, "--as-of", str(as_of)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kpi(app, key: str) -> str:
    return str(app.screen.query_one(f"#kpi-{key}").query_one(".kpi-value", Static).render())


async def go(pilot, key: str) -> None:
    await pilot.press(key)
    await settle(pilot)


async def test_the_app_and_the_cli_show_the_same_numbers(demo_ws, make_app):
    await same_numbers(demo_ws, make_app, AS_OF, left_out=("CNY",))


async def test_the_same_numbers_on_the_real_exports(tmp_path, make_app):
    """Every real export in one workspace (three currencies, two Shopify stores, orders
    without buyers): both faces still agree, in the currency most customers buy in."""
    from shopinsight.core.importers import import_files
    from shopinsight.core.workspace import Workspace

    exports = REPO.parent / "shared" / "data" / "exports"
    if not exports.is_dir():
        pytest.skip("../shared/data/exports is not here")
    ws = Workspace.open(tmp_path / "real")
    shopify = exports / "shopify"
    import_files(ws, [shopify / "orders_export_1.devstore-testdata.csv"], store="devstore")
    import_files(ws, [shopify / "orders_export_1.enavant-2021-22.redacted.csv"], store="enavant")
    others = sorted(p for d in ("etsy", "taobao", "amazon") for p in (exports / d).iterdir())
    import_files(ws, others)
    last = dt.date.fromisoformat(
        cli_json(ws, "status", "--json", as_of="2030-01-01")["last_order"][:10]
    )
    await same_numbers(ws, make_app, last, left_out=("CNY", "INR"))


async def same_numbers(ws, make_app, as_of, left_out: tuple[str, ...]) -> None:
    status = cli_json(ws, "status", "--json", as_of=as_of)
    segments = cli_json(ws, "segments", "--json", as_of=as_of)
    customers = cli_json(ws, "customers", "--json", as_of=as_of)
    alerts = cli_json(ws, "churn", "--all", "--json", as_of=as_of)
    bundles = cli_json(ws, "bundles", "--json", "--top", "1000", as_of=as_of)
    value = cli_json(ws, "value", "--all", "--json", as_of=as_of)

    # one count of customers, one currency, across the CLI's own commands
    assert status["customers"] == segments["customers"] == len(customers) > 0
    assert status["currency"] == segments["currency"] == customers[0]["currency"] == "USD"
    assert sum(s["customers"] for s in segments["segments"]) == len(customers)
    for code in left_out:  # and it says what it left out
        assert f"in {code} not included" in " ".join(status["left_out"])

    app = make_app(ws, as_of=as_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert kpi(app, "customers") == f"{status['customers']:,}"
        assert kpi(app, "orders") == f"{status['orders']:,}"
        usd = status["net_revenue"]["USD"]
        tip = str(app.screen.query_one("#kpi-revenue").tooltip)
        assert f"${usd:,.2f}" in tip
        # what the revenue leaves out is the CLI's count of cancelled orders
        n = status["cancelled_orders"]
        assert (f"{n:,} cancelled order" if n else "cancelled orders excluded") in tip
        rows = app.screen.query_one("#segments-chart").rows
        shown = {name: int(n) for name, n, _ in rows}
        assert shown == {
            s["segment"]: s["customers"] for s in segments["segments"] if s["customers"]
        }
        # expected value: the Overview's total is `value --all --json` summed (rounded per row)
        line = str(app.screen.query_one("#value-line", Static).render())
        rows = value["customers"]
        money, rest = line.split("Expected next 12 months: $")[1].split(" from ")
        assert abs(float(money.replace(",", "")) - sum(r["expected_value"] for r in rows)) <= (
            0.005 * len(rows)
        )
        assert rest.startswith(f"{len(rows):,} customers") and value["currency"] == "USD"

        await go(pilot, "2")
        table = app.screen.query_one("#customers-table")
        assert table.frame.height == len(customers)
        assert table.frame["customer_id"].to_list() == [c["customer_id"] for c in customers]

        await go(pilot, "4")
        summary = str(app.screen.query_one("#churn-summary", Static).render())
        n_alerts = sum(1 for a in alerts if a["is_alert"])
        at_risk = sum(a["value_at_risk"] for a in alerts if a["is_alert"])  # rounded per row
        count, money = summary.split(" at risk")[0].split(" alerts · $")
        assert int(count.replace(",", "")) == n_alerts
        assert abs(float(money.replace(",", "")) - at_risk) <= 0.005 * n_alerts

        await go(pilot, "5")
        summary = str(app.screen.query_one("#bundle-summary", Static).render())
        assert summary.startswith(f"{len(bundles):,} bundles")
        frame = app.screen.query_one("#bundle-table").frame
        assert frame.height == len(bundles)


def test_every_analysis_says_its_currency(demo_ws):
    """`--currency` on every analysis, and each names what it used."""
    cny = cli_json(demo_ws, "segments", "--json", "--currency", "CNY")
    assert cny["currency"] == "CNY" and cny["customers"] > 0
    assert all(
        c["currency"] == "CNY"
        for c in cli_json(demo_ws, "customers", "--json", "--currency", "cny")
    )
    assert (
        pl.DataFrame(cli_json(demo_ws, "churn", "--all", "--json", "--currency", "CNY")).height > 0
    )
    bad = runner.invoke(cli_app, ["--workspace", str(demo_ws.root), "churn", "--currency", "EUR"])
    words = " ".join(bad.output.replace("│", " ").split())
    assert bad.exit_code == 2 and "Currencies with orders: CNY, USD" in words
