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
