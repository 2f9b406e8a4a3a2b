"""Work churn starts ahead in a thread (the day's features, sklearn's import) changes nothing:
the same tables, and sklearn is prefetched only where a model could be trained."""

from __future__ import annotations

import datetime as dt

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


def test_prefetched_journeys_are_used_only_for_the_same_customers(monkeypatch) -> None:
    """The next products worked out ahead are for the very customers the finished table asks
    for (so they are used); were they for others, they are worked out again: the same alerts."""
    from shopinsight.core.churn import alerts

    lines = small_shop(1500, seed=4).lazy()
    used: list[bool] = []
    journeys_of = alerts._journeys_of

    def spy(journeys, wanted):
        out = journeys_of(journeys, wanted)
        used.append(out is not None)
        return out

    monkeypatch.setattr(alerts, "_journeys_of", spy)
    plain = alerts.churn_alerts(lines, AS_OF, defaults())
    assert used == [True]
    assert plain.alerts["action"].str.contains("suggest").any()  # picks were named

    prefetch = alerts._prefetch_journeys

    def others(lines, history, as_of, settings, profiles):  # ahead for one customer too few
        job = prefetch(lines, history, as_of, settings, profiles)
        wanted, nexts = job.result()
        job.result = lambda: (wanted.head(wanted.len() - 1), nexts.head(0))
        return job

    monkeypatch.setattr(alerts, "_prefetch_journeys", others)
    again = alerts.churn_alerts(lines, AS_OF, defaults())
    assert used == [True, False]
    assert again.alerts.equals(plain.alerts)
