"""Average ranks and ROC-AUC in NumPy: scipy.stats and sklearn.metrics cost a second to import,
and the churn backtest only needs these two.

`rankdata` is scipy.stats.rankdata(a) (method "average", NaN anywhere gives all NaN); `roc_auc`
is sklearn.metrics.roc_auc_score(y_true, score) for two classes, computed the same way (the
trapezoids under the ROC curve, collinear points dropped first), so the numbers are the same to
the last bit. As a rank statistic it is the Mann-Whitney U over the pairs (a tie counts half).
"""

from __future__ import annotations

import numpy as np


def rankdata(a: np.ndarray) -> np.ndarray:
    """1-based ranks of `a` (flattened), ties sharing their average rank."""
    a = np.asarray(a).reshape(-1)
    n = len(a)
    if a.dtype.kind in "fc" and np.isnan(a).any():
        return np.full(n, np.nan)
    order = np.argsort(a, kind="stable")
    ordered = a[order]
    first = np.r_[True, ordered[:-1] != ordered[1:]] if n else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=n)
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.repeat(starts + 1 + (counts.astype(np.float64) - 1) / 2, counts)
    return ranks


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve, the larger of the two labels being the positive class: the
    share of (positive, negative) pairs the score puts the right way round, a tie counting half.

    NaN when `y_true` does not hold exactly two labels; a score that is not finite is refused.
    """
    y = np.asarray(y_true).reshape(-1)
    s = np.asarray(score, dtype=np.float64).reshape(-1)
    if len(y) != len(s):
        raise ValueError(f"y_true and score differ in length ({len(y)}, {len(s)})")
    labels = np.unique(y)
    if len(labels) != 2:
        return float("nan")
    if not np.isfinite(s).all():
        raise ValueError("the score holds NaN or infinity")
    positive = (y == labels[1]).astype(np.float64)
    order = np.argsort(s, kind="stable")[::-1]  # descending (ties together; their order is moot)
    s, positive = s[order], positive[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last row of each score
    tps = np.cumsum(positive)[ends]
    fps = 1 + ends.astype(np.float64) - tps
    if len(fps) > 2:  # points collinear with their neighbours do not change the area
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps = fps[corner], tps[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return float(np.trapezoid(tps / tps[-1], fps / fps[-1]))
