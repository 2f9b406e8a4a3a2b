"""A customer's segment at each of the last month-ends: how they got where they are.

Each month-end's segments are that day's own (`Shop(ws, as_of=day).profiles()`, cached per
as-of), so the history is what the merchant would have seen on those days, not a replay of
today's rules on a shorter window. Consecutive equal segments collapse to the first month.
"""

from __future__ import annotations

import datetime as dt

import polars as pl


def month_ends(first: dt.date, as_of: dt.date, months: int = 6) -> list[dt.date]:
    """The last `months` month-ends on or after `first` and before `as_of` (oldest first)."""
    ends: list[dt.date] = []
    day = as_of.replace(day=1) - dt.timedelta(days=1)  # the end of the month before as_of
    while len(ends) < months and day >= first:
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def segment_history(per_day: dict[dt.date, pl.DataFrame], customer_id: str) -> pl.DataFrame:
    """day, segment: the customer's segment on each day of `per_day` (customer tables with
    customer_id and segment, e.g. profiles().table), days before their first order left out and
    consecutive repeats collapsed to the day the segment began."""
    if not per_day:
        return pl.DataFrame(schema={"day": pl.Date, "segment": pl.Utf8})
    rows = pl.concat(
        [
            t.lazy()
            .filter(pl.col("customer_id") == customer_id)
            .select(pl.lit(day, pl.Date).alias("day"), pl.col("segment").cast(pl.Utf8))
            for day, t in per_day.items()
        ]
    )
    return (
        rows.sort("day")
        .filter(pl.col("segment") != pl.col("segment").shift(1).fill_null(""))
        .collect()
    )
