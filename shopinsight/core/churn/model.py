"""The learned churn model: gradient boosting on the shop's own past, judged by a time split.

Training rows are customers as they stood at past cutoffs (as_of - horizon, and a few earlier
ones stacked for more data), labelled by whether they ordered in the horizon that followed;
every label ends on or before `as_of`, so nothing from the future leaks in. The boosted trees'
score is blended with the cadence rule's band risk and calibrated with Platt scaling, so a risk
of 0.7 means about 7 in 10 such customers did not come back.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from shopinsight.core.churn.features import (
    BTYD_FEATURES,
    CATEGORICAL,
    FEATURES,
    History,
    customer_features,
    labels,
)
from shopinsight.core.churn.ranks import roc_auc
from shopinsight.core.churn.rule import ChurnSettings, rule_table

if TYPE_CHECKING:  # sklearn is imported only when a model is fitted (over a second to import)
    from sklearn.ensemble import HistGradientBoostingClassifier

MODEL_FEATURES = [
    *(f for f in FEATURES if f not in ("n365", "spend365", "last_year_window")),
    *BTYD_FEATURES[:2],
]
"""Features whose meaning does not depend on how much history a cutoff has behind it, plus the
BG/NBD fit's P(alive) and expected purchases at the same cutoff."""

BOOSTERS = [
    {"max_depth": 2, "learning_rate": 0.09, "max_iter": 100, "min_samples_leaf": 100},
]
"""Shallow, strongly regularised boosting: small shops have few rows to learn from, and depth-2
trees did as well as deeper ones or a mix of depths on the Online Retail backtests."""

EPS = 1e-4

MIN_RECALIBRATION = 200
"""Backtest customers needed before the final model is calibrated on the backtest."""

CALIBRATION_ROWS = 10_000
"""In-sample calibration reads a seeded sample of the training rows; more changes nothing."""

FIT_THREADS = 1
"""OpenMP threads while fitting: one thread is steady on a busy two-core laptop, where OpenMP's
spinning workers can make a small fit many times slower."""

PREDICT_THREADS = 1
"""Prediction too: with a second busy core, two OpenMP threads wait on each other per tree."""

MODEL_MODULES = ("sklearn.ensemble", "sklearn.linear_model")
"""What fitting a model imports: over a second, so it is started early when a fit is likely."""


@dataclass
class ChurnModel:
    """A fitted model and what it was trained on (shown in the backtest and --json)."""

    boosters: list[HistGradientBoostingClassifier]
    calibration: tuple[float, ...]
    """Weights of the blend inputs (trees, rule, BG/NBD logits), then the intercept."""
    cutoffs: list[dt.date]
    rows: int
    calibrated_on: str
    notes: list[str] = field(default_factory=list)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def training_cutoffs(history: History, as_of: dt.date, settings: ChurnSettings) -> list[dt.date]:
    """Past cutoffs whose whole horizon ends by `as_of` and that have enough history before them."""
    first = history.first_day
    if first is None:
        return []
    out = []
    for k in range(settings.training_cutoffs):
        cutoff = as_of - dt.timedelta(days=settings.horizon_days + k * settings.cutoff_step_days)
        if (cutoff - first).days < settings.min_history_days:
            break
        out.append(cutoff)
    return out


def may_train(history: History, as_of: dt.date, settings: ChurnSettings) -> bool:
    """Whether `can_train` could pass on the training rows for `as_of`: there are training
    cutoffs, and enough customers had a second purchase by the latest (a cheap count, before
    the rows are built)."""
    cutoffs = training_cutoffs(history, as_of, settings)
    if not cutoffs:
        return False
    second = history.days.filter((pl.col("i") == 1) & (pl.col("day") <= cutoffs[0])).height
    return second >= settings.min_repeat_customers


def prefetch_sklearn() -> None:
    """Start importing MODEL_MODULES in a background thread: the import (Python, holding the
    GIL) runs while the caller builds the training rows in Polars (which releases it), and
    fit_model's own import waits for it to finish. Nothing when they are imported already; a
    failure is left for fit_model's import to report."""
    if all(m in sys.modules for m in MODEL_MODULES):
        return

    def run() -> None:
        try:
            for name in MODEL_MODULES:
                importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110  # fit_model imports them again and says why
            pass

    threading.Thread(target=run, name="shopinsight-sklearn-import", daemon=True).start()


def training_frame(
    history: History, as_of: dt.date, settings: ChurnSettings
) -> tuple[pl.DataFrame, list[dt.date]]:
    """Stacked rows (features, lost = 1 when no purchase within the horizon, cutoff).

    Rows of the latest cutoff also carry the rule's risk, for the in-sample calibration.
    """
    cutoffs = training_cutoffs(history, as_of, settings)
    per_cutoff = max(1, settings.max_training_rows // max(1, len(cutoffs)))
    history = history.sample(per_cutoff, settings.seed)
    parts = []
    for i, cutoff in enumerate(cutoffs):
        if i == 0:
            rows, _ = rule_table(history, cutoff, settings)
        else:
            rows = customer_features(history, cutoff, settings.horizon_days)
        came_back = labels(history, cutoff, settings.horizon_days)
        parts.append(
            rows.join(came_back, on="customer_id", how="left").with_columns(
                (1 - pl.col("returned").fill_null(0)).cast(pl.Int8).alias("lost"),
                pl.lit(cutoff).alias("cutoff"),
            )
        )
    if not parts:
        return pl.DataFrame(), []
    frame = pl.concat(parts, how="diagonal_relaxed")
    if frame.height > settings.max_training_rows:
        frame = frame.sample(settings.max_training_rows, seed=settings.seed)
    return frame, cutoffs


def _matrix(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(pl.col(MODEL_FEATURES).cast(pl.Float64)).to_numpy()


def can_train(frame: pl.DataFrame, settings: ChurnSettings) -> str | None:
    """Why a model cannot be trained on these rows, or None when it can."""
    if frame.height == 0:
        return (
            f"the shop's history is shorter than the {settings.horizon_days}-day horizon plus "
            f"{settings.min_history_days} days, so there is no past to learn from"
        )
    repeaters = frame.filter(pl.col("frequency") >= 2)["customer_id"].n_unique()
    if repeaters < settings.min_repeat_customers:
        return (
            f"only {repeaters} repeat customers to learn from "
            f"(the model needs {settings.min_repeat_customers})"
        )
    lost = frame["lost"]
    if lost.min() == lost.max():
        return "every past customer had the same outcome, so there is nothing to learn"
    return None


def fit_model(
    frame: pl.DataFrame, cutoffs: list[dt.date], settings: ChurnSettings, calibrate: bool = True
) -> ChurnModel:
    """Fit the boosters on stacked training rows.

    With `calibrate`, the blend is calibrated in-sample on the latest cutoff's rows; without,
    `recalibrate` must follow (the final model is calibrated on the backtest instead).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _matrix(frame), frame["lost"].to_numpy()
    blank = np.isnan(x).all(axis=0)
    if blank.any():  # a feature no row has (spend in exports without amounts): scikit-learn's
        # binning fails on a column of only missing values; a constant one splits nothing
        x = x.copy()
        x[:, blank] = 0.0
    cats = [MODEL_FEATURES.index(c) for c in CATEGORICAL if c in MODEL_FEATURES]
    boosters = []
    for i, params in enumerate(BOOSTERS):
        booster = HistGradientBoostingClassifier(
            **params,
            categorical_features=cats or None,
            early_stopping=False,
            random_state=settings.seed + i,
        )
        with threadpool_limits(FIT_THREADS, user_api="openmp"):
            boosters.append(booster.fit(x, y))
    model = ChurnModel(boosters, (1.0, 1.0, 0.0, 0.0), cutoffs, frame.height, "the training rows")
    if calibrate:
        latest = frame.filter(pl.col("rule_risk").is_not_null())
        some = latest.sample(min(latest.height, CALIBRATION_ROWS), seed=settings.seed)
        model.calibration = _platt(blend_inputs(model, some), some["lost"].to_numpy())
    return model


def blend_inputs(model: ChurnModel, frame: pl.DataFrame) -> np.ndarray:
    """Three logits per customer: the boosters' average, the cadence rule's band risk and the
    BG/NBD probability of no purchase (the rule's where the shop is too small to fit it)."""
    x = _matrix(frame)
    trees = np.mean([_predict_lost(b, x) for b in model.boosters], axis=0)
    rule = frame["rule_risk"].to_numpy()
    btyd = frame.select(pl.col("btyd_risk").fill_null(pl.col("rule_risk")))
    return np.column_stack([_logit(trees), _logit(rule), _logit(btyd.to_series().to_numpy())])


CHECK_ROWS = 256
"""Rows `_predict_lost` also predicts with scikit-learn's own code, to check it agrees."""


def _predict_lost(booster: HistGradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    """`booster.predict_proba(x)[:, 1]`, the same to the last bit, with the trees walked by
    NumPy a node at a time over every row (scikit-learn walks them a row at a time: 100 trees
    over 30,000 rows took a quarter of a CPU second). The first CHECK_ROWS rows are predicted
    by scikit-learn as well; should the two ever differ (its internals changed), its answer is
    used for every row."""
    with threadpool_limits(PREDICT_THREADS, user_api="openmp"):
        head = booster.predict_proba(x[:CHECK_ROWS])[:, 1]
        if len(x) <= CHECK_ROWS:
            return head
        try:
            fast = _walk_trees(booster, x)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            fast = None
        if fast is None or not np.array_equal(fast[:CHECK_ROWS], head):
            return booster.predict_proba(x)[:, 1]
        return fast


def _walk_trees(booster: HistGradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    """P(class 1) as `HistGradientBoostingClassifier.predict_proba` computes it: the input
    checked and encoded as it does, the baseline plus each tree's leaf value added in the same
    order, the same link function."""
    data = np.asfortranarray(booster._preprocess_X(x, reset=False))  # a column per split
    known, f_idx_map = booster._bin_mapper.make_known_categories_bitsets()
    missing = np.isnan(data)
    columns = [
        (data[:, j], missing[:, j] if missing[:, j].any() else None) for j in range(data.shape[1])
    ]
    raw = np.zeros(
        (data.shape[0], booster.n_trees_per_iteration_),
        dtype=booster._baseline_prediction.dtype,
        order="F",
    )
    raw += booster._baseline_prediction
    for trees in booster._predictors:
        for k, tree in enumerate(trees):
            raw[:, k] += _leaf_values(tree, columns, known, f_idx_map)
    return booster._loss.predict_proba(raw)[:, 1]


def _leaf_values(
    tree: Any,
    columns: list[tuple[np.ndarray, np.ndarray | None]],
    known: np.ndarray,
    f_idx_map: np.ndarray,
) -> Any:
    """Each row's leaf value in one fitted tree: scikit-learn's `_predict_one_from_raw_data`
    (a missing value goes where the node sends missing values; a categorical split sends the
    node's left categories left, other known ones right and unknown ones as missing).
    `columns`: each input column with its missing-value mask (None when it has none)."""
    nodes = tree.nodes

    def at(i: int) -> Any:
        node = nodes[i]
        if node["is_leaf"]:
            return node["value"]
        col, nan = columns[node["feature_idx"]]
        missing_left = bool(node["missing_go_to_left"])
        if node["is_categorical"]:
            missing = col < 0 if nan is None else nan | (col < 0)
            code = np.where(missing, 0, col).astype(np.uint8)
            word, bit = code // 32, code % 32
            in_left = (tree.raw_left_cat_bitsets[node["bitset_idx"]][word] >> bit) & 1
            in_known = (known[f_idx_map[node["feature_idx"]]][word] >> bit) & 1
            left = (in_left == 1) | ((in_known == 0) & missing_left)
            go_left = np.where(missing, missing_left, left)
        elif nan is None:
            go_left = col <= node["num_threshold"]
        else:
            go_left = np.where(nan, missing_left, col <= node["num_threshold"])
        return np.where(go_left, at(int(node["left"])), at(int(node["right"])))

    return at(0)


def _platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Weights of the logistic blend of the input logits, then the intercept (Platt scaling)."""
    if len(np.unique(y)) < 2:
        return (1.0, *([0.0] * raw.shape[1]))
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1.0).fit(raw, y)
    return (*(float(w) for w in fit.coef_[0]), float(fit.intercept_[0]))


def predict_risk(
    model: ChurnModel, frame: pl.DataFrame, inputs: np.ndarray | None = None
) -> np.ndarray:
    """Calibrated probability that each customer places no order within the horizon."""
    if frame.height == 0:
        return np.zeros(0)
    raw = blend_inputs(model, frame) if inputs is None else inputs
    *weights, intercept = model.calibration
    return _sigmoid(raw @ np.asarray(weights) + intercept)


def recalibrate(model: ChurnModel, inputs: np.ndarray, lost: np.ndarray) -> None:
    """Re-fit the blend on the backtest: the earlier model's inputs against what then happened.

    Out-of-time calibration catches what in-sample calibration cannot: a season in which
    fewer (or more) customers come back than in the months the model was trained on.
    """
    if len(lost) < MIN_RECALIBRATION or len(np.unique(lost)) < 2:
        return
    model.calibration = _platt(inputs, lost)
    model.calibrated_on = "the backtest (out of time)"


def auc(lost: np.ndarray, risk: np.ndarray) -> float | None:
    """ROC-AUC with "did not come back" as the positive class; None when undefined."""
    if len(lost) == 0 or len(np.unique(lost)) < 2:
        return None
    return roc_auc(lost, risk)  # sklearn's roc_auc_score, without importing sklearn
