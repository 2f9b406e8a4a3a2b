"""Churn's work in background threads gives what the same work in the caller's thread gives:
the whole shop's features grouped during the backtest, the learned model fitted while the
backtest's rule table is built."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import shopinsight.core.churn.features as churn_features
import shopinsight.core.churn.model as churn_model
from shopinsight.core.churn.features import customer_features, prefetch_features, prepare_history
from shopinsight.core.churn.model import fit_in_background, fit_model, training_frame
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.config import defaults
from tests.core.test_churn_backtest import AS_OF, HORIZON, btyd_lines


@pytest.fixture(scope="module")
def lines() -> pl.LazyFrame:
    return btyd_lines(customers=600).lazy()


def test_prefetched_features_are_the_features(lines):
    day = AS_OF - dt.timedelta(days=HORIZON)
    plain = customer_features(prepare_history(lines, defaults()), day, HORIZON)
    history = prepare_history(lines, defaults())
    prefetch_features(history, day, HORIZON)
    assert ("plain", day, HORIZON) in history.cache  # started, not built in the caller
    prefetched = customer_features(history, day, HORIZON)
    assert ("plain", day, HORIZON) not in history.cache  # handed over once waited for
    assert prefetched.equals(plain)
    prefetch_features(history, day, HORIZON)  # built already: nothing started again
    assert ("plain", day, HORIZON) not in history.cache


def test_an_error_in_the_prefetch_is_raised_where_the_features_are_asked(lines, monkeypatch):
    def broken(history, cutoff, horizon):
        raise ValueError("no features")

    monkeypatch.setattr(churn_features, "_plain_features", broken)
    history = prepare_history(lines, defaults())
    prefetch_features(history, AS_OF, HORIZON)
    with pytest.raises(ValueError, match="no features"):
        customer_features(history, AS_OF, HORIZON)


def test_model_fitted_in_background_is_the_model(lines):
    settings = ChurnSettings.from_config(defaults(), HORIZON)
    history = prepare_history(lines, defaults())
    frame, cutoffs = training_frame(history, AS_OF - dt.timedelta(days=HORIZON), settings)
    here = fit_model(frame, cutoffs, settings)
    there = fit_in_background(frame, cutoffs, settings).result(timeout=120)
    assert there.calibration == here.calibration and there.rows == here.rows
    x = churn_model._matrix(frame)
    for a, b in zip(here.boosters, there.boosters, strict=True):
        assert np.array_equal(a.predict_proba(x), b.predict_proba(x))


def test_an_error_in_the_background_fit_is_raised_to_the_caller(lines, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("cannot fit")

    monkeypatch.setattr(churn_model, "fit_model", broken)
    settings = ChurnSettings.from_config(defaults(), HORIZON)
    with pytest.raises(RuntimeError, match="cannot fit"):
        fit_in_background(pl.DataFrame(), [], settings).result(timeout=60)
