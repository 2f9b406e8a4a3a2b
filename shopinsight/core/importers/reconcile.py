"""Merging parsed lines into what the workspace already holds.

Same line key (source, order_id, line_no) → the newer export's row wins (a refund since the last
export updates the order). An order known only from an order-level export (Etsy SoldOrders,
Taobao 订单报表) is superseded by its line items when those arrive, in either order, keeping the
richer order-level fields of the order export.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shopinsight.core.schema import (
    CUSTOMER_ATTR_SCHEMA,
    LINE_KEY,
    LINE_SCHEMA,
    ORDER_LEVEL,
    conform,
)


@dataclass(frozen=True)
class MergeResult:
    """What merging one file's lines changed."""

    new_lines: int
    duplicates: int
    updated: int


def merge_into(base: pl.DataFrame | None, new: pl.DataFrame) -> tuple[pl.DataFrame, MergeResult]:
    """`base` with `new` merged in by line key; counts of new, identical and changed lines."""
    new = conform(new, LINE_SCHEMA).collect().unique(LINE_KEY, keep="last", maintain_order=True)
    if base is None or base.height == 0:
        return new, MergeResult(new.height, 0, 0)
    matched = new.join(base, on=LINE_KEY, how="semi")
    unchanged = matched.join(base, on=list(LINE_SCHEMA), how="semi", nulls_equal=True).height
    merged = pl.concat([base.join(new, on=LINE_KEY, how="anti"), new], how="vertical_relaxed")
    return merged, MergeResult(new.height - matched.height, unchanged, matched.height - unchanged)


def supersede_order_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Drop order-level-only lines of orders that have item lines, moving their fields over."""
    is_order = pl.col("line_kind") == "order"
    order_lines = lines.filter(is_order)
    if order_lines.height == 0:
        return _sorted(lines)
    keys = ["source", "order_id"]
    items = lines.filter(~is_order)
    covered = order_lines.join(items.select(keys).unique(), on=keys, how="semi")
    if covered.height == 0:
        return _sorted(lines)
    fields = [c for c in ORDER_LEVEL if c not in ("customer_id", "is_gift")]
    moved = [*fields, "customer_id", "is_gift"]
    enriched = items.join(
        covered.select(keys + moved).rename({c: f"__o_{c}" for c in moved}), on=keys, how="left"
    ).with_columns(
        *(pl.coalesce(pl.col(f"__o_{c}"), pl.col(c)).alias(c) for c in fields),
        # the items' buyer key stays; items without one (Taobao 宝贝报表) take the order's
        pl.coalesce(pl.col("customer_id"), pl.col("__o_customer_id")).alias("customer_id"),
        # a gift signal in either export makes a gift (Etsy: gift wrap is only in the items)
        (pl.col("is_gift").fill_null(False) | pl.col("__o_is_gift").fill_null(False)).alias(
            "is_gift"
        ),
    )
    enriched = enriched.select(list(LINE_SCHEMA))
    kept_orders = order_lines.join(covered.select(keys), on=keys, how="anti")
    return _sorted(pl.concat([enriched, kept_orders], how="vertical_relaxed"))


def _sorted(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.sort("ordered_at", "source", "order_id", "line_no", nulls_last=True)


def merge_customers(base: pl.DataFrame | None, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Customer attributes: the latest export's row per customer wins."""
    frames = ([base] if base is not None and base.height else []) + parts
    merged = pl.concat([conform(f, CUSTOMER_ATTR_SCHEMA).collect() for f in frames])
    return merged.unique("customer_id", keep="last", maintain_order=True)
