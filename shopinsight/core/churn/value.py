"""What each customer is likely to spend in the next year, with a range, a tier and a track record.

    result = customer_value(lines, as_of, config)        # horizon: [churn] value_horizon_days
    result.table      customer_id, expected_orders, expected_value, low, high, p_alive, tier, ...
    result.backtest   the same prediction made one horizon earlier vs what was then spent

Expected orders come from BG/NBD and the value of an order from Gamma-Gamma (core.churn.btyd),
both fitted on the shop's own history as of the day. `low`/`high` are the 10th and 90th
percentiles of the Gamma-Gamma posterior of the customer's order value times their expected
orders: how sure the spend per order is, not how many orders there will be. Where the models
cannot be fitted (a small shop), each customer's own pace and mean spend are used, and said so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy.special import gammaincinv

from shopinsight.core.churn import btyd
from shopinsight.core.churn.features import History, prepare_history
from shopinsight.core.churn.isotonic import isotonic_fit_transform
from shopinsight.core.churn.ranks import rankdata
from shopinsight.core.orders import lines_as_of

TIERS = ["High", "Medium", "Low", "New"]
NEW_DAYS = 30
"""A one-order customer whose order is this recent is "New": too early to value."""
TIER_SHARES = (0.2, 0.5)
"""High = the top 20% by expected value (New left aside), Medium the next 30%, Low the rest."""
BACKTEST_CUSTOMERS = 30_000
"""Customers the value backtest replays at most (a seeded sample, as the churn backtest)."""
MIN_BACKTEST_DAYS = 14
"""The value backtest needs this many days of history before its replay day."""


@dataclass(frozen=True)
class BtydFit:
    """The two fitted models at one cutoff (either may be missing, with its reason)."""

    purchases: btyd.BgNbd
    spend: btyd.GammaGamma


def summary(history: History, cutoff: dt.date) -> pl.DataFrame:
    """customer_id, x (repeat purchase days), t_x, T (weeks), n, mean_spend, first/last day."""
    per_customer = (
        history.days.lazy()
        .filter(pl.col("day") <= cutoff)
        .group_by("cidx")  # each customer's days are a run (features.History)
        .agg(
            pl.col("customer_id").first(),
            pl.len().alias("n"),
            pl.col("spend").mean().alias("mean_spend"),
            pl.col("spend").sum().alias("monetary"),
            pl.col("day").min().alias("first_day"),
            pl.col("day").max().alias("last_day"),
        )
        .collect()
    )
    return _btyd_summary(history.in_text_order(per_customer).lazy(), cutoff).collect()


def _btyd_summary(per_customer: pl.LazyFrame, cutoff: dt.date) -> pl.LazyFrame:
    """x, t_x and T added to per-customer rows already in customer_id order."""
    return per_customer.with_columns(
        (pl.col("n") - 1).cast(pl.Float64).alias("x"),
        ((pl.col("last_day") - pl.col("first_day")).dt.total_days() / 7.0).alias("t_x"),
        ((pl.lit(cutoff) - pl.col("first_day")).dt.total_days() / 7.0).alias("T"),
    )


def seed_summary(history: History, cutoff: dt.date, features: pl.DataFrame) -> None:
    """The summary at `cutoff` taken from the churn features of the same day (the same counts
    and means, already in customer_id order), so the purchases are not grouped a second time."""
    key = ("summary", cutoff)
    if key not in history.cache:
        per_customer = features.lazy().select(
            "customer_id", pl.col("frequency").alias("n"), pl.col("aov").alias("mean_spend"),
            "monetary", "first_day", "last_day",
        )  # fmt: skip
        history.cache[key] = _btyd_summary(per_customer, cutoff).collect()


def _fit_sample(history: History, seed: int) -> History:
    """The customers every fit of this shop is made on: the whole shop, or on a big one the
    seeded sample the backtest replays (its summaries are shared), so a fit at a given day does
    not depend on which sample (backtest, training) asked for it first. The fit itself reads at
    most btyd.MAX_FIT_CUSTOMERS of those known by its day."""
    return history.root.sample(BACKTEST_CUSTOMERS, seed)


def purchases_at(history: History, cutoff: dt.date, seed: int = 7) -> btyd.BgNbd:
    """BG/NBD fitted on the purchases up to `cutoff`, once per shop and day (shared by every
    sample of the shop), starting from the fit at the nearest day already fitted."""
    fits = history.root.cache.setdefault("bgnbd", {})
    if (cutoff, seed) not in fits:
        s = summary_at(_fit_sample(history, seed), cutoff)
        near = sorted((abs((day - cutoff).days), day) for day, sd in fits if sd == seed)
        start = fits[(near[0][1], seed)] if near else None
        fits[(cutoff, seed)] = btyd.fit_bgnbd(
            s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy(), seed, start
        )
    return fits[(cutoff, seed)]


def spend_at(history: History, cutoff: dt.date, seed: int = 7) -> btyd.GammaGamma:
    """Gamma-Gamma fitted on the repeat customers known at `cutoff` (only value reads it, so
    churn's many cutoffs never pay for it)."""
    key = ("gamma_gamma", cutoff, seed)
    if key not in history.cache:
        s = summary_at(history, cutoff)
        history.cache[key] = btyd.fit_gamma_gamma(
            s["n"].to_numpy(), s["mean_spend"].to_numpy(), seed
        )
    return history.cache[key]


def summary_at(history: History, cutoff: dt.date) -> pl.DataFrame:
    """`summary`, cached per history and cutoff."""
    key = ("summary", cutoff)
    if key not in history.cache:
        history.cache[key] = summary(history, cutoff)
    return history.cache[key]


def fit_at(history: History, cutoff: dt.date, seed: int = 7) -> tuple[pl.DataFrame, BtydFit]:
    """The summary at `cutoff` and both models fitted as of that day."""
    fit = BtydFit(purchases_at(history, cutoff, seed), spend_at(history, cutoff, seed))
    return summary_at(history, cutoff), fit


def btyd_scores(
    history: History, cutoff: dt.date, horizon_days: int, seed: int = 7
) -> tuple[pl.DataFrame, btyd.BgNbd]:
    """customer_id, p_alive, expected_orders and btyd_risk (P(no order within the horizon)).

    Without a fit the three columns are null (the callers fall back and say why)."""
    s, fit = summary_at(history, cutoff), purchases_at(history, cutoff, seed)
    h = horizon_days / 7.0
    if fit.ok and s.height:
        x, tx, t = s["x"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy()
        orders = btyd.expected_orders(fit, x, tx, t, h)
        cols = {
            "p_alive": btyd.p_alive(fit, x, tx, t),
            "expected_orders": orders,
            "btyd_risk": btyd.p_no_order(fit, x, tx, t, h),
        }
        scores = s.select("customer_id").with_columns(
            pl.Series(k, v, dtype=pl.Float64) for k, v in cols.items()
        )
    else:
        scores = s.select("customer_id").with_columns(
            pl.lit(None, pl.Float64).alias(k) for k in ("p_alive", "expected_orders", "btyd_risk")
        )
    return scores, fit


def ranked_as(risk: np.ndarray, key: np.ndarray) -> np.ndarray:
    """`risk` moved as little as possible (isotonic least squares) to rise with `key`, then
    strictly: P(no order) that ranks customers exactly as their expected orders do. The two
    rank a few customers differently (one weighs the chance of any order, the other the
    count); expected orders is the BTYD ranking churn risk is held to."""
    if len(risk) < 2:
        return risk
    level = isotonic_fit_transform(key, risk, y_min=0.0, y_max=1.0)
    order = rankdata(key) / len(key)
    return np.clip(level * (1 - 1e-6) + 1e-6 * order, 0.0, 1.0)


def _predict(history: History, cutoff: dt.date, horizon_days: int, seed: int) -> pl.DataFrame:
    """Expected orders and value over the horizon for every customer known at `cutoff`."""
    scores, _ = btyd_scores(history, cutoff, horizon_days, seed)
    s, fit = fit_at(history, cutoff, seed)
    table = s.join(scores, on="customer_id", how="left")
    n, mean = table["n"].to_numpy().astype(float), table["mean_spend"].to_numpy()
    if fit.purchases.ok:
        orders = table["expected_orders"].to_numpy()
    else:  # each customer's own pace so far, softened by a month for the newest
        tenure_days = table["T"].to_numpy() * 7.0
        orders = n / (tenure_days + 30.0) * horizon_days
    if fit.spend.ok:
        per_order = btyd.expected_spend(fit.spend, n, mean)
        # the posterior's shape takes one value per purchase count: quantiles per count only
        counts, at = np.unique(n, return_inverse=True)
        shape = fit.spend.p * counts + fit.spend.q
        rate = fit.spend.gamma + n * mean
        low = fit.spend.p * rate / gammaincinv(shape, 0.9)[at]
        high = fit.spend.p * rate / gammaincinv(shape, 0.1)[at]
    else:  # own mean shrunk toward the shop's by two orders' worth
        shop_mean = float(np.nansum(mean * n) / max(n.sum(), 1.0))
        per_order = (n * mean + 2 * shop_mean) / (n + 2)
        low, high = per_order * 0.5, per_order * 1.5
    return table.with_columns(
        pl.Series("expected_orders", orders, dtype=pl.Float64),
        pl.Series("order_value", per_order, dtype=pl.Float64),
        pl.Series("expected_value", orders * per_order, dtype=pl.Float64),
        pl.Series("low", orders * low, dtype=pl.Float64),
        pl.Series("high", orders * high, dtype=pl.Float64),
    )


def _tiers(table: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    new = (pl.col("n") == 1) & ((pl.lit(as_of) - pl.col("first_day")).dt.total_days() < NEW_DAYS)
    rest = table.filter(~new)
    rank = pl.col("expected_value").rank("ordinal", descending=True) / max(rest.height, 1)
    ranked = rest.select(
        "customer_id",
        pl.when(rank <= TIER_SHARES[0])
        .then(pl.lit("High"))
        .when(rank <= TIER_SHARES[1])
        .then(pl.lit("Medium"))
        .otherwise(pl.lit("Low"))
        .alias("tier"),
    )
    return table.join(ranked, on="customer_id", how="left").with_columns(
        pl.col("tier").fill_null("New")
    )


def _actual(history: History, start: dt.date, days: int) -> pl.DataFrame:
    end = start + dt.timedelta(days=days)
    return (
        history.days.filter((pl.col("day") > start) & (pl.col("day") <= end))
        .group_by("customer_id")
        .agg(pl.col("spend").sum().alias("actual"))
    )


def value_backtest(
    history: History, as_of: dt.date, horizon_days: int, seed: int = 7
) -> dict[str, Any]:
    """The prediction replayed one horizon back (a shorter one when the history is short),
    against what those customers then spent: total ratio, rank correlation, top-10% capture."""
    first = history.first_day
    span = (as_of - first).days if first else 0
    days = min(horizon_days, span - MIN_BACKTEST_DAYS)
    if days < 7:
        return {"horizon_days": None, "note": "the history is too short to replay the prediction"}
    then = as_of - dt.timedelta(days=days)
    history = history.sample(BACKTEST_CUSTOMERS, seed)
    pred = _predict(history, then, days, seed).join(
        _actual(history, then, days), on="customer_id", how="left"
    )
    p = pred["expected_value"].to_numpy()
    a = pred["actual"].fill_null(0.0).to_numpy()
    top = np.argsort(-p, kind="stable")[: max(1, int(np.ceil(0.1 * len(p))))]
    total = float(a.sum())
    from scipy import stats  # ≈0.7 s to import: only the value backtest reads it

    rho = stats.spearmanr(p, a).statistic if len(p) > 2 and np.ptp(a) > 0 else None
    note = f"replayed as of {then} over the next {days} days" + (
        f" (the history is too short for {horizon_days})" if days < horizon_days else ""
    )
    return {
        "as_of": then.isoformat(),
        "horizon_days": days,
        "customers": int(len(p)),
        "predicted": round(float(p.sum()), 2),
        "actual": round(total, 2),
        "total_ratio": round(float(p.sum()) / total, 4) if total > 0 else None,
        "spearman": None if rho is None or not np.isfinite(rho) else round(float(rho), 4),
        "top10_capture": round(float(a[top].sum()) / total, 4) if total > 0 else None,
        "note": note,
    }


@dataclass
class ValueResult:
    """Predicted value per customer over the horizon, how it was made, and its backtest."""

    table: pl.DataFrame
    horizon_days: int
    method: str
    backtest: dict[str, Any]
    currency: str | None
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


VALUE_COLUMNS = [
    "customer_id", "expected_orders", "expected_value", "low", "high", "p_alive", "tier",
    "order_value", "n", "monetary", "first_day", "last_day",
]  # fmt: skip


def value_of(history: History, as_of: dt.date, horizon_days: int, seed: int = 7) -> ValueResult:
    """`customer_value` on a prepared history (the churn alerts share the fit)."""
    table = _tiers(_predict(history, as_of, horizon_days, seed), as_of)
    table = table.select(VALUE_COLUMNS).sort(
        ["expected_value", "customer_id"], descending=[True, False], nulls_last=True
    )
    _, fit = fit_at(history, as_of, seed)
    notes = []
    if fit.purchases.ok:
        method = "BG/NBD expected orders"
    else:
        method = "each customer's own pace"
        notes.append(f"Expected orders from each customer's own pace: {fit.purchases.reason}.")
    if fit.spend.ok:
        method += " × Gamma-Gamma order value"
        notes.append(
            "Range: 10th-90th percentile of the Gamma-Gamma estimate of each customer's order "
            "value, times their expected orders (how many orders is not in the range)."
        )
    else:
        method += " × mean order value"
        notes.append(
            f"Order value is each customer's mean, pulled to the shop's: {fit.spend.reason}."
        )
    params = {
        "bgnbd": fit.purchases.params() if fit.purchases.ok else None,
        "gamma_gamma": fit.spend.params() if fit.spend.ok else None,
    }
    return ValueResult(
        table, horizon_days, method, value_backtest(history, as_of, horizon_days, seed),
        history.currency, params, notes,
    )  # fmt: skip


def customer_value(
    lines: pl.LazyFrame,
    as_of: dt.date,
    config: dict,
    horizon_days: int | None = None,
    history: History | None = None,
) -> ValueResult:
    """Every customer with a counted order by `as_of`, valued over the horizon (see module).

    `history` (prepare_history of the same lines as of the day) is shared with the churn
    alerts when given: the lines are read once and the BG/NBD fit at `as_of` is reused."""
    from shopinsight.core.churn.rule import ChurnSettings

    settings = ChurnSettings.from_config(config)
    horizon = horizon_days or settings.value_horizon_days
    if history is None:
        history = prepare_history(lines_as_of(lines.lazy(), as_of, settings.tz), config)
    return value_of(history, as_of, horizon, settings.seed)
