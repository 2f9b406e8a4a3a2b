"""Churn alerts a merchant can trust: ranked by what is at stake, explained, and backtested.

    result = churn_alerts(lines, as_of, config)
    result.alerts         one row per customer: risk, value_at_risk, expected_next_order,
                          status, reasons, action, state, segment, is_alert
    result.method         "model" or "rule": the model is used only where it beat the rule
    result.method_reason  why, in plain words
    result.backtest       the same procedure one horizon earlier against what then happened

The rule compares each customer with their own cadence (and one-time buyers with the shop's
time to a second order); the model learns from the shop's own past by a time split. Both are
replayed one horizon back, and the winner's risk is shown. A small shop gets the rule, and is
told so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from shopinsight.core.churn.backtest import (
    Backtest,
    MethodScore,
    alert_flag,
    btyd_by_orders,
    learning,
    replay_backtest,
    span_days,
)
from shopinsight.core.churn.choice import MIN_COMPARE, choose
from shopinsight.core.churn.explain import RULE_INPUTS, actions, reasons, wants_next, with_favorite
from shopinsight.core.churn.features import History, prepare_history
from shopinsight.core.churn.isotonic import isotonic_fit
from shopinsight.core.churn.lists import classify, remark
from shopinsight.core.churn.model import (
    MIN_RECALIBRATION,
    ChurnModel,
    blend_inputs,
    can_train,
    fit_model,
    predict_risk,
    recalibrate,
    training_frame,
)
from shopinsight.core.churn.rule import (
    ChurnSettings,
    ShopCadence,
    holiday_only,
    next_season_start,
    rule_table,
)
from shopinsight.core.churn.stake import EXPECTED_ORDERS, ORDER_COLUMNS, ORDERS_AT_RISK
from shopinsight.core.churn.state import load_alert_states, mark_alert
from shopinsight.core.churn.value import purchases_at
from shopinsight.core.orders import lines_as_of

__all__ = [
    "Backtest",
    "ChurnResult",
    "MethodScore",
    "churn_alerts",
    "churn_backtest",
    "load_alert_states",
    "mark_alert",
]

ALERT_COLUMNS = [
    "customer_id", "risk", "value_at_risk", "expected_next_order", "status", "reasons",
    "action", "state", "segment", "is_alert", "rule_risk", "model_risk", "expected_spend",
    "frequency", "recency", "gap_median", "overdue", "aov", "monetary", "last_day",
    "favorite_product", "tags", "in_season_wait", "btyd_risk", "p_alive", "btyd_orders", "list",
]  # fmt: skip


READ_AFTER_SCORE = [
    "last_counted_at", "last_refunded", "last_problem_kind", "discounted", "discount_share",
    "gap_last", "gap_trend", "spend_trend", "holiday_only",
]  # fmt: skip
"""Besides ALERT_COLUMNS, what the profiles' join, the reasons, the actions and the list read of
the scored table: only these go on (at 5M lines the ~25 other features, ~150 MB, were copied by
each join after the scoring)."""


@dataclass
class ChurnResult:
    """Churn alerts as of one day, with the method used and its backtest."""

    alerts: pl.DataFrame
    method: str
    method_reason: str
    backtest: Backtest
    as_of: dt.date
    horizon_days: int
    cadence: str = ""
    currency: str | None = None
    notes: list[str] = field(default_factory=list)


def _prepare(lines: pl.LazyFrame, as_of: dt.date, config: dict, tz: str) -> History:
    """The history as of the day's end on the shop's clock (`tz`: `ChurnSettings.tz`)."""
    return prepare_history(lines_as_of(lines.lazy(), as_of, tz), config)


def _expected_orders(horizon: int) -> pl.Expr:
    """The orders a customer would place over the horizon at their usual pace (one for
    one-timers), capped at the orders they ever placed: a two-order customer is not assumed to
    order twenty times because their two orders were a day apart."""
    return (
        pl.when(pl.col("frequency") >= 2)
        .then(
            pl.min_horizontal(
                pl.lit(float(horizon)) / pl.col("gap_median").clip(1, None), pl.col("frequency")
            )
        )
        .otherwise(1.0)
    )


def _expected_spend(horizon: int) -> pl.Expr:
    """What a customer would spend over the horizon at their usual pace (`_expected_orders`),
    net of what they send back (`kept_share`: a customer who returns 95% of what they buy puts
    5% of it at stake)."""
    kept = pl.col("kept_share").fill_null(1.0)
    return (pl.col("aov") * kept * _expected_orders(horizon)).alias("expected_spend")


def _stakes(history: History, horizon: int) -> list[pl.Expr]:
    """Expected spend; on a shop without amounts (every spend 0) the expected orders as well,
    which is what its alerts are ranked by (`churn.stake`)."""
    spend = _expected_spend(horizon)
    return [spend] if history.amounts else [spend, _expected_orders(horizon).alias(EXPECTED_ORDERS)]


def _score(
    history: History, cutoff: dt.date, settings: ChurnSettings, model: ChurnModel | None
) -> tuple[pl.DataFrame, ShopCadence, np.ndarray | None]:
    """Rule table at `cutoff` with model_risk (when a model is given) and expected spend.

    Also returns the model's blend inputs, so the backtest can calibrate the final model.
    """
    table, cadence = rule_table(history, cutoff, settings)
    inputs = blend_inputs(model, table) if model is not None and table.height else None
    model_risk = (
        pl.Series("model_risk", predict_risk(model, table, inputs), dtype=pl.Float64)
        if model is not None
        else pl.lit(None, pl.Float64).alias("model_risk")
    )
    table = table.with_columns(model_risk, *_stakes(history, settings.horizon_days))
    seasonal = holiday_only(history, cutoff, settings).with_columns(
        pl.lit(True).alias("holiday_only")
    )
    # the rows keep their order: `inputs` (and the backtest's outcomes) pair with them by position
    table = table.join(seasonal, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.col("holiday_only").fill_null(False)
    )
    return _season(table, cutoff, settings), cadence, inputs


def _season(table: pl.DataFrame, day: dt.date, settings: ChurnSettings) -> pl.DataFrame:
    """`in_season_wait` for holiday-only buyers outside the holiday months: no alert, and the
    next order is expected when the season opens."""
    out_of_season = day.month not in settings.holiday_months
    start = next_season_start(day, settings.holiday_months)
    return table.with_columns(
        (pl.col("holiday_only") & pl.lit(out_of_season)).alias("in_season_wait")
    ).with_columns(
        pl.when(pl.col("in_season_wait"))
        .then(pl.lit(start))
        .otherwise(pl.col("expected_next_order"))
        .alias("expected_next_order")
    )


def churn_backtest(
    lines: pl.LazyFrame, as_of: dt.date, config: dict, horizon_days: int | None = None
) -> Backtest:
    """Every candidate replayed one horizon back, compared with what then happened."""
    settings = ChurnSettings.from_config(config, horizon_days)
    return replay_backtest(_prepare(lines, as_of, config, settings.tz), as_of, settings, _score)[0]


def _recency_risk(table: pl.DataFrame, replay: pl.DataFrame) -> pl.Series:
    """Risk from days since the last order alone, nudged so the longest silence ranks first.

    The level is what share of customers that silent did not come back in the backtest
    (isotonic); where the backtest holds too few of either outcome to say, the cadence rule's
    risks (its band estimates, pulled toward the defaults) are handed out in recency order.
    """
    order = table["recency"].rank("average").to_numpy() / max(table.height, 1)
    lost = replay["lost"].to_numpy()
    if min(lost.sum(), len(lost) - lost.sum()) < MIN_COMPARE:
        levels = np.sort(table["rule_risk"].fill_null(0.5).to_numpy())
        base = np.interp(order * len(levels), np.arange(1, len(levels) + 1), levels)
    else:
        fit = isotonic_fit(replay["recency"].to_numpy(), lost, y_min=0.0, y_max=1.0)
        base = fit.predict(table["recency"].to_numpy().astype(float), clip=True)
    return pl.Series("recency_risk", np.clip(base * 0.98 + 0.02 * order, 0.0, 1.0))


def churn_alerts(
    lines: pl.LazyFrame,
    as_of: dt.date,
    config: dict,
    horizon_days: int | None = None,
    profiles: pl.DataFrame | None = None,
    states: pl.DataFrame | None = None,
    history: History | None = None,
    sequence: pl.DataFrame | None = None,
) -> ChurnResult:
    """Every customer with a counted order by `as_of`, scored, explained and ranked.

    Orders after `as_of` are ignored everywhere. `profiles` (customer_id, segment, tags,
    favorite_product) sharpens the suggested actions; `states` (load_alert_states) hides
    snoozed and dismissed customers until they order again. `history` (prepare_history of
    the same lines as of the day) saves reading them again when value reads them too;
    `sequence` (the shop's `ranked_sequence_rules` as of the day) saves learning them again.
    """
    settings = ChurnSettings.from_config(config, horizon_days)
    history = history if history is not None else _prepare(lines, as_of, config, settings.tz)
    columns = ALERT_COLUMNS if history.amounts else [*ALERT_COLUMNS, *ORDER_COLUMNS]
    scored = _scored(history, as_of, settings)
    method, why, backtest, table, cadence, model = (
        scored.method, scored.why, scored.backtest, scored.table, scored.cadence, scored.model
    )  # fmt: skip
    del scored
    table = table.select(
        c for c in dict.fromkeys([*columns, *READ_AFTER_SCORE]) if c in table.columns
    )
    table = _join_profiles(table, history, profiles)
    table = _season(
        table.with_columns(pl.col("holiday_only") | pl.col("tags").list.contains("holiday_only")),
        as_of,
        settings,
    )
    table = reasons(table, settings, cadence, as_of)
    # the next product is worked out only for those whose action would name it
    table = with_favorite(table)
    wanted = table.filter(wants_next())["customer_id"]
    table = actions(
        table, lines_as_of(lines.lazy(), as_of, settings.tz), wanted, sequence, settings.tz
    ).drop(RULE_INPUTS)
    last_order = table.select("customer_id", pl.col("last_counted_at").alias("last_order_at"))
    flagged = alert_flag(pl.col("risk"), settings)
    table = table.with_columns(classify(table, flagged, as_of, settings.horizon_days))
    # only the columns kept go through the list's sort (a third of them)
    kept = table.select(c for c in columns if c in table.columns)
    table = remark(kept, states, last_order, as_of, settings).select(columns)
    notes = _notes(history, settings, cadence, model)
    return ChurnResult(
        alerts=table,
        method=method,
        method_reason=why,
        backtest=backtest,
        as_of=as_of,
        horizon_days=settings.horizon_days,
        cadence=cadence.describe(),
        currency=history.currency,
        notes=notes,
    )


@dataclass
class _Scored:
    """Every customer scored by the chosen method as of the day, before the alerts' columns
    are picked and explained (`churn_alerts`' first half, the costly one)."""

    method: str
    why: str
    backtest: Backtest
    table: pl.DataFrame
    cadence: ShopCadence
    model: ChurnModel | None


def prepare_scores(
    history: History, as_of: dt.date, config: dict, horizon_days: int | None = None
) -> None:
    """Score every customer as of `as_of` ahead of `churn_alerts` with the same `history` (the
    backtest, the choice of method, the model and the risks), so that work can run while
    something else is computed (the customer table, in the import's warm-up); `churn_alerts`
    takes the result over. Nothing is kept when it fails: `churn_alerts` then computes, and
    reports, the same."""
    settings = ChurnSettings.from_config(config, horizon_days)
    key = ("scored", as_of, settings)
    if key not in history.cache:
        history.cache[key] = _score_all(history, as_of, settings)


def _scored(history: History, as_of: dt.date, settings: ChurnSettings) -> _Scored:
    """`prepare_scores`' result, taken out of the history's cache (it is used once), else
    computed now."""
    found = history.cache.pop(("scored", as_of, settings), None)
    return found if found is not None else _score_all(history, as_of, settings)


def _score_all(history: History, as_of: dt.date, settings: ChurnSettings) -> _Scored:
    backtest, replay, recency_replay = replay_backtest(history, as_of, settings, _score)
    learn, learn_note = learning(settings, span_days(history, as_of))
    rows: list[tuple[pl.DataFrame, list[dt.date]]] = []

    def train_note() -> str | None:  # the training rows are built only when they can matter
        if not rows:
            rows.append(training_frame(history, as_of, learn))
        return can_train(rows[0][0], learn)

    btyd_today = purchases_at(history, as_of, settings.seed).ok
    method, why = choose(settings, backtest, train_note, btyd_today)
    model = None
    if method == "model":
        out_of_time = replay is not None and len(replay[1]) >= MIN_RECALIBRATION
        model = fit_model(*rows[0], learn, calibrate=not out_of_time)
        if replay is not None and out_of_time:
            recalibrate(model, *replay)
        if learn_note:
            why += f" Note: {learn_note}."
    table, cadence, _ = _score(history, as_of, settings, model)
    history.forget_cutoff(as_of)  # scored once: the table above holds what is still needed
    if method == "recency":
        table = table.with_columns(_recency_risk(table, recency_replay))
    if method == "btyd" and backtest.btyd_ranking == "expected_orders":
        table = btyd_by_orders(table)
    column = {"model": "model_risk", "btyd": "btyd_risk", "recency": "recency_risk"}
    risk = pl.col(column.get(method, "rule_risk"))
    table = table.with_columns(risk.clip(0.0, 1.0).alias("risk"))
    if history.amounts:
        at_risk = [(pl.col("risk") * pl.col("expected_spend")).alias("value_at_risk")]
    else:  # no money known (not none at stake): ranked by the orders at risk
        at_risk = [
            pl.lit(None, pl.Float64).alias("value_at_risk"),
            (pl.col("risk") * pl.col(EXPECTED_ORDERS)).alias(ORDERS_AT_RISK),
        ]
    table = table.with_columns(at_risk)
    return _Scored(method, why, backtest, table, cadence, model)


def _join_profiles(
    table: pl.DataFrame, history: History, profiles: pl.DataFrame | None
) -> pl.DataFrame:
    """segment, tags and favorite_product from profiles; churn's own stand-ins where missing
    (without the two about prices when the exports carry no amounts, as the profiles leave
    their money tags out: nobody is known to pay full price where no price is known)."""
    holiday = pl.when(pl.col("holiday_only")).then(pl.lit("holiday_only"))
    priced = [
        pl.when((pl.col("frequency") >= 3) & (pl.col("discount_share") == 0)).then(
            pl.lit("full_price_loyal")
        ),
        pl.when((pl.col("frequency") >= 2) & (pl.col("discount_share") >= 0.5)).then(
            pl.lit("discount_hunter")
        ),
    ]
    own_tags = pl.concat_list(*(priced if history.amounts else []), holiday).list.drop_nulls()
    cols = [] if profiles is None else [
        c for c in ("segment", "tags", "favorite_product") if c in profiles.columns
    ]  # fmt: skip
    if profiles is not None and cols:
        prof = profiles.select("customer_id", *[pl.col(c).alias(f"_p_{c}") for c in cols])
        table = table.join(prof, on="customer_id", how="left")
    if "favorite_product" in cols:
        favorite = pl.col("_p_favorite_product")
    else:
        table = table.join(history.favorites(), on="customer_id", how="left")
        favorite = pl.col("favorite_product")
    tagged = "tags" in cols and table.schema["_p_tags"] == pl.List(pl.Utf8)
    if tagged and table["_p_tags"].null_count() == 0:  # every customer has a profile
        tags = pl.col("_p_tags")  # (churn's stand-ins would be built for nobody)
    else:
        tags = (pl.col("_p_tags").fill_null(own_tags) if "tags" in cols else own_tags).fill_null(
            pl.lit([], pl.List(pl.Utf8))
        )
    return table.with_columns(
        (pl.col("_p_segment") if "segment" in cols else pl.lit(None, pl.Utf8)).alias("segment"),
        tags.alias("tags"),
        favorite.alias("favorite_product"),
    ).drop([f"_p_{c}" for c in cols])


def _notes(
    history: History, settings: ChurnSettings, cadence: ShopCadence, model: ChurnModel | None
) -> list[str]:
    notes = [f"Shop cadence: {cadence.describe()}."]
    if history.dropped_currency_orders:
        notes.append(
            f"{history.dropped_currency_orders} orders in other currencies than "
            f"{history.currency} are left out."
        )
    if model is not None:
        notes.append(
            f"Model trained on {model.rows} customer snapshots at {len(model.cutoffs)} past "
            f"cutoffs ({', '.join(str(c) for c in model.cutoffs)}); risk calibrated on "
            f"{model.calibrated_on}."
        )
    return notes
