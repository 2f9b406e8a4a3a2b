"""BG/NBD and Gamma-Gamma ("buy till you die"): who is still a customer, and what they will spend.

    fit = fit_bgnbd(x, t_x, T)            # repeat purchase days, recency, age (in weeks)
    fit.ok, fit.reason                    # no fit on too small a shop, or when it fails
    p_alive(fit, x, t_x, T)               # P(still buying)
    expected_orders(fit, x, t_x, T, h)    # purchases expected in the next h weeks
    spend = fit_gamma_gamma(n, mean)      # repeaters' purchases and mean purchase value
    expected_spend(spend, n, mean)        # what a purchase is expected to be worth

Fitted by maximum likelihood (Fader, Hardie & Lee 2005) with L-BFGS-B on log-parameters inside
bounds, from start values taken from the data, so a shop where lifetimes' fit fails still gets
parameters or a plain reason why not. Needs no labels and no past to replay, so it works for a
two-month-old shop too. Pure numpy + scipy: no loops over customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

MIN_CUSTOMERS = 50
"""Below this many customers the fit is not attempted (four parameters need data)."""

MIN_REPEATERS = 10
"""...nor with fewer customers who bought twice: nothing tells dropout from a slow pace."""

MAX_FIT_CUSTOMERS = 10_000
"""Bigger shops are fitted on a seeded sample: the parameters barely move beyond this."""

LOG_BOUNDS = [(-6.0, 6.0), (-6.0, 9.0), (-6.0, 6.0), (-6.0, 6.0)]
"""log r, log alpha, log a, log b: wide enough for any shop, narrow enough to stay finite."""

GG_LOG_BOUNDS = [(-6.0, 6.0), (np.log(1.0 + 1e-3), 6.0), (-9.0, 12.0)]
"""log p, log q (q > 1 so a mean exists), log gamma."""


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (time in weeks), or why there are none."""

    r: float = float("nan")
    alpha: float = float("nan")
    a: float = float("nan")
    b: float = float("nan")
    ok: bool = False
    reason: str = ""
    customers: int = 0
    log_likelihood: float = float("nan")

    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters, or why there are none."""

    p: float = float("nan")
    q: float = float("nan")
    gamma: float = float("nan")
    ok: bool = False
    reason: str = ""
    customers: int = 0

    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}


def _arrays(*values: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _compress(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows and their counts: customers with the same summary cost one evaluation."""
    rows, counts = np.unique(np.column_stack(cols), axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(n, size=size, replace=False)


def bgnbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, tx: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Each customer's log-likelihood under BG/NBD (r, alpha, a, b)."""
    r, alpha, a, b = params
    part = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + t)
    with np.errstate(divide="ignore", invalid="ignore"):
        dead = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    return part + np.logaddexp(alive, dead)


def fit_bgnbd(x: np.ndarray, tx: np.ndarray, t: np.ndarray, seed: int = 7) -> BgNbd:
    """BG/NBD by maximum likelihood; `ok` False with a reason when the shop is too small or the
    optimiser does not converge (the callers then use another method and say so)."""
    x, tx, t = _arrays(x, tx, t)
    n, repeaters = len(x), int((x > 0).sum())
    if n < MIN_CUSTOMERS or repeaters < MIN_REPEATERS:
        return BgNbd(
            reason=f"too few customers for the purchase model ({n:,} customers, {repeaters:,} "
            f"who bought again; it needs {MIN_CUSTOMERS} and {MIN_REPEATERS})",
            customers=n,
        )
    if n > MAX_FIT_CUSTOMERS:
        keep = _sample(n, MAX_FIT_CUSTOMERS, seed)
        x, tx, t = x[keep], tx[keep], t[keep]
    (ux, utx, ut), w = _compress(x, tx, t)
    total = w.sum()

    def nll(logp: np.ndarray) -> float:
        ll = bgnbd_log_likelihood(np.exp(logp), ux, utx, ut)
        value = -(w * ll).sum() / total
        return float(value) if np.isfinite(value) else 1e12

    rate = max(x.sum() / max(t.sum(), 1e-9), 1e-6)  # purchases per week, shop-wide
    start = np.log([1.0, 1.0 / rate, 1.0, 3.0])
    start = np.clip(start, [lo for lo, _ in LOG_BOUNDS], [hi for _, hi in LOG_BOUNDS])
    best = minimize(nll, start, method="L-BFGS-B", bounds=LOG_BOUNDS)
    if not best.success:  # a second try from another start before giving up
        retry = minimize(nll, np.log([0.3, 4.0 / rate, 0.8, 2.5]), method="L-BFGS-B",
                         bounds=LOG_BOUNDS)  # fmt: skip
        if retry.fun < best.fun or retry.success:
            best = retry
    r, alpha, a, b = np.exp(best.x)
    if not np.all(np.isfinite(best.x)) or best.fun >= 1e11:
        return BgNbd(reason="the purchase model's fit did not converge", customers=n)
    if not best.success and "ABNORMAL" not in str(best.message).upper():
        return BgNbd(
            reason=f"the purchase model's fit did not converge ({best.message})", customers=n
        )
    return BgNbd(float(r), float(alpha), float(a), float(b), True, "", n, -float(best.fun))


def _ratio(fit: BgNbd, x: np.ndarray, tx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """P(dead) / P(alive) given the customer's history (0 for customers who never repeated)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_ratio = (
            np.log(fit.a)
            - np.log(np.maximum(fit.b + x - 1, 1e-12))
            + (fit.r + x) * (np.log(fit.alpha + t) - np.log(fit.alpha + tx))
        )
        return np.where(x > 0, np.exp(np.minimum(log_ratio, 700.0)), 0.0)


def p_alive(fit: BgNbd, x: np.ndarray, tx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Probability each customer is still buying (has not silently dropped out)."""
    x, tx, t = _arrays(x, tx, t)
    return 1.0 / (1.0 + _ratio(fit, x, tx, t))


def p_no_order(
    fit: BgNbd, x: np.ndarray, tx: np.ndarray, t: np.ndarray, horizon: float
) -> np.ndarray:
    """Probability of no purchase in the next `horizon` weeks: gone, or alive and quiet."""
    x, tx, t = _arrays(x, tx, t)
    alive = p_alive(fit, x, tx, t)
    quiet = ((fit.alpha + t) / (fit.alpha + t + horizon)) ** (fit.r + x)
    return np.clip(1.0 - alive + alive * quiet, 0.0, 1.0)


def expected_orders(
    fit: BgNbd, x: np.ndarray, tx: np.ndarray, t: np.ndarray, horizon: float
) -> np.ndarray:
    """Purchases each customer is expected to make in the next `horizon` weeks."""
    x, tx, t = _arrays(x, tx, t)
    a = fit.a if abs(fit.a - 1.0) > 1e-4 else 1.0 + 1e-4  # the formula is 0/0 at a = 1
    r, alpha, b = fit.r, fit.alpha, fit.b
    with np.errstate(all="ignore"):
        z = horizon / (alpha + t + horizon)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - ((alpha + t) / (alpha + t + horizon)) ** (r + x) * hyp
        out = head * tail / (1.0 + _ratio(fit, x, tx, t))
    ceiling = (x + 1) / np.maximum(t, 1.0) * horizon * 10 + 10  # a guard for numeric blow-ups
    return np.clip(np.nan_to_num(out, nan=0.0, posinf=0.0), 0.0, ceiling)


def gamma_gamma_log_likelihood(params: np.ndarray, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood of their mean purchase value (p, q, gamma)."""
    p, q, g = params
    px = p * n
    return (
        gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g)
        + (px - 1) * np.log(mean) + px * np.log(n) - (px + q) * np.log(g + n * mean)
    )  # fmt: skip


def fit_gamma_gamma(n: np.ndarray, mean: np.ndarray, seed: int = 7) -> GammaGamma:
    """Gamma-Gamma by maximum likelihood on customers with 2+ purchases and positive spend."""
    n, mean = _arrays(n, mean)
    keep = (n >= 2) & (mean > 0) & np.isfinite(mean)
    n, mean = n[keep], mean[keep]
    if len(n) < MIN_REPEATERS:
        return GammaGamma(
            reason=f"only {len(n)} repeat customers to learn spend from (it needs {MIN_REPEATERS})",
            customers=len(n),
        )
    if len(n) > MAX_FIT_CUSTOMERS:
        keep = _sample(len(n), MAX_FIT_CUSTOMERS, seed)
        n, mean = n[keep], mean[keep]
    scale = float(np.median(mean))  # fit in units of the typical purchase: better conditioned
    m = mean / scale

    def nll(logp: np.ndarray) -> float:
        value = -gamma_gamma_log_likelihood(np.exp(logp), n, m).mean()
        return float(value) if np.isfinite(value) else 1e12

    best = minimize(nll, np.log([2.0, 3.0, 2.0]), method="L-BFGS-B", bounds=GG_LOG_BOUNDS)
    if not np.all(np.isfinite(best.x)) or best.fun >= 1e11:
        return GammaGamma(reason="the spend model's fit did not converge", customers=len(n))
    p, q, g = np.exp(best.x)
    return GammaGamma(float(p), float(q), float(g * scale), True, "", len(n))


def expected_spend(fit: GammaGamma, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Expected value of a customer's future purchase: their own mean shrunk to the shop's."""
    n, mean = _arrays(n, mean)
    px = fit.p * n
    return fit.p * (fit.gamma + n * mean) / (px + fit.q - 1)


def spend_sd(fit: GammaGamma, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Posterior standard deviation of that expected value (how sure the shrunk mean is)."""
    n, mean = _arrays(n, mean)
    shape, rate = fit.p * n + fit.q, fit.gamma + n * mean
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (fit.p * rate) ** 2 / ((shape - 1) ** 2 * (shape - 2))
    return np.sqrt(np.where(shape > 2, var, np.inf))


# -- simulation: a shop whose truth is known (tests and benchmarks) ---------------------------
def simulate(
    customers: int,
    weeks: float,
    r: float = 0.25,
    alpha: float = 4.0,
    a: float = 0.8,
    b: float = 2.5,
    p: float = 6.0,
    q: float = 4.0,
    gamma: float = 15.0,
    seed: int = 0,
    max_orders: int = 400,
    arrivals: float | None = None,
) -> dict[str, np.ndarray]:
    """Purchases of `customers` from a BG/NBD + Gamma-Gamma process (time in weeks).

    Customers arrive uniformly over the first `arrivals` weeks (default: 90% of `weeks`);
    returns per purchase: customer, time (weeks since the start) and value. Loops over
    purchase number, not over customers.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, customers)
    drop = rng.beta(a, b, customers)
    nu = rng.gamma(q, 1.0 / gamma, customers)
    now = rng.uniform(0.0, 0.9 * weeks if arrivals is None else arrivals, customers)
    alive = np.ones(customers, dtype=bool)
    ids, times = [np.arange(customers)], [now.copy()]
    for _ in range(max_orders):
        now = now + rng.exponential(1.0, customers) / np.maximum(lam, 1e-12)
        alive &= now < weeks
        if not alive.any():
            break
        ids.append(np.flatnonzero(alive))
        times.append(now[alive])
        alive &= rng.random(customers) >= drop  # drops out after a purchase with prob. p
    cid = np.concatenate(ids)
    value = rng.gamma(p, 1.0 / nu[cid])
    return {"customer": cid, "time": np.concatenate(times), "value": value}
