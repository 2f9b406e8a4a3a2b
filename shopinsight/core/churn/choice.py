"""Which churn ranking a shop gets: chosen on its own backtest, never below the simple ones.

The candidates, simplest first: days since the last order alone ("recency"), the BG/NBD
purchase model ("btyd": its chance of no order within the horizon, or its expected orders,
whichever ranked better on the backtest), the cadence rule and the learned model. The two
label-free rankings (recency and BG/NBD) are the base; the rule or the model replaces the base
only when it ranked better on the backtest by `min_auc_gain`. Where the backtest cannot tell
the methods apart (too few customers of either outcome) or no method ranks clearly better than
a coin flip, the simplest ranking, days since the last order, is used: a fancier ranking cannot
be trusted to beat it there. A shop too small for any of that (a few dozen customers) gets the
cadence rule and its defaults.
"""

from __future__ import annotations

from collections.abc import Callable

from shopinsight.core.churn.backtest import Backtest, MethodScore
from shopinsight.core.churn.btyd import MIN_CUSTOMERS as MIN_BTYD_CUSTOMERS
from shopinsight.core.churn.rule import ChurnSettings

METHOD_NAMES = {
    "rule": "the cadence rule", "btyd": "the purchase model (BG/NBD)",
    "model": "the learned model", "recency": "days since the last order",
}  # fmt: skip

MIN_COMPARE = 10
"""Customers of each outcome the backtest needs before methods are compared (else: recency)."""

MIN_CUSTOMERS = MIN_BTYD_CUSTOMERS
"""A shop whose backtest replays fewer customers gets the cadence rule, its risks pulled toward
the defaults: too few to compare anything, or to fit the purchase model."""

MIN_USEFUL_AUC = 0.55
"""A backtest ROC-AUC below this for every method means the shop's past does not tell who comes
back (45% of lost/returned pairs ranked the wrong way round): the simplest ranking is used."""


def _auc(score: MethodScore | None) -> float | None:
    return None if score is None else score.auc


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def choose(
    settings: ChurnSettings,
    bt: Backtest,
    train_note: Callable[[], str | None],
    btyd_today: bool,
) -> tuple[str, str]:
    """("rule" | "btyd" | "model" | "recency", why in plain words).

    `train_note()` says why no model can be trained today (None when one can); it is asked
    only when the answer matters, since it builds the training rows.
    """
    aucs = {
        "model": _auc(bt.model),
        "btyd": _auc(bt.btyd) if btyd_today else None,
        "rule": _auc(bt.rule),
        "recency": _auc(bt.recency),
    }
    shown = ", ".join(
        f"{METHOD_NAMES[k].removeprefix('the ')} {v:.3f}" for k, v in aucs.items() if v is not None
    )
    short = f" with a {bt.horizon_days}-day horizon" if bt.horizon_note else ""
    when = f"replayed as of {bt.as_of}{short}, ROC-AUC {shown}"
    if settings.model == "rule":
        return (
            "rule",
            "The cadence rule is used because shopinsight.toml sets churn.model = 'rule'.",
        )
    if settings.model == "btyd" and btyd_today:
        return "btyd", f"The purchase model (BG/NBD) is used as shopinsight.toml asks ({when})."
    if settings.model == "model" and aucs["model"] is not None and train_note() is None:
        return "model", f"The model is used because shopinsight.toml asks for it ({when})."
    if aucs["rule"] is None:
        why = train_note() or bt.model_note.removeprefix("no model: ") or "no outcome to compare"
        return "rule", f"The cadence rule is used: there is no past outcome to test on ({why})."
    if min(bt.lost, bt.customers - bt.lost) < MIN_COMPARE and bt.customers < MIN_CUSTOMERS:
        return "rule", (
            f"The cadence rule is used: the shop is too small to compare methods on its own "
            f"past ({bt.customers} customers replayed, {bt.lost} lost, {bt.customers - bt.lost} "
            f"came back; {MIN_COMPARE} of each needed), so its risks start from the defaults"
            + (f"; no learned model: {note}." if (note := train_note()) else ".")
        )
    if min(bt.lost, bt.customers - bt.lost) < MIN_COMPARE:
        return "recency", (
            "Churn risk follows days since the last order, the simplest ranking: the backtest "
            f"has too few customers to tell the methods apart ({bt.lost} lost, "
            f"{bt.customers - bt.lost} came back; {MIN_COMPARE} of each needed)."
        )
    known = {k: v for k, v in aucs.items() if v is not None}
    if max(known.values()) < MIN_USEFUL_AUC:
        return "recency", (
            "Churn risk follows days since the last order, the simplest ranking: on this shop's "
            f"own history no method ranked who did not come back clearly better than a coin "
            f"flip ({when}; {MIN_USEFUL_AUC:.2f} needed)."
        )
    best = "btyd" if (known.get("btyd") or 0.0) >= known.get("recency", 0.0) else "recency"
    gap = ""
    for challenger in ("rule", "model"):
        auc = known.get(challenger)
        if auc is None:
            continue
        if auc >= known.get(best, 0.0) + settings.min_auc_gain:
            if challenger == "model" and (note := train_note()) is not None:
                gap = f"; no learned model: {note}"
                continue
            best = challenger
        elif challenger == "model":
            gap = f"; the model did not beat it (it must win by {settings.min_auc_gain:.3f})"
    if aucs["model"] is None:
        note = train_note()
        if note:
            gap = f"; no learned model: {note}"
        elif bt.model_note:
            gap = f"; {bt.model_note}"
    if best == "recency":
        return "recency", (
            "Churn risk follows days since the last order: no method ranked who did not come "
            f"back better than that on this shop's own history ({when})."
        )
    if best == "model":
        return "model", (
            "The model is used: it ranked who did not come back better than the rule and the "
            f"purchase model on this shop's own history ({when})."
        )
    return best, (
        f"{_capital(METHOD_NAMES[best])} is used: it ranked who did not come back best on this "
        f"shop's own history ({when}){gap}."
    )
