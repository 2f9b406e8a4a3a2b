"""BG/NBD + Gamma-Gamma: the fit recovers a simulated shop's truth; small shops get a reason."""

from __future__ import annotations

import numpy as np
import pytest

from shopinsight.core.churn import btyd

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
SPEND = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def summarise(sim: dict[str, np.ndarray], customers: int, weeks: float):
    c, t, v = sim["customer"], sim["time"], sim["value"]
    n = np.bincount(c, minlength=customers).astype(float)
    first = np.full(customers, np.inf)
    np.minimum.at(first, c, t)
    last = np.zeros(customers)
    np.maximum.at(last, c, t)
    spend = np.bincount(c, weights=v, minlength=customers)
    return n - 1, last - first, weeks - first, n, spend / np.maximum(n, 1)


@pytest.fixture(scope="module")
def shop():
    sim = btyd.simulate(8000, 52, **TRUTH, **SPEND, seed=3)
    return summarise(sim, 8000, 52)


def test_fit_recovers_the_simulated_parameters(shop):
    x, tx, t, _, _ = shop
    fit = btyd.fit_bgnbd(x, tx, t)
    assert fit.ok, fit.reason
    for name, true in TRUTH.items():
        assert getattr(fit, name) == pytest.approx(true, rel=0.25), name


def test_gamma_gamma_recovers_the_spend_parameters(shop):
    _, _, _, n, mean = shop
    fit = btyd.fit_gamma_gamma(n, mean)
    assert fit.ok, fit.reason
    # q and gamma trade off against each other; the mean purchase value they imply is sharp
    for name, true in SPEND.items():
        assert getattr(fit, name) == pytest.approx(true, rel=0.35), name
    implied = fit.p * fit.gamma / (fit.q - 1)
    assert implied == pytest.approx(SPEND["p"] * SPEND["gamma"] / (SPEND["q"] - 1), rel=0.05)
    # the shrunk mean lies between the customer's own mean and the shop's
    one = btyd.expected_spend(fit, np.array([2.0]), np.array([1000.0]))[0]
    shop_mean = fit.p * fit.gamma / (fit.q - 1)
    assert shop_mean < one < 1000.0
    assert (
        btyd.spend_sd(fit, np.array([2.0, 20.0]), np.array([50.0, 50.0]))[1]
        < (btyd.spend_sd(fit, np.array([2.0]), np.array([50.0]))[0])
    )


def test_predictions_match_what_the_process_then_did():
    """Fit on the first year, predict the next 26 weeks of the same simulated customers."""
    sim = btyd.simulate(6000, 78, **TRUTH, seed=5)
    before = sim["time"] <= 52
    seen = np.unique(sim["customer"][before])
    part = {k: v[before] for k, v in sim.items()}
    x, tx, t, _, _ = summarise(part, 6000, 52)
    x, tx, t = x[seen], tx[seen], t[seen]
    fit = btyd.fit_bgnbd(x, tx, t)
    later = ~before & np.isin(sim["customer"], seen)
    expected = btyd.expected_orders(fit, x, tx, t, 26.0)
    assert expected.sum() == pytest.approx(later.sum(), rel=0.15)
    came = np.isin(seen, sim["customer"][later])
    quiet = btyd.p_no_order(fit, x, tx, t, 26.0)
    assert quiet[came].mean() < quiet[~came].mean()
    assert (1 - quiet).sum() == pytest.approx(came.sum(), rel=0.15)


def test_thirty_customers_get_no_fit_and_a_reason(shop):
    x, tx, t, n, mean = (v[:30] for v in shop)
    fit = btyd.fit_bgnbd(x, tx, t)
    assert not fit.ok
    assert "too few customers" in fit.reason and "30 customers" in fit.reason
    spend = btyd.fit_gamma_gamma(n[:8], mean[:8])
    assert not spend.ok and "repeat customers" in spend.reason


def test_p_alive_is_one_for_one_timers_and_falls_with_silence():
    fit = btyd.BgNbd(0.25, 4.0, 0.8, 2.5, ok=True)
    alive = btyd.p_alive(fit, np.array([0, 3, 3]), np.array([0, 20, 20]), np.array([30, 21, 52]))
    assert alive[0] == 1.0
    assert alive[1] > alive[2]


def test_exact_gradients_match_finite_differences(shop):
    from scipy.optimize import approx_fprime

    x, tx, t, n, mean = shop
    (ux, utx, ut), w = btyd._compress(x, tx, t)
    repeat = n >= 2
    objectives = {
        "bgnbd": (btyd._bgnbd_objective(ux, utx, ut, w), np.array([0.3, -0.2, 1.0, -1.5])),
        "gamma_gamma": (
            btyd._gamma_gamma_objective(n[repeat], mean[repeat] / np.median(mean[repeat])),
            np.array([1.5, 1.0, 0.3]),
        ),
    }
    for name, (objective, at) in objectives.items():
        numeric = approx_fprime(at, lambda z, f=objective: f(z)[0], 1e-7)
        assert objective(at)[1] == pytest.approx(numeric, abs=1e-5), name
    value = objectives["bgnbd"][0](np.log(list(TRUTH.values())))[0]
    direct = -(w * btyd.bgnbd_log_likelihood(np.array(list(TRUTH.values())), ux, utx, ut)).sum()
    assert value == pytest.approx(direct / w.sum())


def test_a_warm_start_lands_on_the_same_fit(shop):
    x, tx, t, _, _ = shop
    cold = btyd.fit_bgnbd(x, tx, t)
    warm = btyd.fit_bgnbd(x, tx, t, start=btyd.BgNbd(0.5, 2.0, 1.5, 1.0, ok=True))
    assert warm.ok
    for name in TRUTH:
        assert getattr(warm, name) == pytest.approx(getattr(cold, name), rel=1e-3), name


def test_p_no_order_can_be_ranked_as_expected_orders(shop):
    import polars as pl
    from scipy.stats import spearmanr

    from shopinsight.core.churn.backtest import btyd_by_orders

    x, tx, t, _, _ = shop
    fit = btyd.fit_bgnbd(x, tx, t)
    quiet, orders = btyd.p_no_order(fit, x, tx, t, 13.0), btyd.expected_orders(fit, x, tx, t, 13.0)
    table = btyd_by_orders(pl.DataFrame({"btyd_risk": quiet, "btyd_orders": orders}))
    risk = table["btyd_risk"].to_numpy()
    assert spearmanr(risk, -orders).statistic == pytest.approx(1.0)  # exactly the orders' ranking
    assert spearmanr(quiet, -orders).statistic < 1.0  # which P(no order) alone is not
    assert np.abs(risk - quiet).mean() < 0.01 and ((risk >= 0) & (risk <= 1)).all()
