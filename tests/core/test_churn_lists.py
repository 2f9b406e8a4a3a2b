"""The to-act list: sized for a small team, save-now before win-back, marks move the next up."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from shopinsight.core.churn.alerts import churn_alerts
from shopinsight.core.churn.lists import remark
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.config import defaults
from tests.core.test_churn_backtest import AS_OF, HORIZON, btyd_lines


@pytest.fixture(scope="module")
def shop():
    return btyd_lines()


@pytest.fixture(scope="module")
def result(shop):
    return churn_alerts(shop.lazy(), AS_OF, defaults(), horizon_days=HORIZON)


def test_list_is_sized_for_a_small_team(result):
    table = result.alerts
    active = table.filter(pl.col("recency") <= 365).height
    assert table["is_alert"].sum() == min(25, math.ceil(0.1 * active))
    assert table["list"].drop_nulls().len() > 100  # many flagged, few to act on


def test_list_size_setting(shop):
    config = defaults()
    config["churn"]["list_size"] = 5
    out = churn_alerts(shop.lazy(), AS_OF, config, horizon_days=HORIZON)
    assert out.alerts["is_alert"].sum() == 5


def test_save_now_is_recent_and_likely_win_back_is_the_rest(result):
    table = result.alerts
    save = table.filter(pl.col("list") == "save_now")
    assert save.height > 0
    oldest = AS_OF - dt.timedelta(days=2 * HORIZON)
    assert (save["expected_next_order"] >= oldest).all()  # nobody "expected" long ago
    assert (save["p_alive"] >= 0.3).all()
    win = table.filter(pl.col("list") == "win_back")
    assert not save["status"].is_in(["lapsed", "one_and_done"]).any()
    gone = win["status"].is_in(["lapsed", "one_and_done"])
    assert ((win["expected_next_order"] < oldest) | (win["p_alive"] < 0.3) | gone).all()
    listed = table.filter("is_alert")
    # save now first, each list by value at risk
    codes = listed["list"].replace_strict({"save_now": 0, "win_back": 1}).to_list()
    assert codes == sorted(codes)
    assert listed.filter(pl.col("list") == "save_now")["value_at_risk"].is_sorted(descending=True)
    assert (table.filter(pl.col("list").is_null())["is_alert"] == False).all()  # noqa: E712


def test_marks_take_customers_off_and_free_their_place_a_week_later(shop, result):
    table = result.alerts
    size = table["is_alert"].sum()
    top = table.filter("is_alert")["customer_id"].head(3).to_list()
    marked_at = dt.datetime.combine(AS_OF, dt.time(), dt.UTC)
    states = pl.DataFrame(
        {
            "customer_id": top,
            "state": ["contacted", "snoozed", "dismissed"],
            "until": [AS_OF + dt.timedelta(days=10)] * 2 + [None],
            "marked_at": [marked_at] * 3,
            "last_order_at": [marked_at] * 3,
        }
    )
    last = pl.DataFrame(
        {"customer_id": top, "last_order_at": [marked_at - dt.timedelta(days=99)] * 3}
    )
    settings = ChurnSettings.from_config(defaults(), HORIZON)

    def listed(as_of: dt.date, days_after_mark: int) -> list[str]:
        now = marked_at + dt.timedelta(days=days_after_mark)
        marked = remark(table, states, last, as_of, settings, now=now)
        return marked.filter("is_alert")["customer_id"].to_list()

    this_week = listed(AS_OF, 1)  # the team works through the list: it gets shorter
    assert len(this_week) == size - 3 and set(top).isdisjoint(this_week)
    next_week = listed(AS_OF, 8)  # their places go to the next customers
    assert len(next_week) == size and set(top).isdisjoint(next_week)
    after = set(listed(AS_OF + dt.timedelta(days=11), 11))  # snooze and contact run out
    assert top[0] in after and top[1] in after and top[2] not in after  # dismissed stays off


def replayed(n: int, lost_top: int, config_days: int = 90) -> pl.DataFrame:
    """A backtest table by hand: n lapsed customers worth 100, 99, ... at stake; the `lost_top`
    worth the most did not come back, the rest did."""
    day = dt.date(2024, 1, 1)
    return pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "status": ["lapsed"] * n,
            "in_season_wait": [False] * n,
            "expected_next_order": [day - dt.timedelta(days=10)] * n,
            "p_alive": [0.6] * n,
            "recency": [40] * n,
            "expected_spend": [100.0 - i for i in range(n)],
            "rule_risk": [0.9] * n,
            "lost": [1 if i < lost_top else 0 for i in range(n)],
        }
    )


def test_backtest_scores_the_list_the_merchant_sees_not_every_flagged():
    from shopinsight.core.churn.backtest import method_score

    # 40 flagged; the list holds 10% of the 40 active customers: the 4 worth the most, all lost
    score = method_score(replayed(40, 4), "rule_risk", ChurnSettings(), dt.date(2024, 1, 1))
    assert score.alerts == 4
    assert score.precision == 1.0  # of every flagged customer only 4 of 40 (10%) were lost
    assert score.recall == 1.0
    small = method_score(
        replayed(40, 4), "rule_risk", ChurnSettings(list_size=2), dt.date(2024, 1, 1)
    )
    assert (small.alerts, small.precision, small.recall) == (2, 1.0, 0.5)


def test_backtest_alerts_are_list_sized(result):
    bt = result.backtest
    cap = min(25, math.ceil(0.1 * result.alerts.filter(pl.col("recency") <= 365).height))
    for score in (bt.rule, bt.btyd, bt.recency, bt.model):
        assert 0 < score.alerts <= cap
