"""Time between orders: how long customers take to come back, and how many do.

A customer's purchases are their distinct days with a counted order (two orders on one day are
one visit). For each step (1st→2nd, 2nd→3rd, 3rd→4th): `customers` reached the earlier order,
`returned` made the next one, `median_days` is the median gap of those who returned, and
`within_days[d]` the share back within d days **among customers whose earlier order is at least
d days before the as-of day** — someone who first bought last week has not had 90 days to come
back, and counting them would make every recent shop look disloyal. The repeat-rate curve is the
same share for every day since the first order.
"""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from shopinsight.core.insights.timeline import FIXED_SUMS, period_index, period_label

STEPS = {1: "first_to_second", 2: "second_to_third", 3: "third_to_fourth"}
WITHIN = (30, 60, 90, 180, 365)
CURVE_DAYS = 730
"""The repeat-rate curve stops here (two years is all a merchant acts on)."""


def repeat_steps(visits_frame: pl.DataFrame, within: tuple[int, ...] = WITHIN) -> dict[str, Any]:
    """The `repeat --json` contract: {first_to_second: {customers, returned, median_days,
    within_days: {"30": share, ...}, eligible: {"30": customers, ...}}, ...}; a share is null
    when no customer has been around for that long."""
    aggs: list[pl.Expr] = [
        pl.len().alias("customers"),
        pl.col("next_gap").is_not_null().sum().alias("returned"),
        pl.col("next_gap").median().alias("median_days"),
    ]
    for d in within:
        seen = pl.col("tenure") >= d
        aggs.append(seen.sum().alias(f"eligible_{d}"))
        aggs.append(((pl.col("next_gap") <= d) & seen).sum().alias(f"back_{d}"))
    table = visits_frame.filter(pl.col("n") <= max(STEPS)).group_by("n").agg(aggs)
    by_step = {row["n"]: row for row in table.iter_rows(named=True)}
    out: dict[str, Any] = {}
    for n, name in STEPS.items():
        row = by_step.get(n)
        eligible = {str(d): int(row[f"eligible_{d}"]) if row else 0 for d in within}
        out[name] = {
            "customers": int(row["customers"]) if row else 0,
            "returned": int(row["returned"]) if row else 0,
            "median_days": row["median_days"] if row else None,
            "within_days": {
                str(d): (
                    round(row[f"back_{d}"] / eligible[str(d)], 4) if eligible[str(d)] else None
                )
                for d in within
            }
            if row
            else {str(d): None for d in within},
            "eligible": eligible,
        }
    return out


def gap_distribution(visits_frame: pl.DataFrame) -> pl.DataFrame:
    """step, next_gap: one row per observed gap (the distribution behind the medians)."""
    return visits_frame.filter(
        (pl.col("n") <= max(STEPS)) & pl.col("next_gap").is_not_null()
    ).select(pl.col("n").replace_strict(STEPS, return_dtype=pl.Utf8).alias("step"), "next_gap")


def repeat_curve(visits_frame: pl.DataFrame, horizon: int = CURVE_DAYS) -> pl.DataFrame:
    """day, customers, returned, share: of the customers whose first purchase is at least `day`
    days old, the share who made a second one within `day` days.

    Counted with cumulative histograms (no loop over customers): a customer with gap g and
    tenure t adds to the numerator of every day in [g, t], to the denominator of every day ≤ t.
    """
    first = visits_frame.filter(pl.col("n") == 1).select("next_gap", "tenure")
    top = min(horizon, int(cast("int | None", first.get_column("tenure").max()) or 0))
    days = pl.DataFrame({"day": pl.int_range(0, top + 1, eager=True, dtype=pl.Int64)})

    def hist(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
        counts = frame.group_by(pl.col(column).cast(pl.Int64).alias("day")).agg(
            pl.len().alias(name)
        )
        return days.join(counts, on="day", how="left", maintain_order="left").select(
            pl.col(name).fill_null(0).cum_sum()
        )

    came = first.filter(pl.col("next_gap").is_not_null())
    gaps = hist(came, "next_gap", "g")["g"]  # returned with gap ≤ day
    gone = hist(came, "tenure", "t")["t"]  # returned customers with tenure ≤ day
    aged = hist(first, "tenure", "a")["a"]  # all customers with tenure ≤ day
    total = first.height
    return days.with_columns(
        (total - aged.shift(1, fill_value=0)).alias("customers"),
        (gaps - gone.shift(1, fill_value=0)).alias("returned"),
    ).with_columns(
        pl.when(pl.col("customers") > 0)
        .then((pl.col("returned") / pl.col("customers")).round(4))
        .alias("share")
    )


def _no_minus_zero(x: pl.Expr) -> pl.Expr:
    """`x` with -0.0 as 0.0 (a rest of zero rounded up from just below it)."""
    return pl.when(x == 0.0).then(pl.lit(0.0)).otherwise(x)


def new_vs_returning(orders: pl.DataFrame, grid: pl.DataFrame) -> pl.DataFrame:
    """month ("YYYY-MM"), new, returning, other, new_customers, returning_customers.

    Read off the monthly cohort grid (`cohort_grid(orders, "month")`), so the two always agree:
    `new` is the period-0 revenue of the month's cohort, `returning` the revenue of the earlier
    cohorts in that month, their customers the cohort's size and the earlier cohorts' active
    customers. `other` is the rest of the month's net revenue: orders of no known buyer, of
    buyers with no purchase yet, and credit notes for goods bought before the data began."""
    month = (pl.col("cohort_index") + pl.col("k")).alias("m")
    split = (
        grid.lazy()
        .group_by(month)
        .agg(
            pl.col("revenue").filter(pl.col("k") == 0).sum().alias("new"),
            pl.col("revenue").filter(pl.col("k") > 0).sum().alias("returning"),
            pl.col("customers").filter(pl.col("k") == 0).sum().alias("new_customers"),
            pl.col("active").filter(pl.col("k") > 0).sum().alias("returning_customers"),
        )
    )
    totals = (
        orders.lazy()
        .group_by(period_index(pl.col("order_day"), "month").alias("m"))
        .agg(pl.col("net_revenue").sum().alias("total"))
    )
    return (
        totals.join(split, on="m", how="full", coalesce=True)
        .with_columns(pl.col("total", "new", "returning").fill_null(0.0))
        .with_columns(
            _no_minus_zero((pl.col("total") - pl.col("new") - pl.col("returning")).round(2)).alias(
                "other"
            ),
            pl.col("new", "returning").round(2),
            pl.col("new_customers", "returning_customers").fill_null(0),
            period_label(pl.col("m"), "month").alias("month"),
        )
        .sort("m")
        .select("month", "new", "returning", "other", "new_customers", "returning_customers")
        .collect(engine=FIXED_SUMS)
    )
