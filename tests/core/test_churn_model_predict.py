"""The churn model's own tree walk predicts what scikit-learn's predict_proba does, to the bit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

import shopinsight.core.churn.model as churn_model
from shopinsight.core.churn.model import (
    BOOSTERS,
    CATEGORICAL,
    MODEL_FEATURES,
    ChurnModel,
    _predict_lost,
    _walk_trees,
    blend_inputs,
)


def _data(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Model-shaped inputs: numbers with gaps, two small categorical codes, a noisy outcome
    that the numbers and the categories both move."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 30.0, size=(rows, len(MODEL_FEATURES)))
    cats = [MODEL_FEATURES.index(c) for c in CATEGORICAL]
    for j in cats:
        x[:, j] = rng.integers(0, 11, rows)
    x[rng.random(x.shape) < 0.05] = np.nan
    score = x[:, 0] / 60 - np.nan_to_num(x[:, 1]) / 80 + (x[:, cats[0]] % 3 == 0)
    y = (score + rng.normal(0, 0.7, rows) > 0.6).astype(np.int8)
    return x, y


@pytest.fixture(scope="module")
def booster() -> HistGradientBoostingClassifier:
    x, y = _data(3000, 1)
    cats = [MODEL_FEATURES.index(c) for c in CATEGORICAL]
    return HistGradientBoostingClassifier(
        **BOOSTERS[0], categorical_features=cats, early_stopping=False, random_state=7
    ).fit(x, y)


def test_walk_matches_predict_proba_with_missing_and_unknown_values(booster):
    x, _ = _data(2000, 2)
    cats = [MODEL_FEATURES.index(c) for c in CATEGORICAL]
    x[:50, cats[0]] = 37.0  # a category never seen in training: treated as missing
    x[50:100, cats[1]] = np.nan
    assert sum(int(t[0].nodes["is_categorical"].sum()) for t in booster._predictors) > 0
    expected = booster.predict_proba(x)[:, 1]
    assert np.array_equal(_walk_trees(booster, x), expected)
    assert np.array_equal(_predict_lost(booster, x), expected)


@pytest.mark.parametrize("gaps", [True, False])
def test_values_right_on_a_split_go_left_as_in_scikit_learn(booster, gaps):
    x, _ = _data(400, 5)
    if not gaps:  # columns without a missing value take a shorter path
        x = np.nan_to_num(x, nan=1.0)
    splits = [
        (int(node["feature_idx"]), float(node["num_threshold"]))
        for trees in booster._predictors
        for node in trees[0].nodes
        if not node["is_leaf"] and not node["is_categorical"]
    ]
    # the trees number the columns as encoded: the categorical ones first
    raw = np.r_[np.flatnonzero(booster.is_categorical_), np.flatnonzero(~booster.is_categorical_)]
    for i, (feature, threshold) in enumerate(splits):
        x[i, raw[feature]] = threshold  # exactly on the split: goes left (x <= threshold)
    assert np.array_equal(_walk_trees(booster, x), booster.predict_proba(x)[:, 1])


def test_a_disagreeing_walk_falls_back_to_scikit_learn(booster, monkeypatch):
    x, _ = _data(1000, 3)
    monkeypatch.setattr(churn_model, "_walk_trees", lambda b, data: np.zeros(len(data)))
    assert np.array_equal(_predict_lost(booster, x), booster.predict_proba(x)[:, 1])


def test_blend_inputs_read_the_walk(booster):
    import polars as pl

    x, _ = _data(600, 4)
    frame = pl.DataFrame({f: x[:, i] for i, f in enumerate(MODEL_FEATURES)}).with_columns(
        pl.lit(0.4).alias("rule_risk"), pl.lit(None, pl.Float64).alias("btyd_risk")
    )
    model = ChurnModel([booster], (1.0, 1.0, 0.0, 0.0), [dt.date(2024, 1, 1)], 600, "test")
    trees = blend_inputs(model, frame)[:, 0]
    p = np.clip(booster.predict_proba(x)[:, 1], churn_model.EPS, 1 - churn_model.EPS)
    assert np.array_equal(trees, np.log(p / (1 - p)))
