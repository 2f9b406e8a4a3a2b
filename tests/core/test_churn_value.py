"""Customer value: a simulated shop's next year is predicted, ranged, tiered and backtested."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from shopinsight.core.churn import btyd
from shopinsight.core.churn.value import customer_value
from shopinsight.core.config import defaults
from tests.core.test_churn import orders
from tests.factories import make_lines

START = dt.date(2023, 1, 2)


def simulated_rows(customers: int, weeks: int, seed: int) -> list[dict]:
    sim = btyd.simulate(customers, weeks, seed=seed)
    days = np.floor(sim["time"] * 7).astype(int)
    return [
        dict(
            order_id=f"s{i}",
            customer_id=f"c{c}",
            ordered_at=START + dt.timedelta(days=int(d)),
            sku="MUG",
            unit_price=round(float(v), 2),
        )
        for i, (c, d, v) in enumerate(zip(sim["customer"], days, sim["value"], strict=True))
    ]


@pytest.fixture(scope="module")
def simulated():
    lines = make_lines(simulated_rows(1500, 104, seed=11))
    as_of = START + dt.timedelta(days=600)  # customers still arriving: some are new
    return customer_value(lines.lazy(), as_of, defaults(), 180), as_of


def test_value_is_ranged_tiered_and_backtested(simulated):
    result, _ = simulated
    table = result.table
    assert result.method == "BG/NBD expected orders × Gamma-Gamma order value"
    assert table.height == table["customer_id"].n_unique()
    assert (table["low"] <= table["expected_value"] + 1e-9).all()
    assert (table["expected_value"] <= table["high"] + 1e-9).all()
    assert set(table["tier"]) <= {"High", "Medium", "Low", "New"}
    top = table.filter(pl.col("tier") == "High")["expected_value"].min()
    assert top >= table.filter(pl.col("tier") == "Low")["expected_value"].max()
    bt = result.backtest
    assert bt["horizon_days"] == 180
    assert 0.8 <= bt["total_ratio"] <= 1.25
    assert bt["spearman"] > 0.3
    assert bt["top10_capture"] > 0.25  # a random tenth would hold about 10%


def test_new_customers_are_new_not_low(simulated):
    result, as_of = simulated
    new = result.table.filter(pl.col("tier") == "New")
    assert new.height > 0
    assert (new["n"] == 1).all()
    assert ((pl.Series([as_of] * new.height) - new["first_day"]).dt.total_days() < 30).all()


def test_small_shop_falls_back_to_each_customers_pace_and_says_why():
    rows = orders("a", [300, 200, 100], 40.0) + orders("b", [50], 10.0)
    result = customer_value(make_lines(rows).lazy(), dt.date(2024, 6, 30), defaults())
    assert result.horizon_days == 365
    assert result.method.startswith("each customer's own pace")
    assert any("too few customers" in n for n in result.notes)
    a = result.table.filter(pl.col("customer_id") == "a").row(0, named=True)
    assert a["expected_orders"] == pytest.approx(3 / (300 + 30) * 365)
    assert result.table["p_alive"].null_count() == 2


def test_churn_lets_go_of_its_days_tables_but_not_what_value_reads(simulated):
    """Churn scores the whole shop at its day once and lets go of those tables (at 5M lines they
    held ~300 MB through the rest of the step); the summary the value analysis reads at that
    day stays, and value on the same history reads it instead of grouping the purchases again."""
    from shopinsight.core.churn.alerts import churn_alerts
    from shopinsight.core.churn.features import prepare_history
    from shopinsight.core.orders import lines_as_of

    _, as_of = simulated
    lines = make_lines(simulated_rows(1500, 104, seed=11)).lazy()
    history = prepare_history(lines_as_of(lines, as_of), defaults())
    churn_alerts(lines, as_of, defaults(), history=history)
    days_tables = [k for k in history.cache if isinstance(k, tuple) and k[1:2] == (as_of,)]
    assert [k[0] for k in days_tables] == ["summary"]
    summary = history.cache[("summary", as_of)]
    value = customer_value(lines, as_of, defaults(), 180, history)
    assert history.cache[("summary", as_of)] is summary
    assert value.table.height == summary.height
