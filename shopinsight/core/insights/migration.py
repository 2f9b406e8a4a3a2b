"""Segment migration: where the customers of each segment on one day stood on a later day.

Each day's segments are the shop's own, cut as on that day (`Shop.open(ws, as_of=day)
.profiles()`), so a customer who stopped buying drifts from Champions to At Risk without anyone
touching a setting. Customers who first bought between the two days come from "(new)". The
matrix's rows add up to `segments --as-of FROM` and its columns to `segments --as-of TO`.
"""

from __future__ import annotations

import polars as pl

NEW = "(new)"
GONE = "(gone)"
"""A customer of the first day missing on the second (an exclusion added in between)."""


def migration_long(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """from_segment, to_segment, customers: one row per non-empty cell.

    `before` and `after` are customer tables with customer_id and segment (profiles().table
    on each day)."""
    a = before.select("customer_id", pl.col("segment").alias("from_segment"))
    b = after.select("customer_id", pl.col("segment").alias("to_segment"))
    return (
        a.join(b, on="customer_id", how="full", coalesce=True)
        .with_columns(
            pl.col("from_segment").fill_null(NEW),
            pl.col("to_segment").fill_null(GONE),
        )
        .group_by("from_segment", "to_segment")
        .agg(pl.len().alias("customers"))
        .sort("from_segment", "to_segment")
    )


def migration_matrix(long: pl.DataFrame, order: list[str] | None = None) -> pl.DataFrame:
    """The long cells as a matrix: `from_segment` then one column per segment on the second day;
    rows and columns follow `order` (the scheme's segment order), then "(new)" / "(gone)"."""
    order = order or sorted(set(long["from_segment"]) | set(long["to_segment"]))
    rows = [s for s in order if s in set(long["from_segment"])] + (
        [NEW] if NEW in set(long["from_segment"]) else []
    )
    cols = [s for s in order if s in set(long["to_segment"])] + (
        [GONE] if GONE in set(long["to_segment"]) else []
    )
    wide = long.pivot(on="to_segment", index="from_segment", values="customers")
    missing = [c for c in cols if c not in wide.columns]
    wide = wide.with_columns(pl.lit(0, pl.UInt32).alias(c) for c in missing)
    rank = {name: i for i, name in enumerate(rows)}
    return (
        wide.with_columns(pl.col(cols).fill_null(0))
        .sort(pl.col("from_segment").replace_strict(rank, default=len(rank)))
        .select("from_segment", *cols)
    )
