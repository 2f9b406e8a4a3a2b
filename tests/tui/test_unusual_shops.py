"""Shops unlike the demo, as the app shows them: a file of member visits without any amount
(Groceries), a bakery's baskets without buyers or amounts (Bread Basket), amounts in no named
currency (Complete Journey). Each test fails on the code before its fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Static

from shopinsight.core.importers import import_files
from shopinsight.core.shop import Shop
from shopinsight.core.workspace import Workspace
from shopinsight.tui.widgets.charts import BarChart, ColumnChart
from shopinsight.tui.widgets.kpi import Kpi
from tests.tui.conftest import go, settle
from tests.tui.test_app import text_of

DAY = dt.date(2025, 3, 31)


def text(widget: Static) -> str:
    return " ".join(str(widget.render()).split())


def kpi(app, key: str) -> tuple[str, str]:  # noqa: ANN001
    tile = app.screen.query_one(f"#kpi-{key}", Kpi)
    value = text(tile.query_one(".kpi-value", Static))
    label = text(tile.query_one(".kpi-label", Static))
    return value, label


def _shop(tmp_path: Path, name: str, body: str) -> Workspace:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    ws = Workspace.open(tmp_path / "workspace")
    import_files(ws, [path])
    return ws


@pytest.fixture
def visits_ws(tmp_path: Path) -> Workspace:
    """Member visits, Groceries_dataset.csv's layout: a member, a day, an item; no money."""
    rows = ["Member_number,Date,itemDescription"]
    for member in range(1000, 1012):
        for month in (1, 2, 3):
            if member % 3 == 0 and month > 1:
                continue
            rows.append(f"{member},{10 + member % 7:02d}-{month:02d}-2025,whole milk")
            rows.append(f"{member},{10 + member % 7:02d}-{month:02d}-2025,rolls/buns")
    rows.append("1001,31-03-2025,yogurt")
    return _shop(tmp_path, "Groceries_dataset.csv", "\n".join(rows) + "\n")


@pytest.fixture
def baskets_ws(tmp_path: Path) -> Workspace:
    """A bakery's till, BreadBasket_DMS.csv's layout: baskets, no buyer, no money."""
    rows = ["Date,Time,Transaction,Item"]
    for n in range(1, 61):
        day = f"2025-03-{1 + n % 31:02d}"
        for item in ("Coffee", "Toast") if n % 2 else ("Coke", "Sandwich"):
            rows.append(f"{day},09:{n % 60:02d}:00,{n},{item}")
    return _shop(tmp_path, "BreadBasket_DMS.csv", "\n".join(rows) + "\n")


@pytest.fixture
def unnamed_money_ws(tmp_path: Path) -> Workspace:
    """Amounts with no currency column and no [shop] currency (Complete Journey)."""
    rows = ["InvoiceNo,InvoiceDate,StockCode,Description,Quantity,UnitPrice,CustomerID"]
    for n in range(40):
        day = f"2025-{1 + n % 3:02d}-{1 + n % 28:02d}"
        rows.append(f"{n},{day} 10:00,A{n % 4},Thing {n % 4},2,{3 + n % 5}.25,{500 + n % 9}")
    rows.append("99,2025-03-31 10:00,A1,Thing 1,1,4.00,501")
    return _shop(tmp_path, "transactions_sample.csv", "\n".join(rows) + "\n")


async def test_a_shop_without_amounts_says_so_instead_of_zero_revenue(visits_ws, make_app):
    """Groceries' member visits: the Revenue tile said '0 unknown' (the currency code wrapped
    onto the label's line, so the tile did not say what it was), the chart an empty frame,
    and the value line 'Expected next 12 months: 0.00 from 0 customers'."""
    status = Shop(visits_ws, DAY).status()
    assert status["customers"] > 0 and not any(status["net_revenue"].values())
    app = make_app(visits_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert kpi(app, "revenue") == ("no amounts", "Revenue")
        chart = app.screen.query_one("#revenue-chart", ColumnChart)
        assert chart.points == []
        assert "no prices or totals" in " ".join(str(chart.render()).split())
        assert app.screen.query_one("#revenue-panel").border_title == "Revenue by month"
        line = text(app.screen.query_one("#value-line", Static))
        assert "0.00" not in line and "no amounts" in line
        # the customers are there all the same, as status counts them
        assert kpi(app, "customers")[0] == f"{status['customers']:,}"


async def test_a_shop_without_buyers_says_why_it_has_no_customers(baskets_ws, make_app):
    """Bread Basket: the revenue chart said 'No orders yet.' over 60 orders, the segments
    'No segments yet.' without a word on why (no order has a buyer)."""
    app = make_app(baskets_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        months = " ".join(str(app.screen.query_one("#revenue-chart").render()).split())
        assert "No orders yet" not in months
        segments = app.screen.query_one("#segments-chart", BarChart)
        words = " ".join(str(segments.render()).split())
        assert "none of the 60 orders has a buyer identity" in words
        assert kpi(app, "revenue") == ("no amounts", "Revenue")
        assert kpi(app, "repeat")[0] == "–"  # no customer: no rate (was 0.0%)


async def test_amounts_of_no_named_currency_show_without_unknown(unnamed_money_ws, make_app):
    """Complete Journey: amounts in no named currency showed as '234k unknown' (wrapping over
    the tile's label at 80 columns), 'Revenue by month (unknown)', '· unknown'."""
    status = Shop(unnamed_money_ws, DAY).status()
    assert "unknown" in status["net_revenue"]
    app = make_app(unnamed_money_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        value, label = kpi(app, "revenue")
        assert label == "Revenue" and "unknown" not in value
        assert kpi(app, "aov")[1] == "Avg order"
        title = app.screen.query_one("#revenue-panel").border_title
        assert title == "Revenue by month (no currency)"
        assert "unknown" not in str(app.screen.query_one("#segments-panel").border_subtitle)
        await go(pilot, "2")
        detail = text_of(app, "#customer-detail-text")
        assert "spent" in detail
        assert "unknown" not in detail
        await go(pilot, "3")
        rule = text(app.screen.query_one("#policy-rule", Static))
        assert "max 40.00" in rule and "unknown" not in rule


async def test_screens_of_a_shop_without_buyers_say_why_they_are_empty(baskets_ws, make_app):
    """Bread Basket on Customers, Insights and Churn: 'No customers match.' (no filter was
    set), 'No customers with a purchase yet: … the first paid order' and a backtest of
    'Cadence rule (used): .' over 0 customers, where no order has a buyer."""
    app = make_app(baskets_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        table = " ".join(str(app.screen.query_one(".frame-table-empty", Static).render()).split())
        assert "none of the 60 orders has a buyer identity" in table
        await go(pilot, "6")
        title = text(app.screen.query_one("#cohort-title", Static))
        assert "none of the 60 orders has a buyer" in title and "paid order" not in title
        assert "0 of 0" not in text(app.screen.query_one("#repeat-summary", Static))
        await go(pilot, "4")
        backtest = text(app.screen.query_one("#churn-backtest", Static))
        assert "none of the 60 orders has a buyer identity" in backtest
        assert "(used): ." not in backtest
        summary = text(app.screen.query_one("#churn-summary", Static))
        assert summary.startswith("No customer scored") and "0.00" not in summary


async def test_a_shop_without_amounts_has_no_net_revenue_cohorts(visits_ws, make_app):
    """Insights on member visits: `v` went through a third table of zeros ('net in later
    months'); with no amounts it cycles between shares and customers."""
    app = make_app(visits_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "6")
        seen = []
        for _ in range(4):
            seen.append(app.screen.view)
            await go(pilot, "v")
        assert seen == ["share", "active", "share", "active"]


async def test_bundles_of_a_shop_without_buyers_show_no_reach_and_no_gift(baskets_ws, make_app):
    """Bread Basket's bundles: Reach said 0 on every row (there is no buyer to reach), `g`
    went on to offer the product as a gift to segments of no one, and the detail said 'no
    usual price for every item' where the exports have no price at all."""
    app = make_app(baskets_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "5")
        screen = app.screen
        assert screen.rows is not None and screen.rows.height > 0
        assert screen.rows["reach_customers"].null_count() == screen.rows.height
        assert "no order has a buyer" in text(screen.query_one("#bundle-summary", Static))
        assert "no prices in the exports" in text(screen.query_one("#bundle-detail", Static))
        await go(pilot, "g")
        assert len(app.screen_stack) == 1  # no segment picker
        said = [n.message for n in app._notifications]
        assert any("No customers to give it to" in m for m in said)


async def test_customers_of_a_shop_without_amounts_are_not_listed_by_zero_spend(
    visits_ws, make_app
):
    """Customers on member visits: every row said Spent 0.00 with an empty Value, sorted on
    that column (no order at all), and the detail 'spent 0.00 unknown (avg 0.00 unknown)'
    and '0.00 unknown ×2' per order. Now: no Spent or Value column, most orders first, and
    the detail says the orders carry no amounts."""
    from shopinsight.tui.widgets.frame_table import FrameTable

    app = make_app(visits_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        table = app.screen.query_one("#customers-table", FrameTable)
        shown = [c.name for c in table.shown_cols]
        assert "monetary" not in shown and "expected_value" not in shown and "orders" in shown
        assert (table.sort_col, table.sort_desc) == ("orders", True)
        orders = table.frame["orders"].to_list()
        assert orders == sorted(orders, reverse=True)
        assert "sorted by Orders" in text(app.screen.query_one("#cust-summary", Static))
        detail = text_of(app, "#customer-detail-text")
        facts_and_orders = detail.split("\nSegment")[0]  # the segment's reason is the core's
        assert "carry no amounts" in facts_and_orders and "0.00" not in facts_and_orders


async def test_an_export_of_no_one_is_refused_with_the_reason(unnamed_money_ws, make_app):
    """Export on a shop whose customers have no email or phone (Complete Journey's household
    numbers): ctrl+s asked 'Export 0 customers to Shopify?' and wrote a file of headers; it
    now says why there is nothing to write. The Orders tile's tooltip said '41 in unknown
    count as purchases'."""
    app = make_app(unnamed_money_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tip = str(app.screen.query_one("#kpi-orders", Kpi).tooltip)
        assert "unknown" not in tip and "of them count as purchases" in tip
        await go(pilot, "e")
        await go(pilot, "ctrl+s")
        assert len(app.screen_stack) == 1  # no confirmation of an empty file
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Nothing to export: ") and "email" in m for m in said), said


async def test_a_share_of_spend_budget_says_it_is_0_without_amounts(visits_ws, make_app):
    """Gifts: a policy 'up to 5% of 12-month spend, max 40.00' on member visits without
    amounts (its budget is min(40, 5% of 0) = 0) said nothing of it."""
    app = make_app(visits_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        rule = text(app.screen.query_one("#policy-rule", Static))
        assert "12-month spend" in rule and "carry no amounts" in rule


async def test_gift_policies_without_buyers_say_why_no_one_gets_one(baskets_ws, make_app):
    """Gifts on baskets without buyers: '0 customers' on every segment without a word on
    why."""
    app = make_app(baskets_ws, as_of=DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go(pilot, "3")
        rule = text(app.screen.query_one("#policy-rule", Static))
        assert "0 customers: no order has a buyer identity" in rule
