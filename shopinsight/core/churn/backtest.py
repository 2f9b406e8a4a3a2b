"""The churn procedure replayed on the shop's own past, and how each method did.

`replay_backtest` runs the whole procedure one horizon before the analysis day (or a shorter
horizon on a young shop), on the data known then, and scores every candidate (cadence rule, BG/NBD,
learned model, days since the last order alone) against who actually came back. The scoring
function is passed in, so this module knows nothing of how alerts are built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from shopinsight.core.churn.features import History, labels
from shopinsight.core.churn.lists import classify, list_cap, order_key
from shopinsight.core.churn.model import (
    auc,
    can_train,
    fit_model,
    may_train,
    prefetch_sklearn,
    training_frame,
)
from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.churn.stake import EXPECTED_ORDERS, ORDERS_AT_RISK
from shopinsight.core.churn.value import purchases_at, ranked_as

MIN_LEARN_DAYS = 7
"""Shortest horizon the model learns from when the history is too short for the real one."""

BACKTEST_CUSTOMERS = 30_000
"""Customers the backtest replays at most (a seeded sample on bigger shops)."""

Scorer = Callable[..., tuple[pl.DataFrame, Any, Any]]
"""`alerts._score`: (history, day, settings, model) -> (table, cadence, model inputs)."""


@dataclass(frozen=True)
class MethodScore:
    """How one method did when replayed: ranking, the to-act list and revenue capture.

    `alerts`, `precision` and `recall` are those of the to-act list as the merchant would have
    seen it (cut to the list size), not of every customer the method flagged.
    """

    auc: float | None
    precision: float | None
    recall: float | None
    top10_capture: float | None
    alerts: int


@dataclass(frozen=True)
class Backtest:
    """The churn procedure replayed one horizon earlier and compared with what then happened."""

    as_of: dt.date
    horizon_days: int
    customers: int
    lost: int
    rule: MethodScore
    model: MethodScore | None
    model_note: str = ""
    sample_note: str = ""
    btyd: MethodScore | None = None
    recency: MethodScore | None = None
    btyd_note: str = ""
    horizon_note: str = ""
    btyd_ranking: str = "p_no_order"
    """How the purchase model ranked best here: "p_no_order" or "expected_orders"."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Backtest:
        """Back from `to_dict` (as cached results hold it: the day as ISO text)."""
        day = data["as_of"]
        scores = {
            k: MethodScore(**data[k]) if isinstance(data.get(k), dict) else None
            for k in ("rule", "model", "btyd", "recency")
        }
        rest = {k: v for k, v in data.items() if k not in scores and k != "as_of"}
        as_of = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return cls(as_of=as_of, **scores, **rest)  # type: ignore[arg-type]  # rule is set


def alert_flag(risk: pl.Expr, settings: ChurnSettings) -> pl.Expr:
    return (
        pl.col("status").is_in(list(settings.alert_statuses))
        & (risk >= settings.min_alert_risk)
        & ~pl.col("in_season_wait")
    )


def method_score(
    table: pl.DataFrame,
    risk_col: str,
    settings: ChurnSettings,
    day: dt.date,
    stake: str = "expected_spend",
) -> MethodScore:
    """AUC, precision/recall of the to-act list and top-10% capture of lost spend.

    The list is built as on the day itself (lists.classify and the list-size cap, save now
    before win back, by value at risk), so its precision is that of the names a merchant
    would have been given, not of every customer the method flagged. `stake` is what is at
    stake per customer: expected spend, or on a shop without amounts expected orders (the
    list is then ranked by orders at risk, and the capture is of lost orders).
    """
    lost = table["lost"].to_numpy()
    risk = table[risk_col].to_numpy()
    flagged = alert_flag(pl.col(risk_col), settings)
    at_risk = "value_at_risk" if stake == "expected_spend" else ORDERS_AT_RISK
    scored = table.with_columns(
        pl.col(risk_col).alias("risk"),
        (pl.col(risk_col) * pl.col(stake).fill_null(0.0)).alias(at_risk),
    )
    scored = scored.with_columns(classify(scored, flagged, day, settings.horizon_days))
    listed = pl.col("list").is_not_null()
    rank = order_key(at_risk).rank("ordinal").over(listed)
    in_list = listed & (rank <= list_cap(scored, settings))
    shown = scored.select(in_list).to_series().to_numpy()
    n_alerts = int(shown.sum())
    hits = int((shown & (lost == 1)).sum())
    total_lost = int(lost.sum())
    value = table[stake].fill_null(0.0).to_numpy()
    order = np.argsort(-(risk * value), kind="stable")
    top = order[: max(1, int(np.ceil(0.1 * len(order))))] if len(order) else order
    lost_value = float((value * lost).sum())
    capture = float((value[top] * lost[top]).sum()) / lost_value if lost_value > 0 else None
    return MethodScore(
        auc=auc(lost, risk),
        precision=hits / n_alerts if n_alerts else None,
        recall=hits / total_lost if total_lost else None,
        top10_capture=capture,
        alerts=n_alerts,
    )


def span_days(history: History, day: dt.date) -> int:
    first = history.first_day
    return (day - first).days if first is not None else 0


def min_history(settings: ChurnSettings, span: int) -> int:
    """History a cutoff needs behind it: the setting, or a quarter of a short shop's history."""
    return min(settings.min_history_days, max(span // 4, MIN_LEARN_DAYS))


def learning(settings: ChurnSettings, span: int) -> tuple[ChurnSettings, str]:
    """The settings the model learns with at a day with `span` days of history behind it.

    With less than the horizon plus min_history_days, no full horizon can be replayed: the
    model learns from the longest shorter horizon that fits, and says so.
    """
    h = settings.horizon_days
    if span >= h + settings.min_history_days:
        return settings, ""
    need = min_history(settings, span)
    shorter = min(h, span - need)
    if shorter < MIN_LEARN_DAYS:
        return settings, ""
    note = f"the history ({span} days) is shorter than the {h}-day horizon plus " + (
        f"{settings.min_history_days} days, so the model learned from {shorter}-day horizons"
        if shorter < h
        else f"{settings.min_history_days} days, so it learned from cutoffs {need}+ days in"
    )
    return replace(settings, horizon_days=shorter, min_history_days=need), note


def backtest_horizon(settings: ChurnSettings, span: int) -> int:
    """The horizon the backtest replays: the real one when the history holds it plus
    min_history_days, else the longest that leaves room to learn before it and check after."""
    h = settings.horizon_days
    if span >= h + settings.min_history_days:
        return h
    return max(1, min(h, (span - min_history(settings, span)) // 2))


def btyd_by_orders(table: pl.DataFrame) -> pl.DataFrame:
    """`btyd_risk` (P(no order)) nudged to rank exactly as expected orders do."""
    risk = ranked_as(table["btyd_risk"].to_numpy(), -table["btyd_orders"].to_numpy())
    return table.with_columns(pl.Series("btyd_risk", risk, dtype=pl.Float64))


def _btyd_ranking(table: pl.DataFrame, gain: float) -> tuple[pl.DataFrame, str]:
    """Expected orders, the BG/NBD's plain summary, unless P(no order) ranked better on the
    backtest by `gain` (as any other challenger must): a smaller edge is noise that does not
    carry over to the next horizon."""
    lost = table["lost"].to_numpy()
    by_chance = auc(lost, table["btyd_risk"].to_numpy())
    by_orders = auc(lost, -table["btyd_orders"].to_numpy())
    if by_chance is not None and by_orders is not None and by_chance >= by_orders + gain:
        return table, "p_no_order"
    return btyd_by_orders(table), "expected_orders"


def replay_backtest(
    history: History, as_of: dt.date, settings: ChurnSettings, score: Scorer
) -> tuple[Backtest, tuple[np.ndarray, np.ndarray] | None, pl.DataFrame]:
    """Replay the procedure one horizon back and judge it by the horizon that followed.

    Every candidate is scored on the same customers: the cadence rule, the BG/NBD purchase
    model, the learned model and days since the last order alone. A history too short for
    two horizons is replayed with a shorter one (said in `horizon_note`). Big shops are
    replayed on a seeded sample of BACKTEST_CUSTOMERS customers: the scores barely move.
    Also returns the model's blend inputs with the outcomes (to calibrate the final model)
    and recency with outcomes (to turn recency into a risk, should it be used).
    """
    span = span_days(history, as_of)
    h = backtest_horizon(settings, span)
    replayed = replace(settings, horizon_days=h)
    then = as_of - dt.timedelta(days=h)
    everyone = history.customer_ids().height
    history = history.sample(BACKTEST_CUSTOMERS, settings.seed)
    learn, learn_note = learning(replayed, span_days(history, then))
    if may_train(history, then, learn):  # sklearn imported while the training rows are built
        prefetch_sklearn()
    frame, cutoffs = training_frame(history, then, learn)
    why_not = can_train(frame, learn)
    model = fit_model(frame, cutoffs, learn) if why_not is None else None
    table, _, inputs = score(history, then, replayed, model)
    table = table.join(  # in the score's row order: the blend inputs pair with it by position
        labels(history, then, h), on="customer_id", how="left", maintain_order="left"
    ).with_columns(
        (1 - pl.col("returned").fill_null(0)).alias("lost"),
        ((pl.col("recency").rank("average") - 0.5) / pl.len()).alias("recency_risk"),
    )
    has_btyd = table.height > 0 and table["btyd_risk"].null_count() == 0
    ranking = "p_no_order"
    if has_btyd:  # expected orders, or P(no order) when it ranked clearly better
        table, ranking = _btyd_ranking(table, settings.min_auc_gain)
    fit = purchases_at(history, then, settings.seed)
    stake = "expected_spend" if history.amounts else EXPECTED_ORDERS

    def scores(risk_col: str) -> MethodScore:
        return method_score(table, risk_col, replayed, then, stake)

    horizon_note = (
        f"replayed with a {h}-day horizon: the history ({span} days) is too short to replay "
        f"the {settings.horizon_days}-day horizon and learn before it"
        if h < settings.horizon_days
        else ""
    )
    backtest = Backtest(
        as_of=then,
        horizon_days=h,
        customers=table.height,
        lost=int(table["lost"].sum()) if table.height else 0,
        rule=scores("rule_risk"),
        model=scores("model_risk") if model is not None else None,
        model_note="; ".join(
            n for n in ("" if why_not is None else f"no model: {why_not}", learn_note) if n
        ),
        sample_note=(
            f"replayed on a random sample of {BACKTEST_CUSTOMERS:,} of {everyone:,} customers"
            if everyone > BACKTEST_CUSTOMERS
            else ""
        ),
        btyd=scores("btyd_risk") if has_btyd else None,
        recency=scores("recency_risk"),
        btyd_note="" if has_btyd else f"no purchase model: {fit.reason}",
        horizon_note=horizon_note,
        btyd_ranking=ranking,
    )
    replay = (inputs, table["lost"].to_numpy()) if inputs is not None else None
    scored = [c for c in ("rule_risk", "btyd_risk", "model_risk") if c in table.columns]
    return backtest, replay, table.select("recency", "lost", "recency_risk", *scored)
