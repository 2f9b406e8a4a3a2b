"""The customer table as the Customers screen shows it: names, the value column, the filters,
and the view the app's warm-up prepares so a first visit only mounts the grid."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shopinsight.tui.widgets.frame_table import Col, Prepared, prepare

COLS = [
    Col("display_name", "Customer", width=10),
    Col("monetary", "Spent", "money"),
    Col("expected_value", "Value", "money"),
    Col("segment", "Segment", width=13),
    Col("orders", "Orders", "int", optional=True),
    Col("recency_days", "Days ago", "int", optional=True),
    Col("tags", "Tags", "list", width=10, optional=True),  # whole in the detail panel
]
NO_AMOUNTS_COLS = [c for c in COLS if c.name not in ("monetary", "expected_value")]
"""The columns of a shop whose exports have no amounts: no column of blanks for spend and
value, room for the orders and days since the last one."""


def filter_customers(
    table: pl.DataFrame, text: str = "", segment: str | None = None, tag: str | None = None
) -> pl.DataFrame:
    """The customers matching every filter (case-insensitive literal text search)."""
    cond = pl.lit(True)
    if segment:
        cond &= pl.col("segment") == segment
    if tag:
        cond &= pl.col("tags").list.contains(tag)
    needle = text.strip().lower()
    if needle:
        hay = pl.concat_str(
            [
                pl.col(c).fill_null("")
                for c in ("customer_id", "email", "customer_name", "favorite_product", "country")
            ],
            separator=" ",
        ).str.to_lowercase()
        cond &= hay.str.contains(needle, literal=True)
    return table.filter(cond)


def with_display_name(table: pl.DataFrame) -> pl.DataFrame:
    """Name, else email, else the shop's own id without the source prefix ("14646", not
    "generic:14646": at 80 columns the prefix was all that showed, alike on every row)."""
    own_id = pl.col("customer_id").str.replace(r"^[a-z0-9_]+:", "")
    return table.with_columns(pl.coalesce("customer_name", "email", own_id).alias("display_name"))


def display_name(customer_id: str, name: str | None = None, email: str | None = None) -> str:
    """One customer's name as `with_display_name` gives it (for a row already in hand)."""
    return name or email or re.sub(r"^[a-z0-9_]+:", "", customer_id)


def names_with_ids(orders: pl.DataFrame, keys: list[str]) -> dict[str, str]:
    """Name and id of these customers ("Katie Mitchell (etsy:katiemitc80)", as the dialogs say
    them), from their orders' latest name and email: customers excluded from every analysis
    are in no table, whoever excluded them (this app, the command line, an earlier session)."""
    named = with_display_name(
        orders.filter(pl.col("customer_id").is_in(keys))
        .group_by("customer_id", maintain_order=True)
        .agg(pl.col("customer_name", "email").drop_nulls().last())
    )
    return {
        cid: f"{name} ({cid})" if name and name != cid else cid
        for cid, name in named.select("customer_id", "display_name").iter_rows()
    }


def with_value(table: pl.DataFrame, value: pl.DataFrame | None) -> pl.DataFrame:
    """The customers with their expected value over the horizon (empty until it is ready)."""
    table = table.drop("expected_value", strict=False)
    if value is None:
        return table.with_columns(pl.lit(None, pl.Float64).alias("expected_value"))
    return table.join(
        value.select("customer_id", pl.col("expected_value").cast(pl.Float64)),
        on="customer_id",
        how="left",
        maintain_order="left",  # the rows stay in the table's order (ties of a sort keep it)
    )


DEFAULT_SORT = ("monetary", True)
"""Biggest spenders first: the order the table opens in."""
NO_AMOUNTS_SORT = ("orders", True)
"""Most orders first: the order a shop whose exports have no amounts opens in."""


@dataclass(frozen=True)
class CustomerView:
    """The customer table as the screen shows it (names, the value column), its rows made
    ready for the grid unfiltered in the default order, and the filters' choices."""

    table: pl.DataFrame
    ready: Prepared
    segments: list[str]
    tags: list[str]
    cols: list[Col] = field(default_factory=lambda: COLS)


def customer_view(shop: Any, profiles: Any, value: Any) -> CustomerView:
    """The view of these profiles and value prediction, built once (in the Shop's memo, so
    the warm-up builds it and a first visit only mounts the grid)."""

    def build() -> tuple[Any, Any, CustomerView]:
        from shopinsight.core.customers.segments import no_amounts

        table = with_value(
            with_display_name(profiles.table), value.table if value is not None else None
        )
        segments = profiles.sizes.filter(pl.col("customers") > 0)["segment"].to_list()
        tags = profiles.tags["tag"].unique().sort().to_list()
        sort, cols = DEFAULT_SORT, COLS
        if no_amounts(profiles.table):  # no customer has any spend: no amounts in the exports
            # a column of 0.00 sorted on is no order at all: none, and most orders first
            table = table.with_columns(pl.lit(None, pl.Float64).alias("monetary"))
            sort, cols = NO_AMOUNTS_SORT, NO_AMOUNTS_COLS
        ready = prepare(table, cols, *sort)
        return profiles, value, CustomerView(table, ready, segments, tags, cols)

    # the entry holds what it was built from, so the ids in the key cannot be reused meanwhile
    return shop.memo(f"customers-view:{id(profiles)}:{id(value)}", build)[2]


def ready_view(shop: Any) -> tuple[Any, Any, CustomerView] | None:
    """`(profiles, value, view)` as `customer_view` left them in the Shop's memo for the
    profiles and value prediction computed now; None when any of them is not ready."""
    profiles = shop.peek("profiles")  # Shop.profiles()'s memo key
    if profiles is None:
        return None
    value = shop.peek("value:")  # Shop.value()'s memo key
    return shop.peek(f"customers-view:{id(profiles)}:{id(value)}")  # type: ignore[no-any-return]


def warm_up(shop: Any) -> None:
    """The customer table as the screen opens it, then the month-end customer tables behind
    the detail panel's segment history (each read from the workspace cache, or computed
    once): the app's warm-up, so a first visit only mounts the grid and the first customer
    highlighted shows their history and orders at once; then that customer's detail."""
    if shop.has_orders():
        view = customer_view(shop, shop.profiles(), shop.peek("value:"))
        shop.customer_orders("")  # every order's few columns the detail lists, read once
        shop.segment_history("")
        first = view.ready.frame["customer_id"]
        if first.len():  # the detail the table opens on, rendered: no worker on a first visit
            from shopinsight.tui.detail import warm_first_detail

            warm_first_detail(shop, first[0])
