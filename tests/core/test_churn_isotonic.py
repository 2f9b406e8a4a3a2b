"""core.churn.isotonic and core.churn.ranks against the scikit-learn / SciPy functions they stand
in for: the same numbers to the last bit, ties, weights and bounds included; and the churn path
without a learned model imports neither sklearn nor scipy.stats."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from shopinsight.core.churn.isotonic import EPS, isotonic_fit, isotonic_fit_transform
from shopinsight.core.churn.ranks import rankdata, roc_auc
from tests.factories import make_lines

SEEDS = range(25)


# sklearn and scipy.stats are imported in the tests that use them, not here: the import test
# below loads this module (its small shop) in a fresh interpreter.


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x with many ties (whole numbers) or few (floats), y in and beyond [0, 1], weights."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    if seed % 3 == 0:
        x = rng.integers(0, max(2, n // 8), n).astype(float)
    elif seed % 3 == 1:
        x = np.round(rng.normal(size=n), 2)
    else:
        x = rng.normal(size=n)
    y = rng.normal(0.5, 0.6, n) + 0.2 * x
    if seed % 4 == 0:
        y = (y > 0.5).astype(float)  # 0/1 outcomes, as the recency risk fits them
    w = rng.uniform(0.1, 5.0, n)
    if seed % 5 == 0:
        w[rng.random(n) < 0.2] = 0.0  # rows without weight are left out
        w[0] = 1.0
    return x, y, w


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("bounds", [(None, None), (0.0, 1.0)])
def test_fit_transform_matches_sklearn(seed: int, weighted: bool, bounds: tuple) -> None:
    from sklearn.isotonic import IsotonicRegression

    x, y, w = _data(seed)
    weight = w if weighted else None
    theirs = IsotonicRegression(y_min=bounds[0], y_max=bounds[1]).fit_transform(
        x, y, sample_weight=weight
    )
    ours = isotonic_fit_transform(x, y, weight, *bounds)
    assert np.array_equal(ours, theirs, equal_nan=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_predict_matches_sklearn_inside_and_outside(seed: int) -> None:
    from sklearn.isotonic import IsotonicRegression

    x, y, w = _data(seed)
    rng = np.random.default_rng(seed + 100)
    lo, hi = x.min(), x.max()
    t = np.r_[rng.uniform(lo - 1, hi + 1, 300), x, lo, hi, lo - 5, hi + 5]
    for clip in (False, True):
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip" if clip else "nan").fit(
            x, y, sample_weight=w
        )
        ours = isotonic_fit(x, y, w, 0.0, 1.0).predict(t, clip=clip)
        assert np.array_equal(ours, iso.predict(t), equal_nan=True)
        if not clip:
            assert np.isnan(ours[-2:]).all()


def test_fit_is_isotonic_and_pools_equal_x() -> None:
    x = np.array([3.0, 1.0, 2.0, 2.0, 4.0, 5.0])
    y = np.array([0.2, 0.9, 0.1, 0.5, 0.8, 0.9])
    w = np.array([1.0, 1.0, 1.0, 3.0, 1.0, 1.0])
    fit = isotonic_fit(x, y, w)
    at = fit.predict(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert np.all(np.diff(at) >= 0)
    # x=1 (0.9), x=2 (weighted mean 0.4, weight 4) and x=3 (0.2) violate the order: pooled
    # to (0.9 + 4 * 0.4 + 0.2) / 6; x=4 and x=5 keep their own
    assert at.tolist() == pytest.approx([0.45, 0.45, 0.45, 0.8, 0.9])
    assert np.isnan(fit.predict(np.array([0.0, 5.5]))).all()  # outside the fitted x
    assert fit.predict(np.array([0.0, 5.5]), clip=True).tolist() == pytest.approx([0.45, 0.9])


def test_single_distinct_x_and_steps_under_eps() -> None:
    from sklearn.isotonic import IsotonicRegression

    x = np.array([2.0, 2.0, 2.0])
    y = np.array([0.1, 0.4, 0.7])
    assert np.array_equal(isotonic_fit_transform(x, y), IsotonicRegression().fit_transform(x, y))
    # steps below EPS that add up past it: pooled as sklearn pools them (from a pool's first x)
    tiny = 1.0 + np.arange(12) * (EPS / 3)
    y = np.linspace(1.0, 0.0, 12)
    assert len(np.unique(tiny)) > 1
    assert np.array_equal(
        isotonic_fit_transform(tiny, y), IsotonicRegression().fit_transform(tiny, y)
    )


def test_float_pools_summed_in_row_order() -> None:
    """Pools of non-whole values: summed one row after the other as sklearn's loop does, so
    even the last bits agree (a pairwise or shuffled sum would differ in some seed)."""
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(5)
    for _ in range(20):
        x = rng.integers(0, 6, 500).astype(float)
        y = rng.random(500) * 1e3 + rng.random(500) * 1e-9
        w = rng.random(500) + 0.5
        theirs = IsotonicRegression().fit_transform(x, y, sample_weight=w)
        assert np.array_equal(isotonic_fit_transform(x, y, w), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_rankdata_matches_scipy(seed: int) -> None:
    from scipy.stats import rankdata as scipy_rankdata

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    a = rng.integers(0, 20, n) if seed % 2 else np.round(rng.normal(size=n), 1)
    assert np.array_equal(rankdata(a), scipy_rankdata(a))
    assert rankdata(a).dtype == np.float64


def test_rankdata_nan_and_ties() -> None:
    assert np.isnan(rankdata(np.array([1.0, np.nan, 2.0]))).all()
    assert rankdata(np.array([5, 1, 5, 3])).tolist() == [3.5, 1.0, 3.5, 2.0]


@pytest.mark.parametrize("seed", SEEDS)
def test_auc_matches_sklearn(seed: int) -> None:
    from scipy.stats import rankdata as scipy_rankdata
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 3000))
    y = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(np.int64)
    y[0], y[-1] = 0, 1
    score = y * rng.uniform(0, 1) + rng.normal(size=n)
    if seed % 2:
        score = np.round(score, 1)  # many ties
    if seed % 5 == 0:
        score = rng.integers(0, 4, n).astype(float)  # few distinct scores
    assert roc_auc(y, score) == roc_auc_score(y, score)
    # as a rank statistic: Mann-Whitney U over the pairs, a tie counting half
    ranks = scipy_rankdata(score)
    pos = int(y.sum())
    u = ranks[y == 1].sum() - pos * (pos + 1) / 2
    assert roc_auc(y, score) == pytest.approx(u / (pos * (n - pos)), abs=1e-12)


def test_auc_labels_and_undefined() -> None:
    assert roc_auc(np.array([2, 5, 5, 2]), np.array([0.1, 0.9, 0.8, 0.3])) == 1.0
    assert roc_auc(np.array([1, 0, 1, 0]), np.array([0.1, 0.9, 0.2, 0.8])) == 0.0
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5
    assert np.isnan(roc_auc(np.array([1, 1, 1]), np.array([0.1, 0.2, 0.3])))
    with pytest.raises(ValueError):
        roc_auc(np.array([1, 0]), np.array([np.nan, 0.3]))


AS_OF = dt.date(2024, 6, 30)


def small_shop(customers: int = 400, seed: int = 3) -> pl.DataFrame:
    """A shop with a year of orders and too few repeat customers for a learned model (under
    ChurnSettings.min_repeat_customers): the backtest still scores the rule, BG/NBD (ranked by
    expected orders, an isotonic fit) and recency."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        n = 1 + int(rng.random() < 0.2) * int(rng.integers(1, 5))
        for k, ago in enumerate(sorted(rng.integers(1, 400, n).tolist(), reverse=True)):
            rows.append(
                dict(
                    order_id=f"o{c}-{k}",
                    customer_id=f"c{c:04d}",
                    ordered_at=AS_OF - dt.timedelta(days=ago),
                    sku=f"S{int(rng.integers(0, 8))}",
                    unit_price=float(rng.integers(5, 60)),
                )
            )
    return make_lines(rows)


def test_churn_without_a_model_imports_no_sklearn() -> None:
    """The alerts of a shop whose backtest fits no model are built without importing sklearn or
    scipy.stats (together over a second of every import)."""
    code = (
        "import sys\n"
        "from shopinsight.core.config import defaults\n"
        "from shopinsight.core.churn.alerts import churn_alerts\n"
        "from tests.core.test_churn_isotonic import AS_OF, small_shop\n"
        "r = churn_alerts(small_shop().lazy(), AS_OF, defaults())\n"
        "assert r.backtest.model is None and r.backtest.btyd is not None, r.backtest\n"
        "assert r.backtest.recency is not None and r.alerts.height == 400\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_small_shop_scores_as_with_sklearn(monkeypatch) -> None:
    """The whole alert table of the small shop is the same with sklearn's own isotonic fit and
    AUC in place of these (the recency risk's fit included)."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.metrics import roc_auc_score

    from shopinsight.core.churn import alerts, model, rule, value
    from shopinsight.core.config import defaults

    lines = small_shop().lazy()
    ours = alerts.churn_alerts(lines, AS_OF, defaults())

    def sk_fit_transform(x, y, weight=None, y_min=None, y_max=None):
        iso = IsotonicRegression(y_min=y_min, y_max=y_max)
        return iso.fit_transform(x, y, sample_weight=weight)

    class SkFit:
        def __init__(self, x, y, weight=None, y_min=None, y_max=None):
            self.iso = IsotonicRegression(y_min=y_min, y_max=y_max, out_of_bounds="clip")
            self.iso.fit(x, y, sample_weight=weight)

        def predict(self, t, clip=False):
            assert clip
            return self.iso.predict(t)

    monkeypatch.setattr(rule, "isotonic_fit_transform", sk_fit_transform)
    monkeypatch.setattr(value, "isotonic_fit_transform", sk_fit_transform)
    monkeypatch.setattr(alerts, "isotonic_fit", SkFit)
    monkeypatch.setattr(model, "roc_auc", lambda y, s: float(roc_auc_score(y, s)))
    theirs = alerts.churn_alerts(lines, AS_OF, defaults())
    assert ours.method == theirs.method
    assert ours.backtest == theirs.backtest
    assert ours.alerts.equals(theirs.alerts)
    assert ours.method == "btyd" and ours.backtest.btyd_ranking == "expected_orders"
    # the recency risk (used where nothing beats days since the last order), on random replays
    rng = np.random.default_rng(11)
    for n in (50, 2000):
        replay = pl.DataFrame(
            {"recency": rng.integers(0, 300, n), "lost": (rng.random(n) < 0.6).astype(np.int64)}
        )
        table = pl.DataFrame({"recency": rng.integers(-20, 400, 500), "rule_risk": rng.random(500)})
        with_sk = alerts._recency_risk(table, replay)
        monkeypatch.undo()
        assert alerts._recency_risk(table, replay).equals(with_sk)
        monkeypatch.setattr(alerts, "isotonic_fit", SkFit)
