"""Gift campaigns: seeded control groups, state in SQLite, and a report that finds real effects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from shopinsight.core.config import parse_config
from shopinsight.core.errors import ConfigError, InputError
from shopinsight.core.gifts.campaigns import (
    assign_arms,
    campaign_report,
    campaign_settings,
    held_back_customers,
    load_campaign,
    start_campaign,
)
from shopinsight.core.schema import conform
from shopinsight.core.stats import newcombe_diff, t_quantile, welch_diff

START = dt.date(2024, 3, 1)


def plan_frame(n_per_segment: dict[str, int]) -> pl.DataFrame:
    """A packing plan stand-in: one open order per customer, all with a gift."""
    rows = [
        {
            "customer_id": f"{seg[:3]}{i}",
            "segment": seg,
            "is_gift": False,
            "gift_kind": "sample",
            "source": "shopify",
            "order_id": f"{seg[:3]}-{i}",
            "gift_sku": "TEA",
            "gift": "Tea",
            "gift_cost": 1.5,
        }  # fmt: skip
        for seg, n in n_per_segment.items()
        for i in range(n)
    ]
    return pl.DataFrame(rows)


def later_orders(customers: pl.DataFrame, p: dict[str, float], mean: float, seed: int):
    """Orders after START: each customer orders again with their arm's probability."""
    rng = np.random.default_rng(seed)
    n = customers.height
    rate = customers["arm"].replace_strict(p, return_dtype=pl.Float64).to_numpy()
    again = rng.random(n) < rate
    amount = np.round(rng.exponential(mean, n) + 1.0, 2)
    day = rng.integers(1, 60, n)
    frame = pl.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "order_id": [f"later-{i}" for i in range(n)],
            "ordered_at": [
                dt.datetime.combine(START, dt.time(9), dt.UTC) + dt.timedelta(days=int(d))
                for d in day
            ],
            "order_total": amount,
        }
    ).filter(pl.Series(again))
    return conform(
        frame.with_columns(
            source=pl.lit("shopify"),
            line_no=pl.lit(1),
            line_kind=pl.lit("product"),
            sku=pl.lit("TEA"),
            quantity=pl.lit(1),
            unit_price=pl.col("order_total"),
            line_total=pl.col("order_total"),
            refunded=pl.lit(0.0),
            currency=pl.lit("USD"),
            status=pl.lit("paid"),
            fulfilled=pl.lit(True),
        )  # fmt: skip
    ).collect()


class TestIntervals:
    def test_newcombe_matches_the_published_example(self):
        # Newcombe (1998), Stat Med 17:873, example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339
        lo, hi = newcombe_diff(56, 70, 48, 80, 1.959964)
        assert lo == pytest.approx(0.0524, abs=5e-4) and hi == pytest.approx(0.3339, abs=5e-4)

    @pytest.mark.parametrize("df", [1.0, 1.5, 2.0, 2.5, 3.0, 4.2, 9.0, 40.0, 900.0])
    def test_t_quantile_without_scipy(self, df):
        exact = stats.t.ppf(0.975, df)
        if df >= 3 or df in (1.0, 2.0):
            assert t_quantile(0.975, df) == pytest.approx(exact, abs=5e-3)
        else:  # interpolated: never narrower than the exact interval
            assert exact <= t_quantile(0.975, df) <= exact * 1.2

    def test_welch_matches_scipy(self):
        rng = np.random.default_rng(1)
        a, b = rng.exponential(50, 300), rng.exponential(40, 80)
        want = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
        assert welch_diff(a, b, 0.95) == pytest.approx((want.low, want.high), rel=1e-5)


class TestArms:
    def test_control_share_per_segment_is_seeded(self):
        plan = plan_frame({"Champions": 10, "Loyal Customers": 25, "Promising": 2})
        arms = assign_arms(plan, 0.2, seed=5)
        control = arms.filter(pl.col("arm") == "control").group_by("segment").len()
        assert dict(control.iter_rows()) == {"Champions": 2, "Loyal Customers": 5}
        assert arms.equals(assign_arms(plan.sample(fraction=1.0, shuffle=True, seed=3), 0.2, 5))
        other = assign_arms(plan, 0.2, seed=6)
        assert not arms["arm"].equals(other["arm"])

    def test_only_customers_who_get_something_are_enrolled(self):
        plan = pl.concat(
            [
                plan_frame({"Champions": 3}),
                plan_frame({"Lost": 2}).with_columns(gift_kind=pl.lit("none")),
                plan_frame({"Gifts": 2}).with_columns(is_gift=pl.lit(True)),
                plan_frame({"Anon": 1}).with_columns(customer_id=pl.lit(None, pl.Utf8)),
            ]
        )
        assert set(assign_arms(plan, 0.3, 1)["segment"]) == {"Champions"}

    def test_bad_share(self):
        with pytest.raises(InputError, match="between 0 and 1"):
            assign_arms(plan_frame({"A": 3}), 1.5, 1)
        with pytest.raises(ConfigError, match="control_share"):
            campaign_settings(parse_config("[gifts.campaign]\ncontrol_share = 0"))


class TestRecord:
    def test_start_hold_back_and_no_double_enrolment(self, ws):
        plan = plan_frame({"Champions": 10})
        with ws.db() as conn:
            cid, members = start_campaign(conn, plan, START, "USD", 0.3, seed=1, days=30)
        with ws.db() as conn:
            meta, stored = load_campaign(conn)
        held = held_back_customers(ws, START + dt.timedelta(days=29))
        over = held_back_customers(ws, START + dt.timedelta(days=30))
        assert meta["id"] == cid and meta["started_on"] == START.isoformat()
        assert stored.sort("customer_id").equals(members.sort("customer_id"))
        assert sorted(held["customer_id"]) == sorted(
            members.filter(pl.col("arm") == "control")["customer_id"]
        )
        assert held.height == 3 and over.is_empty()
        with ws.db() as conn, pytest.raises(InputError, match=f"campaign #{cid}"):
            start_campaign(conn, plan, START, "USD", 0.3, seed=1)

    def test_no_campaign_yet(self, ws):
        with ws.db() as conn, pytest.raises(InputError, match="No gift campaign yet"):
            load_campaign(conn)


class TestReport:
    def test_recovers_a_planted_uplift(self):
        members = assign_arms(plan_frame({"Loyal Customers": 1500, "Champions": 1000}), 0.2, 11)
        lines = later_orders(members, {"gift": 0.40, "control": 0.25}, mean=60.0, seed=4)
        report = campaign_report(members, lines, START, START + dt.timedelta(days=60), "USD", 1)
        lo, hi = report.rate_ci
        assert lo < 0.15 < hi and lo > 0
        assert report.rate_diff == pytest.approx(0.15, abs=0.04)
        rlo, rhi = report.revenue_ci
        planted = 0.15 * 61.0
        assert rlo < planted < rhi and rlo > 0
        assert any("very likely brought customers back" in s for s in report.summary)
        arms = {r["arm"]: r for r in report.arms.iter_rows(named=True)}
        assert arms["gift"]["customers"] == 2000 and arms["control"]["customers"] == 500

    def test_no_effect_is_too_close_to_call_and_other_currency_left_out(self):
        members = assign_arms(plan_frame({"Loyal Customers": 400}), 0.5, 2)
        lines = later_orders(members, {"gift": 0.3, "control": 0.3}, mean=40.0, seed=9)
        euro = lines.head(3).with_columns(
            pl.lit("EUR").alias("currency"), (pl.col("order_id") + "-eur").alias("order_id")
        )
        before = lines.head(5).with_columns(
            pl.col("ordered_at") - dt.timedelta(days=90),
            (pl.col("order_id") + "-old").alias("order_id"),
        )
        report = campaign_report(
            members, pl.concat([lines, euro, before]), START, START + dt.timedelta(days=60), "USD"
        )
        assert report.rate_ci[0] < 0 < report.rate_ci[1]
        assert any("Too close to call" in s for s in report.summary)
        assert any("3 later orders in other currencies than USD" in s for s in report.summary)
        repeaters = report.arms["repeaters"].sum()
        assert repeaters == lines.height  # the orders before the start do not count

    def test_empty_control_group_says_so(self):
        members = assign_arms(plan_frame({"A": 1}), 0.2, 1)
        report = campaign_report(
            members, later_orders(members, {"gift": 1.0}, 10, 1), START, START, "USD"
        )
        assert report.rate_ci is None
        assert "nothing to compare" in " ".join(report.summary)
        assert report.to_dict()["repeat_rate_ci"] is None
