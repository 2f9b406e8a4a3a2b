"""The to-act list: few enough customers for a small team, the ones still worth saving first.

Every customer the method flags falls in one of two lists:

- **save_now**: their next order was due recently (at most SAVE_HORIZONS horizons ago), they
  are still likely to come back (P(alive) from the purchase model, else the risk) and not yet
  lapsed or one-and-done by the shop's own cadence;
- **win_back**: long gone; worth a win-back campaign, with lower expectations.

The to-act list (`is_alert`) is the top of save_now by value at risk, then win_back, cut to
`list_size` customers or `list_share` of the active customers, whichever is fewer: a week's
work for a small team. Customers the merchant contacted, snoozed or dismissed leave it
(state.apply_states says until when); their place frees up a week after the mark, when the
next customer moves up.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from shopinsight.core.churn.rule import ChurnSettings
from shopinsight.core.churn.stake import ORDERS_AT_RISK, stake_column
from shopinsight.core.churn.state import apply_states

LISTS = ["save_now", "win_back"]

SAVE_HORIZONS = 2
"""A customer whose next order was due more than this many horizons ago is a win-back."""

GONE_STATUSES = ["lapsed", "one_and_done"]
"""Statuses that mean long gone by the shop's own cadence: always win-back."""

SAVE_MIN_ALIVE = 0.3
"""...and so is one the purchase model gives less than this chance of still buying."""

SAVE_MAX_RISK = 0.85
"""Without a purchase model: a risk above this is a win-back."""

WEEK_DAYS = 7
"""The list is a week's work: a customer marked within this many days still uses a place."""

ACTIVE_DAYS = 365
"""Active customers (what list_share is a share of): a counted order within this many days."""


def classify(table: pl.DataFrame, flagged: pl.Expr, as_of: dt.date, horizon: int) -> pl.Expr:
    """`list`: save_now or win_back for flagged customers, null for the others."""
    due_days = (pl.lit(as_of) - pl.col("expected_next_order")).dt.total_days()
    recent = due_days.fill_null(0) <= SAVE_HORIZONS * horizon
    likely = (
        pl.when(pl.col("p_alive").is_not_null())
        .then(pl.col("p_alive") >= SAVE_MIN_ALIVE)
        .otherwise(pl.col("risk") <= SAVE_MAX_RISK)
    )
    return (
        pl.when(~flagged)
        .then(pl.lit(None, pl.Utf8))
        .when(recent & likely & ~pl.col("status").is_in(GONE_STATUSES))
        .then(pl.lit("save_now"))
        .otherwise(pl.lit("win_back"))
        .alias("list")
    )


def list_cap(table: pl.DataFrame, settings: ChurnSettings) -> int:
    """How many customers the to-act list holds (at least one)."""
    active = table.select((pl.col("recency") <= ACTIVE_DAYS).sum()).item()  # not a filtered copy
    return max(1, min(settings.list_size, math.ceil(settings.list_share * active)))


def cut(
    table: pl.DataFrame,
    hidden: pl.Expr,
    settings: ChurnSettings,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """`is_alert`: listed, not hidden by a mark, and within the week's capacity.

    Customers marked in the last WEEK_DAYS still take their place in the list (they used
    this week's capacity), so the list gets shorter as the team works through it instead of
    refilling at once; older marks free their place for the next customer.
    """
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=WEEK_DAYS)
    fresh = hidden & (pl.col("marked_at") >= pl.lit(since)).fill_null(False)
    counted = pl.col("list").is_not_null() & (~hidden | fresh)
    rank = order_key(stake_column(table)).rank("ordinal").over(counted)
    in_list = counted & (rank <= list_cap(table, settings))
    return table.with_columns((in_list & ~hidden).alias("is_alert"))


LIST_STEP = {"value_at_risk": 1e15, ORDERS_AT_RISK: 1e4}
"""How far apart `order_key` sets the lists: above any value at risk, or any orders at risk
(at most the horizon's 730 days at one order a day). The orders' step is small so their
fractions still rank (at 1e15 a float steps by 0.25: 4.07 and 4.00 orders tied)."""


def order_key(stake: str = "value_at_risk") -> pl.Expr:
    """Ascending sort key: save_now before win_back before the rest, then by value at risk
    (`stake`: orders_at_risk on a shop without amounts, `churn.stake.stake_column`)."""
    code = pl.col("list").replace_strict({"save_now": 0, "win_back": 1}, default=2)
    return code.cast(pl.Float64) * LIST_STEP[stake] - pl.col(stake).fill_null(0.0)


def remark(
    alerts: pl.DataFrame,
    states: pl.DataFrame | None,
    last_order: pl.DataFrame,
    as_of: dt.date,
    settings: ChurnSettings,
    now: dt.datetime | None = None,
) -> pl.DataFrame:
    """The merchant's marks applied and the to-act list cut again: a contacted, snoozed or
    dismissed customer leaves it; the next one moves up a week after the mark."""
    marked = apply_states(
        alerts.drop("state", strict=False), states, last_order, as_of, settings.tz
    )
    key = order_key(stake_column(alerts))
    marked = cut(marked, pl.col("hidden"), settings, now).with_columns(key.alias("_order"))
    ids = marked["customer_id"]
    keys, descending = ["is_alert", "_order"], [True, False]
    if ids.null_count() == 0 and ids.is_sorted():  # already by id (the alerts as built): a
        # stable sort on the two keys leaves ties by id, without comparing 170,000 ids' text
        ordered = marked.sort(keys, descending=descending, maintain_order=True)
    else:
        ordered = marked.sort([*keys, "customer_id"], descending=[*descending, False])
    return ordered.select(list(dict.fromkeys([*alerts.columns, "state", "is_alert"])))
