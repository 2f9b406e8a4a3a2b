"""Per-customer churn features at a cutoff day, built only from what was known on that day.

The churn model and the cadence rule both read these features. A purchase is a customer-day
with at least one counted order (several orders on one day count once, as in BTYD summaries),
so one busy afternoon does not look like a loyal customer.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from shopinsight.core.churn.history import History, prepare_history

__all__ = [
    "BTYD_FEATURES", "CATEGORICAL", "FEATURES", "History", "customer_features", "labels",
    "prepare_history",
]  # fmt: skip

FEATURES = [
    "recency", "frequency", "tenure", "monetary", "aov", "last_spend", "gap_mean", "gap_median",
    "gap_std", "gap_last", "gap_max", "overdue", "overdue_mean", "n30", "n90", "n180", "n365",
    "spend90", "spend365", "spend_trend", "gap_trend", "rate", "last_year_window", "products",
    "items_per_order", "lines_per_order", "unit_price", "discount_share", "gift_share", "refunds",
    "refund_share", "last_refunded", "home_country", "country_code", "channel_code",
]  # fmt: skip
"""Model inputs, all numeric; null means "not defined for this customer" (gaps of one-timers)."""

CATEGORICAL = ["country_code", "channel_code"]
"""Features the model treats as categories, not numbers."""


def customer_features(history: History, cutoff: dt.date, horizon: int) -> pl.DataFrame:
    """One row per customer with a purchase on or before `cutoff`: FEATURES plus first/last day.

    Only purchases and refunds up to the end of `cutoff` are read, so the same function builds
    training rows for past cutoffs and scoring rows for today without leaking the future.
    """
    key = ("features", cutoff, horizon)
    if key not in history.cache:
        history.cache[key] = _features(history, cutoff, horizon)
    return history.cache[key]


def _ratio(recent: pl.Expr, earlier_sum: pl.Expr, recent_n: int) -> pl.Expr:
    """Recent average spend over the average of the earlier orders, minus one (-0.4 = 40% down)."""
    earlier = earlier_sum / (pl.col("frequency") - recent_n)
    return pl.when(earlier > 0).then(recent / earlier - 1)


def _days_before(cutoff: dt.date, n: int) -> dt.date:
    return cutoff - dt.timedelta(days=n)


def _features(history: History, cutoff: dt.date, horizon: int) -> pl.DataFrame:
    c = pl.lit(cutoff)
    since = {n: pl.col("day") > _days_before(cutoff, n) for n in (30, 90, 180, 365)}
    ly_start, ly_end = _days_before(cutoff, 365), _days_before(cutoff, 365 - horizon)
    base = (
        history.days.lazy()
        .filter(pl.col("day") <= cutoff)
        .group_by("cidx", maintain_order=True)  # each customer's rows are a run: no hashing
        .agg(
            pl.col("customer_id").first(),
            pl.len().alias("frequency"),
            pl.col("day").first().alias("first_day"),  # by day within the run
            pl.col("day").last().alias("last_day"),
            pl.col("spend").sum().alias("monetary"),
            pl.col("spend").mean().alias("aov"),
            pl.col("spend").last().alias("last_spend"),
            pl.col("gap").mean().alias("gap_mean"),
            pl.col("gap").median().alias("gap_median"),
            pl.col("gap").std().alias("gap_std"),
            pl.col("gap").last().alias("gap_last"),
            pl.col("gap").max().alias("gap_max"),
            pl.col("gap").slice(0, pl.len() - 1).median().alias("gap_median_before_last"),
            *(since[n].sum().alias(f"n{n}") for n in (30, 90, 180, 365)),
            pl.col("spend").filter(since[90]).sum().alias("spend90"),
            pl.col("spend").filter(since[365]).sum().alias("spend365"),
            pl.col("spend").tail(3).sum().alias("_last3"),
            ((pl.col("day") > ly_start) & (pl.col("day") <= ly_end)).sum()
            .alias("last_year_window"),
            pl.col("items").sum().alias("_items"),
            pl.col("n_lines").sum().alias("_lines"),
            pl.col("price_sum").sum().alias("_price_sum"),
            pl.col("discount").sum().alias("discounted"),
            pl.col("gift").mean().alias("gift_share"),
        )
    )  # fmt: skip
    known = history.events.lazy().filter(pl.col("day") <= cutoff)
    # the last order was a problem when the last problem is as late as it: no per-customer
    # arg-max over every order, and the kind is read from the few problem orders only
    kinds = (
        known.filter("problem")
        .group_by("cidx", "ordered_at")
        .agg(pl.col("problem_kind").first().cast(pl.Utf8).alias("last_problem_kind"))
    )
    events = (
        known.group_by("cidx")
        .agg(
            pl.col("problem").sum().alias("refunds"),
            (pl.col("refunded").sum() / pl.col("gross").sum().clip(1e-9, None)).alias(
                "refund_share"
            ),
            pl.col("ordered_at").max().alias("_last_at"),
            pl.col("ordered_at").filter("counted").max().alias("last_counted_at"),
            pl.col("ordered_at").filter("problem").max().alias("_problem_at"),
            pl.col("returned_value").sum().alias("returned_spend"),
        )
        .with_columns(
            (pl.col("_problem_at") == pl.col("_last_at")).fill_null(False).alias("_last_bad")
        )
        .join(
            kinds, left_on=["cidx", "_problem_at"], right_on=["cidx", "ordered_at"], how="left"
        )  # fmt: skip
        .with_columns(
            pl.col("_last_bad").cast(pl.Int8).alias("last_refunded"),
            pl.when("_last_bad").then(pl.col("last_problem_kind")).alias("last_problem_kind"),
        )
        .select(
            "cidx",
            "last_counted_at",
            "refunds",
            "refund_share",
            "last_refunded",
            "last_problem_kind",
            "returned_spend",
        )  # fmt: skip
    )
    products = (
        history.first_sku.lazy()
        .filter(pl.col("day") <= cutoff)
        .group_by("cidx")
        .agg(pl.col("new_skus").sum().alias("products"))
    )
    out = (
        base.join(events, on="cidx", how="left")
        .join(products, on="cidx", how="left")
        .join(history.customers.lazy().drop("customer_id"), on="cidx", how="left")
        .with_columns(
            (c - pl.col("last_day")).dt.total_days().alias("recency"),
            (c - pl.col("first_day")).dt.total_days().alias("tenure"),
            pl.col("products").fill_null(0),
            (pl.col("_items") / pl.col("frequency")).alias("items_per_order"),
            (pl.col("_lines") / pl.col("frequency")).alias("lines_per_order"),
            (pl.col("_price_sum") / pl.col("_lines")).alias("unit_price"),
            (pl.col("discounted") / pl.col("frequency")).alias("discount_share"),
            pl.when(pl.col("frequency") >= 4)
            .then(_ratio(pl.col("_last3") / 3, (pl.col("monetary") - pl.col("_last3")), 3))
            .when(pl.col("frequency") >= 2)
            .then(_ratio(pl.col("last_spend"), pl.col("monetary") - pl.col("last_spend"), 1))
            .alias("spend_trend"),
            (pl.col("gap_last") / pl.col("gap_median_before_last")).alias("gap_trend"),
        )
        .with_columns(
            (pl.col("recency") / pl.col("gap_median").clip(1, None)).alias("overdue"),
            # share of the spend kept after return documents: what a lost customer costs
            (1 - pl.col("returned_spend").fill_null(0.0) / pl.col("monetary").clip(1e-9, None))
            .clip(0.0, 1.0)
            .alias("kept_share"),
            (pl.col("recency") / pl.col("gap_mean").clip(1, None)).alias("overdue_mean"),
            ((pl.col("frequency") - 1) / (pl.col("tenure") + 1) * horizon).alias("rate"),
        )
    )
    table = history.in_text_order(out.collect())
    return _with_btyd(history, cutoff, horizon, table)


BTYD_FEATURES = ["p_alive", "btyd_orders", "btyd_risk"]
"""From the BG/NBD fit at the same cutoff (null when the shop is too small to fit it)."""


def _btyd(history: History, cutoff: dt.date, horizon: int, table: pl.DataFrame) -> pl.DataFrame:
    """P(alive), expected purchases and P(no purchase) within the horizon per customer."""
    from shopinsight.core.churn.value import btyd_scores, seed_summary  # value builds on this

    seed_summary(history, cutoff, table)
    scores, _ = btyd_scores(history, cutoff, horizon)
    return scores.rename({"expected_orders": "btyd_orders"})


def _with_btyd(
    history: History, cutoff: dt.date, horizon: int, table: pl.DataFrame
) -> pl.DataFrame:
    """`table` with the BTYD_FEATURES: side by side when the scores are in the table's order (the
    summary is the table's own), joined otherwise."""
    scores = _btyd(history, cutoff, horizon, table)
    if scores["customer_id"].equals(table["customer_id"]):
        return table.hstack(scores.drop("customer_id"))
    return table.join(scores, on="customer_id", how="left")


def labels(history: History, cutoff: dt.date, horizon: int) -> pl.DataFrame:
    """customer_id, returned: 1 for customers with a purchase in (cutoff, cutoff + horizon]."""
    end = cutoff + dt.timedelta(days=horizon)
    return (
        history.days.filter((pl.col("day") > cutoff) & (pl.col("day") <= end))
        .select("customer_id")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias("returned"))
    )
