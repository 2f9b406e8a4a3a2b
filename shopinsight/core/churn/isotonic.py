"""Increasing isotonic regression without scikit-learn (whose import costs more than a second).

    fit = isotonic_fit(x, y, weight, y_min=0.0, y_max=1.0)
    fit.predict(t, clip=True)                       # IsotonicRegression(...).fit(...).predict(t)
    isotonic_fit_transform(x, y, weight, 0.0, 1.0)   # IsotonicRegression(...).fit_transform(...)

The same steps as scikit-learn's `IsotonicRegression(increasing=True)`, so the numbers are the
same to the last bit: rows of zero weight left out, rows sorted by x (then y), equal x pooled into
their weighted mean (summed in row order, as its Cython loop does), the pool-adjacent-violators
fit of scipy (`scipy.optimize.isotonic_regression`, which scikit-learn calls as well) clipped to
[y_min, y_max], points inside a flat run dropped, and new x read off by `np.interp` between the
rest (what `scipy.interpolate.interp1d` does for float data); outside the fitted x the value is
NaN, or that of the nearest end with `clip` (`out_of_bounds="clip"`). Everything is float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression

EPS = float(np.finfo(np.float64).resolution)
"""x closer than this to the first x of a pool join it (scikit-learn's `_make_unique`)."""


@dataclass(frozen=True)
class Isotonic:
    """A fitted increasing step-and-ramp function: its knots and the range of x it was fitted on."""

    x: np.ndarray
    y: np.ndarray
    x_min: float
    x_max: float

    def predict(self, t: np.ndarray, clip: bool = False) -> np.ndarray:
        """Values at `t`, linear between knots; outside the fitted x NaN, or with `clip` the
        value at the nearest end."""
        t = np.asarray(t, dtype=np.float64).reshape(-1)
        if clip:
            t = np.clip(t, self.x_min, self.x_max)
        if len(self.y) == 1:
            return self.y.repeat(t.shape)
        out = np.interp(t, self.x, self.y)
        out[(t < self.x[0]) | (t > self.x[-1])] = np.nan
        return out


def _pools(x: np.ndarray) -> np.ndarray:
    """Start of each pool of sorted `x`: a row starts one when it is at least EPS above the
    pool's first x. Apart from a rare stretch of steps under EPS, that is a step of EPS."""
    starts = np.flatnonzero(np.r_[True, np.diff(x) >= EPS])
    ends = np.r_[starts[1:], len(x)]
    wide = np.flatnonzero(x[ends - 1] - x[starts] >= EPS)  # steps under EPS adding up past it
    if not len(wide):
        return starts
    extra = []
    for k in wide:  # only such stretches are walked one row at a time
        first = x[starts[k]]
        for j in range(starts[k] + 1, ends[k]):
            if x[j] - first >= EPS:
                extra.append(j)
                first = x[j]
    return np.sort(np.r_[starts, np.asarray(extra, dtype=starts.dtype)])


def _pool_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each pool of `values`, added in row order (as scikit-learn's loop adds them): any
    order when the values are whole numbers (the sums are then exact), else one step per row of
    the largest pool, all pools at once."""
    if not len(values):
        return values
    if np.all(values == np.round(values)) and np.abs(values).sum() < 2.0**52:
        return np.add.reduceat(values, starts)
    sizes = np.diff(np.r_[starts, len(values)])
    sums = values[starts].copy()
    for k in range(1, int(sizes.max())):
        more = np.flatnonzero(sizes > k)
        sums[more] += values[starts[more] + k]
    return sums


def _unique(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted x (then y), equal x pooled: first x, weighted mean y and summed weight per pool."""
    order = np.lexsort((y, x))
    x, y, weight = x[order], y[order], weight[order]
    starts = _pools(x)
    total = _pool_sums(weight, starts)
    return x[starts], _pool_sums(y * weight, starts) / total, total


def isotonic_fit(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
) -> Isotonic:
    """The increasing least-squares fit of `y` on `x` (weighted), kept within [y_min, y_max]."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.ones_like(x) if weight is None else np.asarray(weight, dtype=np.float64).reshape(-1)
    if not len(x) == len(y) == len(w):
        raise ValueError(f"x, y and weight differ in length ({len(x)}, {len(y)}, {len(w)})")
    keep = w > 0
    x, y, w = x[keep], y[keep], w[keep]
    if not len(x):
        raise ValueError("isotonic_fit needs at least one row of positive weight")
    ux, uy, uw = _unique(x, y, w)
    fitted = np.asarray(isotonic_regression(uy, weights=uw, increasing=True).x, np.float64)
    low = -np.inf if y_min is None else y_min
    high = np.inf if y_max is None else y_max
    np.clip(fitted, low, high, out=fitted)
    inner = np.ones(len(fitted), dtype=bool)  # a knot inside a flat run changes nothing
    inner[1:-1] = (fitted[1:-1] != fitted[:-2]) | (fitted[1:-1] != fitted[2:])
    return Isotonic(ux[inner], fitted[inner], float(ux.min()), float(ux.max()))


def isotonic_fit_transform(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
) -> np.ndarray:
    """The fitted values at `x` itself (`IsotonicRegression.fit_transform`)."""
    return isotonic_fit(x, y, weight, y_min, y_max).predict(x)
