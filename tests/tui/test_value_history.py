"""Customer value (Customers column + detail, Overview line) and segment history in the app,
all read through `Shop` — the same figures as `shopinsight value` and `segments --as-of`."""

from __future__ import annotations

import datetime as dt

import polars as pl

from shopinsight.core.insights.segment_history import month_ends, segment_history
from shopinsight.core.shop import Shop
from shopinsight.tui.widgets.frame_table import FrameTable
from tests.tui.conftest import AS_OF, SIZE, go, settle
from tests.tui.test_app import text_of


def test_month_ends_are_the_last_six_within_the_data():
    assert month_ends(dt.date(2026, 3, 15), dt.date(2026, 12, 2)) == [
        dt.date(2026, 6, 30), dt.date(2026, 7, 31), dt.date(2026, 8, 31),
        dt.date(2026, 9, 30), dt.date(2026, 10, 31), dt.date(2026, 11, 30),
    ]  # fmt: skip
    assert month_ends(dt.date(2026, 10, 31), dt.date(2026, 12, 31)) == [
        dt.date(2026, 10, 31), dt.date(2026, 11, 30),
    ]  # fmt: skip
    assert month_ends(dt.date(2026, 12, 1), dt.date(2026, 12, 20)) == []


def test_segment_history_collapses_repeats_and_skips_days_before_the_customer():
    def table(**segs: str) -> pl.DataFrame:
        return pl.DataFrame({"customer_id": list(segs), "segment": list(segs.values())})

    d = [dt.date(2026, m, 28) for m in range(6, 11)]
    per_day = {
        d[0]: table(b="New Customers"),
        d[1]: table(a="New Customers", b="Promising"),
        d[2]: table(a="New Customers", b="Promising"),
        d[3]: table(a="Potential Loyalists", b="At Risk"),
        d[4]: table(a="Champions", b="At Risk"),
    }
    got = segment_history(per_day, "a")
    assert got.rows() == [
        (d[1], "New Customers"), (d[3], "Potential Loyalists"), (d[4], "Champions"),
    ]  # fmt: skip
    assert segment_history(per_day, "nobody").height == 0


def test_shop_segment_history_matches_segments_on_each_day(demo_ws):
    shop = Shop(demo_ws, AS_OF)
    table = shop.profiles().table
    ends = month_ends(shop.first_day(), AS_OF)
    assert len(ends) == 6
    # a customer whose segment changed over the six months
    first = Shop(demo_ws, ends[0], shop.currency()).profiles().table
    moved = first.join(table, on="customer_id", suffix="_now").filter(
        pl.col("segment") != pl.col("segment_now")
    )["customer_id"][0]
    hist = shop.segment_history(moved)
    assert hist.height >= 2
    assert hist["day"][0] == ends[0] and hist["day"][-1] in (*ends, AS_OF)
    for day, seg in hist.rows():
        at = shop.profiles() if day == AS_OF else Shop(demo_ws, day, shop.currency()).profiles()
        assert at.table.filter(pl.col("customer_id") == moved)["segment"][0] == seg
    assert hist["segment"][-1] == table.filter(pl.col("customer_id") == moved)["segment"][0]


async def test_customers_show_value_column_detail_and_segment_history(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await go(pilot, "2")
        table = app.screen.query_one("#customers-table", FrameTable)
        assert "Value" in [c.label for c in table.shown_cols]
        value = app.data.value()
        want = dict(value.table.select("customer_id", "expected_value").iter_rows())
        got = dict(table.frame.select("customer_id", "expected_value").iter_rows())
        assert got == pytest_approx(want)

        cid = table.cursor_key
        row = value.table.filter(pl.col("customer_id") == cid).row(0, named=True)
        detail = text_of(app, "#customer-detail-text")
        assert (
            f"Expected over the next 12 months: ${row['expected_value']:,.2f} "
            f"(range ${row['low']:,.2f}–${row['high']:,.2f}), tier {row['tier']}; "
            f"P(alive) {row['p_alive']:.2f}"
        ) in detail
        hist = app.data.segment_history(cid)
        assert "Segment history: " in detail and "computing" not in detail
        assert hist["segment"][-1] in detail.split("Segment history: ")[1].splitlines()[0]

        # sort by value: the highest expected value first
        app.screen.sort("expected_value")
        await settle(pilot)
        top = value.table.sort("expected_value", descending=True)["customer_id"][0]
        assert table.frame["customer_id"][0] == top


async def test_overview_shows_the_expected_value_line(demo_ws, make_app):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.data.value().table
        total = table["expected_value"].sum()
        high = table.filter(pl.col("tier") == "High")["expected_value"].sum()
        line = text_of(app, "#value-line")
        assert line == (
            f"Expected next 12 months: ${total:,.2f} from {table.height:,} customers "
            f"(High tier: ${high:,.2f})"
        )


def pytest_approx(d: dict) -> dict:
    import pytest

    return {k: pytest.approx(v) for k, v in d.items()}
