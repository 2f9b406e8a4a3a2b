"""Work churn starts ahead in a thread (the day's features, sklearn's import) changes nothing:
the same tables, and sklearn is prefetched only where a model could be trained."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl

from shopinsight.core.churn.backtest import backtest_horizon, learning, span_days
from shopinsight.core.churn.features import customer_features, prefetch_features, prepare_history
from shopinsight.core.churn.model import can_train, may_train, training_frame
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.config import defaults
from shopinsight.core.orders import lines_as_of
from tests.core.test_churn_isotonic import AS_OF, small_shop


def _history(lines: pl.DataFrame):
    return prepare_history(lines_as_of(lines.lazy(), AS_OF), defaults())


def test_prefetched_features_are_the_same_table() -> None:
    lines = small_shop(1500, seed=4)
    plain, ahead = _history(lines), _history(lines)
    for day in (AS_OF, AS_OF - dt.timedelta(days=90)):
        prefetch_features(ahead, day, 90)
        assert ("pending", "features", day, 90) in ahead.cache
        got = customer_features(ahead, day, 90)
        assert ("pending", "features", day, 90) not in ahead.cache
        assert got.equals(customer_features(plain, day, 90))
        prefetch_features(ahead, day, 90)  # already there: nothing started
        assert ("pending", "features", day, 90) not in ahead.cache


def test_may_train_whenever_a_model_can_be_trained() -> None:
    """may_train is a cheap necessary condition of can_train (sklearn is imported early only
    where it is likely needed, and never missed where it is)."""
    settings = ChurnSettings.from_config(defaults())
    seen = set()
    for customers, seed in ((400, 3), (1500, 4), (3000, 5)):
        history = _history(small_shop(customers, seed))
        h = backtest_horizon(settings, span_days(history, AS_OF))
        then = AS_OF - dt.timedelta(days=h)
        learn, _ = learning(settings, span_days(history, then))
        trainable = can_train(training_frame(history, then, learn)[0], learn) is None
        assert may_train(history, then, learn) or not trainable
        seen.add(trainable)
    assert seen == {True, False}  # both cases were tried


def test_work_ahead_is_used_only_for_the_same_customers(monkeypatch) -> None:
    """The profile columns and next products worked out ahead are for the very customers the
    finished table holds and asks for (so they are used); were they for others, they are worked
    out again: the same alerts either way."""
    from shopinsight.core.churn import alerts

    lines = small_shop(1500, seed=4).lazy()
    used: list[tuple[bool, bool]] = []
    with_profiles, journeys_of, join = alerts._with_profiles, alerts._journeys_of, []

    def spy_profiles(ahead, table, history, profiles):
        join.append(False)
        return with_profiles(ahead, table, history, profiles)

    def spy_join(*args):
        if threading.current_thread() is threading.main_thread():
            join[-1] = True  # joined here, not taken from the prefetch
        return spy_join.__wrapped__(*args)  # type: ignore[attr-defined]

    def spy_journeys(ahead, wanted):
        out = journeys_of(ahead, wanted)
        used.append((out is not None, join[-1]))
        return out

    spy_join.__wrapped__ = alerts._join_profiles  # type: ignore[attr-defined]
    monkeypatch.setattr(alerts, "_with_profiles", spy_profiles)
    monkeypatch.setattr(alerts, "_journeys_of", spy_journeys)
    plain = alerts.churn_alerts(lines, AS_OF, defaults())
    assert used == [(True, False)]
    assert plain.alerts["action"].str.contains("suggest").any()  # picks were named

    prefetch = alerts._prefetch

    def others(lines, history, as_of, settings, profiles):  # worked out for others
        ahead = prefetch(lines, history, as_of, settings, profiles)
        wanted, cols = ahead.profiled.result()
        nexts = ahead.journeys.result()
        ahead.profiled.result = lambda: (wanted.head(wanted.len() - 1), cols.reverse())
        ahead.journeys.result = lambda: nexts.head(0)
        return ahead

    monkeypatch.setattr(alerts, "_prefetch", others)
    monkeypatch.setattr(alerts, "_join_profiles", spy_join)
    again = alerts.churn_alerts(lines, AS_OF, defaults())
    assert used[-1] == (False, True)
    assert again.alerts.equals(plain.alerts)
