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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

MIN_CUSTOMERS = 50
"""Below this many customers the fit is not attempted (four parameters need data)."""

MIN_REPEATERS = 10
"""...nor with fewer customers who bought twice: nothing tells dropout from a slow pace."""

MAX_FIT_CUSTOMERS = 10_000
"""Bigger shops are fitted on a seeded sample: the parameters barely move beyond this."""

LOG_BOUNDS = [(-6.0, 6.0), (-6.0, 9.0), (-6.0, 6.0), (-6.0, 6.0)]
"""log r, log alpha, log a, log b: wide enough for any shop, narrow enough to stay finite."""

FTOL = 1e-11
"""L-BFGS-B stops when the mean log-likelihood improves by less than this (relative): tight
enough that where the search starts (a warm start or the data's own) does not show."""

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
    """Unique rows and their counts: customers with the same summary cost one evaluation.

    The rows of `np.unique(..., axis=0)`, in its order (by the first column, then the next), by
    a lexsort of the columns: a sixth of its time. With a NaN, np.unique itself."""
    stacked = np.column_stack(cols)
    if not len(stacked) or np.isnan(stacked).any():
        rows, counts = np.unique(stacked, axis=0, return_counts=True)
        return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)
    order = np.lexsort(stacked.T[::-1])
    ordered = [stacked[order, i] for i in range(stacked.shape[1])]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for col in ordered:
        change[1:] |= col[1:] != col[:-1]
    starts = np.flatnonzero(change)
    counts = np.diff(np.r_[starts, len(order)])
    return [col[starts] for col in ordered], counts.astype(float)


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(n, size=size, replace=False)


def _minimize(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    bounds: list[tuple[float, float]],
) -> OptimizeResult:
    """L-BFGS-B with the exact gradient, on one BLAS thread: its tiny matrix steps otherwise wake
    OpenBLAS's worker threads at every iteration, which cost ten times the fit on a busy laptop."""
    with threadpool_limits(1, user_api="blas"):
        return minimize(
            objective, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"ftol": FTOL}
        )


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


def _bgnbd_objective(
    x: np.ndarray, tx: np.ndarray, t: np.ndarray, w: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Mean negative log-likelihood over weighted unique (x, t_x, T) rows and its exact gradient
    in log-parameters: a closed form, so each L-BFGS step costs one pass instead of five.

    Gamma functions are evaluated once per distinct purchase count (a few dozen values), not per
    customer; the alive/dead mixture weights give the gradient of the log-sum-exp term.
    """
    xs, xi = np.unique(x, return_inverse=True)
    rep = x > 0
    total = w.sum()

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(logp)
        lt, ltx = np.log(alpha + t), np.log(alpha + tx)
        bx1 = np.where(rep, b + x - 1, 1.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            head = (
                gammaln(r + xs) - gammaln(r) + gammaln(b + xs) - gammaln(a + b + xs)
                - gammaln(b) + gammaln(a + b)
            )[xi] + r * np.log(alpha)  # fmt: skip
            alive = -(r + x) * lt
            dead = np.where(rep, np.log(a) - np.log(bx1) - (r + x) * ltx, -np.inf)
            mix = np.logaddexp(alive, dead)
            ll = head + mix
            w_dead = np.where(rep, np.exp(dead - mix), 0.0)
            w_alive = 1.0 - w_dead
            d_r = (digamma(r + xs) - digamma(r))[xi] + np.log(alpha) - w_alive * lt - w_dead * ltx
            d_alpha = r / alpha - (r + x) * (w_alive / (alpha + t) + w_dead / (alpha + tx))
            d_a = (digamma(a + b) - digamma(a + b + xs))[xi] + w_dead / a
            d_b = (digamma(b + xs) - digamma(a + b + xs) - digamma(b) + digamma(a + b))[
                xi
            ] - w_dead / bx1
            value = -float(w @ ll) / total
            grad = -np.array([w @ d_r, w @ d_alpha, w @ d_a, w @ d_b]) / total
        grad *= np.array([r, alpha, a, b])  # d/d log θ = θ d/dθ
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e12, np.zeros(4)
        return value, grad

    return objective


def fit_bgnbd(
    x: np.ndarray, tx: np.ndarray, t: np.ndarray, seed: int = 7, start: BgNbd | None = None
) -> BgNbd:
    """BG/NBD by maximum likelihood; `ok` False with a reason when the shop is too small or the
    optimiser does not converge (the callers then use another method and say so).

    `start`, a fit at a nearby cutoff, is where the search begins (a handful of steps instead of
    dozens); the data's own start values are tried when it does not converge from there.
    """
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
    objective = _bgnbd_objective(ux, utx, ut, w)
    lo, hi = [b for b, _ in LOG_BOUNDS], [b for _, b in LOG_BOUNDS]
    rate = max(x.sum() / max(t.sum(), 1e-9), 1e-6)  # purchases per week, shop-wide
    starts = [np.log([1.0, 1.0 / rate, 1.0, 3.0]), np.log([0.3, 4.0 / rate, 0.8, 2.5])]
    if start is not None and start.ok:
        starts.insert(0, np.log([start.r, start.alpha, start.a, start.b]))
    best = None
    for begin in starts:  # the next start only when the last did not converge
        found = _minimize(objective, np.clip(begin, lo, hi), LOG_BOUNDS)
        if best is None or found.fun < best.fun:
            best = found
        if found.success:
            break
    assert best is not None
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


def _gamma_gamma_objective(
    n: np.ndarray, m: np.ndarray
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Mean negative log-likelihood of the mean purchase values and its exact gradient in
    log-parameters (gamma functions once per distinct purchase count)."""
    ns, ni = np.unique(n, return_inverse=True)
    log_m, log_n = np.log(m), np.log(n)

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = np.exp(logp)
        px = p * ns
        log_gm = np.log(g + n * m)
        with np.errstate(all="ignore"):
            ll = (
                (gammaln(px + q) - gammaln(px))[ni] - gammaln(q) + q * np.log(g)
                + (p * n - 1) * log_m + p * n * log_n - (p * n + q) * log_gm
            )  # fmt: skip
            both = digamma(px + q)
            d_p = n * ((both - digamma(px))[ni] + log_m + log_n - log_gm)
            d_q = both[ni] - digamma(q) + np.log(g) - log_gm
            d_g = q / g - (p * n + q) / (g + n * m)
            value = -float(ll.mean())
            grad = -np.array([d_p.mean(), d_q.mean(), d_g.mean()]) * np.array([p, q, g])
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e12, np.zeros(3)
        return value, grad

    return objective


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
    objective = _gamma_gamma_objective(n, mean / scale)
    best = _minimize(objective, np.log([2.0, 3.0, 2.0]), GG_LOG_BOUNDS)
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
