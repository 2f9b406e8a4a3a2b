"""The retention insights as `Shop` hands them out: computed once per view, cached in the workspace.

Same scheme as `core.results`: each loader runs the pure analysis on the `Shop`'s orders and
lines (as of the day, one currency, exclusions out) and caches its frames per version of data +
settings + exclusions, so the CLI and the app show the same numbers from one computation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop


@dataclass
class CohortsResult:
    """The cohort grid (one row per cohort and period offset) and what it was cut by;
    `partial`: the as-of period when the data stops before its end (`cohorts.partial_period`,
    its note among the notes), None when it is complete."""

    grid: pl.DataFrame
    by: str
    currency: str | None
    as_of: dt.date
    notes: list[str] = field(default_factory=list)
    partial: dict[str, Any] | None = None

    def rows(self) -> pl.DataFrame:
        """One row per cohort with lists (active, revenue, share), as the heatmap reads it, and
        partial_k: the offset of the cell in the partial as-of period (null when none)."""
        from shopinsight.core.insights.cohorts import cohort_rows

        return cohort_rows(self.grid, self.partial["index"] if self.partial else None)

    def to_json(self) -> list[dict[str, Any]]:
        from shopinsight.core.insights.cohorts import cohorts_json

        return cohorts_json(self.grid)


@dataclass
class RepeatResult:
    """Time between purchases: the three steps, the repeat-rate curve, the gaps behind the
    medians and new vs returning revenue per month."""

    steps: dict[str, Any]
    curve: pl.DataFrame
    gaps: pl.DataFrame
    by_month: pl.DataFrame
    currency: str | None
    as_of: dt.date
    notes: list[str] = field(default_factory=list)
    partial: dict[str, Any] | None = None
    """The last month of `by_month` when the data stops short of its end
    (`cohorts.partial_period`, its note among the notes); None when it is complete."""

    def to_json(self, curve_days: tuple[int, ...] = (7, 14, 30, 60, 90, 180, 365)) -> dict:
        points = self.curve.filter(pl.col("day").is_in(list(curve_days)))
        return {
            **self.steps,
            "curve": points.select("day", "customers", "returned", "share").to_dicts(),
            "new_vs_returning": self.by_month.to_dicts(),
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
        }


@dataclass
class DriversResult:
    """First-order groups with their repeat share (Wilson interval) and mean value."""

    table: pl.DataFrame
    meta: dict[str, Any]
    currency: str | None
    as_of: dt.date
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.meta,
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
            "groups": self.table.to_dicts(),
        }


def _names(shop: Shop, what: str) -> tuple[str, str]:
    family = f"{what}-{shop.key()}"
    return f"{family}-{shop.state_key('exclusions')}", family


def _timeline(shop: Shop) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The view's purchase timeline (`visits`, `buyer_orders`), in memory once per `Shop`: every
    insight starts from it."""
    from shopinsight.core.insights.timeline import buyer_orders, visits

    def compute() -> tuple[pl.DataFrame, pl.DataFrame]:
        orders = shop.orders()
        seen = visits(orders, shop.as_of())
        return seen, buyer_orders(orders, seen)

    return shop.memo("insights:timeline", compute)


def load_cohorts(shop: Shop, by: str = "month") -> CohortsResult:
    """core.insights.cohorts over the view's orders, cached; a last period the data stops
    short of is said (`cohorts.partial_period`: the data ends on the as-of day or the last
    order's day, whichever is first)."""
    from shopinsight.core.insights.cohorts import check_period, partial_period

    by = check_period(by)
    shop.require_orders()
    name, family = _names(shop, f"cohorts-{by}")
    parts = shop.cache.parts(name, ["grid"], lambda: {"grid": _grid(shop, by), "meta": {}}, family)
    as_of = shop.as_of()
    partial = partial_period(as_of, by, shop.last_order_day())
    notes = [*shop.left_out(), *([partial["note"]] if partial else [])]
    return CohortsResult(parts["grid"], by, shop.currency(), as_of, notes, partial)


def _grid(shop: Shop, by: str) -> pl.DataFrame:
    from shopinsight.core.insights.cohorts import cohort_grid

    def compute() -> pl.DataFrame:
        seen, buyers = _timeline(shop)
        return cohort_grid(shop.orders(), by, shop.as_of(), seen, buyers)  # type: ignore[arg-type]

    return shop.memo(f"insights:grid:{by}", compute)


def load_repeat(shop: Shop) -> RepeatResult:
    """core.insights.repeat over the view's purchase timeline, cached; a last month the data
    stops short of is said, as for the cohorts."""
    from shopinsight.core.insights.cohorts import partial_period
    from shopinsight.core.insights.repeat import (
        gap_distribution,
        new_vs_returning,
        repeat_curve,
        repeat_steps,
    )

    shop.require_orders()
    name, family = _names(shop, "repeat")

    def compute() -> dict[str, Any]:
        seen, _ = _timeline(shop)
        return {
            "curve": repeat_curve(seen),
            "gaps": gap_distribution(seen),
            "by_month": new_vs_returning(shop.orders(), _grid(shop, "month")),
            "meta": repeat_steps(seen),
        }

    parts = shop.cache.parts(name, ["curve", "gaps", "by_month"], compute, family)
    as_of = shop.as_of()
    partial = partial_period(as_of, "month", shop.last_order_day())
    notes = shop.left_out()
    if partial:
        notes = [
            *notes,
            f"{partial['said']}: its new and returning revenue and customers are "
            "not a full month's, so they cannot be compared with the others yet.",
        ]
    return RepeatResult(
        parts["meta"], parts["curve"], parts["gaps"], parts["by_month"], shop.currency(),
        as_of, notes, partial,
    )  # fmt: skip


def load_drivers(shop: Shop, by: str = "product") -> DriversResult:
    """core.insights.drivers over the view's first orders, cached; the compared customers are
    worked out once for every `by`."""
    from shopinsight.core.insights.drivers import check_driver, first_order_facts, repeat_drivers

    by = check_driver(by)
    shop.require_orders()
    name, family = _names(shop, f"drivers-{by}")

    def compute() -> dict[str, Any]:
        def facts() -> tuple[pl.DataFrame, dict[str, Any]]:
            seen, buyers = _timeline(shop)
            return first_order_facts(shop.orders(), shop.as_of(), seen, buyers)

        shared = shop.memo("insights:facts", facts)
        table, meta = repeat_drivers(shop.orders(), shop.lines(), shop.as_of(), by, shared)
        return {"table": table, "meta": meta}

    parts = shop.cache.parts(name, ["table"], compute, family)
    return DriversResult(
        parts["table"], parts["meta"], shop.currency(), shop.as_of(), shop.left_out()
    )


def load_journey(shop: Shop) -> pl.DataFrame:
    """core.insights.journey (first product → product of the second purchase), cached."""
    from shopinsight.core.insights.journey import product_journey

    shop.require_orders()
    name, family = _names(shop, "journey")

    def compute() -> pl.DataFrame:
        seen, buyers = _timeline(shop)
        return product_journey(shop.orders(), shop.lines(), seen, buyers)

    return shop.cache.frame(name, compute, family)


@dataclass
class MigrationResult:
    """Customers by segment on one day (rows) and a later day (columns)."""

    cells: pl.DataFrame
    matrix: pl.DataFrame
    from_day: dt.date
    to_day: dt.date
    currency: str | None
    from_sizes: dict[str, int]
    to_sizes: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_day.isoformat(),
            "to": self.to_day.isoformat(),
            "currency": self.currency,
            "from_segments": self.from_sizes,
            "to_segments": self.to_sizes,
            "cells": self.cells.to_dicts(),
        }


def load_migration(shop: Shop, from_day: str | dt.date) -> MigrationResult:
    """Segments on `from_day` against the segments of `shop` (its as-of day), both in the
    shop's currency; each side is that day's own `profiles()` (cached like any other)."""
    from shopinsight.core.errors import InputError
    from shopinsight.core.insights.migration import migration_long, migration_matrix
    from shopinsight.core.orders import parse_as_of
    from shopinsight.core.shop import Shop as ShopClass

    shop.require_orders()
    start = parse_as_of(from_day, "--from")
    if start is None or start >= shop.as_of():
        raise InputError(
            "Bad --from day",
            f"--from {from_day} must be before --to {shop.as_of()} (the later day).",
        )
    new = shop.profiles()
    first = shop.first_day()
    if first is None or start < first:  # before the shop's first order: everyone is new
        old_table = new.table.clear().select("customer_id", "segment")
        old_order: list[str] = []
    else:
        old = ShopClass(shop.ws, start, shop.currency()).profiles()
        old_table, old_order = old.table, old.sizes["segment"].to_list()
    cells = migration_long(old_table, new.table)
    order = list(dict.fromkeys([*new.sizes["segment"], *old_order]))

    def sizes(table: pl.DataFrame) -> dict[str, int]:
        counts = dict(table.group_by("segment").len().iter_rows())
        return {name: int(counts[name]) for name in order if name in counts}

    return MigrationResult(
        cells, migration_matrix(cells, order), start, shop.as_of(), shop.currency(),
        sizes(old_table), sizes(new.table), shop.left_out(),
    )  # fmt: skip
