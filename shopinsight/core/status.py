"""The shop at a glance: what `shopinsight status` and the overview screen show.

Money is the books' figure, per currency (never summed across currencies), for every order
including excluded ones: `gross_revenue` is what was sold (orders neither cancelled nor return
documents), `returns` what went back (refunds plus credit notes, as a positive amount),
`net_revenue` = gross - returns (the sum of every order's net revenue, see `schema`). Orders
not paid for yet (pending and not shipped, `orders.unpaid_expr`) are no sale: counted apart in
`unpaid_orders` / `unpaid_value`, as cancelled orders are.
Customer and purchase counts leave out excluded orders (test, staff, wholesale, outliers, by
hand), which are counted apart in `excluded_orders`.
Days and months are the shop's (`[shop] timezone`): the as-of day, revenue by month, and the
first and last order times (given on the shop's clock).
`facts` says what kind of shop the orders make (`core.shop_facts`: no amounts at all, no
buyer identity at all) with the sentence that explains each, so no face shows zeros as figures.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING, Any

import polars as pl

from shopinsight.core.exclusions import customer_tags, flag_exclusions, load_manual
from shopinsight.core.orders import (
    day_of,
    lines_as_of,
    local_month,
    local_value,
    one_chunk,
    open_order,
    order_rows,
    parse_as_of,
    shop_tz,
    sold_status,
    stale_open_order,
    unpaid_expr,
)
from shopinsight.core.shop_facts import NO_CURRENCY, facts
from shopinsight.core.workspace import Workspace

if TYPE_CHECKING:
    from shopinsight.core.shop import Shop

_VIEW_COLUMNS = [
    "customer_id", "ordered_at", "order_day", "currency", "status", "net_revenue", "counted",
]  # fmt: skip
"""The columns of the view's orders `shop_status` reads."""
_ORDER_COLUMNS = [
    "source", "store", "customer_id", "ordered_at", "currency", "status", "order_total",
    "refunded", "net_revenue", "fulfilled", "excluded",
]  # fmt: skip
"""The columns of the flagged orders `shop_status` reads."""


def shop_status(shop: Workspace | Shop, as_of: str | dt.date | None = None) -> dict[str, Any]:
    """Counts, date range, revenue (gross, returns, net) per currency, stores, exclusions,
    repeat rate, AOV, monthly revenue, imports.

    From a `Shop`: its day, its flagged orders, and customer counts in its currency. From a
    bare `Workspace`: the given day, exclusions flagged here, customers in every currency.
    """
    if isinstance(shop, Workspace):
        ws = shop
        tz = shop_tz(ws.config())
        day = parse_as_of(as_of)
        lines = ws.lines() if day is None else lines_as_of(ws.lines(), day, tz)
        orders = flagged_orders(ws, lines, tz)
        view = orders.select(*_VIEW_COLUMNS, "excluded").filter(~pl.col("excluded"))
    else:
        ws, day, lines, tz = shop.ws, shop.as_of(), shop.all_lines(), shop.tz()
        # the view's orders: only the columns read below (`Shop.orders` copies every column
        # of every order when the view leaves some out: ~1 GB at 5M lines)
        orders, view = shop.all_orders(), shop.view_order_columns(_VIEW_COLUMNS)
    # An export that did not say its currency: the Shop's currency (its analyses take such
    # lines to be in it, e.g. from `shop.currency`), else "unknown" — one rule for both faces.
    missing = (shop.currency() if not isinstance(shop, Workspace) else None) or NO_CURRENCY
    # the columns read below: a group-by on the frame of every column copied them all
    # (~0.9 GB and 3 s at 5M lines, for revenue's three sums per currency)
    orders = orders.select(c for c in _ORDER_COLUMNS if c in orders.columns)
    orders = orders.with_columns(pl.col("currency").fill_null(missing))
    view = view.with_columns(pl.col("currency").fill_null(missing))
    counted = view.filter(pl.col("counted"))
    customers, repeat = _customers(counted)
    money = revenue(orders)
    last = orders["ordered_at"].max() if orders.height else None
    open_day = day or day_of(last, tz)
    # counts, not filters: a filter copies every column of the rows it keeps
    open_orders = _count(orders, open_order(open_day, tz))
    stale_open = _count(orders, stale_open_order(open_day, tz))
    # by the shop's month's first instant, named once per month: a text per order to group
    # on cost 4×
    monthly = (
        counted.lazy()
        .group_by(local_month(pl.col("ordered_at"), tz).alias("month"), "currency")
        .agg(pl.col("net_revenue").sum().round(2).alias("revenue"))
        .sort("month", "currency")
        .with_columns(pl.col("month").dt.strftime("%Y-%m"))
        .collect()
    )
    first = orders["ordered_at"].min() if orders.height else None
    no_buyer = _count(orders, pl.col("customer_id").is_null())
    # orders with any amount: a shop with none has no revenue to show, not a revenue of 0
    priced = pl.any_horizontal(pl.col("order_total", "refunded", "net_revenue").fill_null(0) != 0)
    return {
        "workspace": str(ws.root),
        "as_of": open_day,
        "lines": lines.select(pl.len()).collect().item(),
        "orders": orders.height,
        "counted_orders": counted.height,
        "customers": customers,
        "repeat_customers": repeat,
        "repeat_rate": round(repeat / customers, 4) if customers else 0.0,
        "aov": {
            r["currency"]: round(r["aov"], 2)
            for r in view.filter(_SOLD_ORDER)
            .group_by("currency")
            .agg(pl.col("net_revenue").mean().alias("aov"))
            .sort("currency")
            .iter_rows(named=True)
        },
        "open_orders": open_orders,
        "stale_open_orders": stale_open,
        "orders_without_buyer": no_buyer,
        "first_order": local_value(first, tz),
        "last_order": local_value(last, tz),
        "sources": sorted(orders["source"].unique().to_list()) if orders.height else [],
        "stores": stores(orders),
        "gross_revenue": money["gross_revenue"],
        "returns": money["returns"],
        "net_revenue": money["net_revenue"],
        "returned_orders": _count(orders, pl.col("status") == "returned"),
        **cancelled_orders(orders),
        "excluded_orders": int(orders["excluded"].sum()) if orders.height else 0,
        "revenue_by_month": monthly.to_dicts(),
        "imports": ws.ledger(),
        "facts": facts(orders.height, _count(orders, priced), no_buyer),
    }


_SOLD_ORDER = (pl.col("net_revenue") > 0) & sold_status()
"""An order the average order value is over: money kept, not a return document; with or
without a known buyer (revenue counts the orders of unknown buyers, so their average does)."""


def _customers(counted: pl.DataFrame) -> tuple[int, int]:
    """Customers with a counted order, and those of them with counted orders on two days or
    more.

    Grouped on the id's 64-bit hash, as the customer table's key is (`shop_data`): the
    same people, counted the same way, for a third of the cost of grouping the texts. Two
    order days or more: the first and the last differ (or one is missing and one is not)."""
    day = pl.col("order_day")
    repeat = (day.min() != day.max()) | (day.is_null().any() & day.is_not_null().any())
    return (
        counted.lazy()
        .group_by(pl.col("customer_id").hash())
        .agg(repeat.fill_null(False).alias("repeat"))
        .select(pl.len(), pl.col("repeat").sum())
        .collect()
        .row(0)
    )


def _count(orders: pl.DataFrame, rule: pl.Expr) -> int:
    """How many orders the rule holds for (null: not)."""
    return int(orders.select(rule.fill_null(False).sum()).item()) if orders.height else 0


def revenue(orders: pl.DataFrame) -> dict[str, dict[str, float]]:
    """gross_revenue, returns and net_revenue, each {currency: amount}, largest net first.

    gross: order totals of orders that sold (not cancelled, not a return document, not unpaid);
    returns: refunds of those orders plus the money of return documents (positive); net: gross
    minus returns, which is the sum of every order's net revenue.
    """
    sold = sold_status() & ~unpaid_expr()
    kept = (pl.col("status") != "cancelled") & ~unpaid_expr()
    total, refunded = pl.col("order_total").fill_null(0.0), pl.col("refunded").fill_null(0.0)
    table = (
        orders.group_by("currency")
        .agg(
            total.filter(sold).sum().alias("gross"),
            (
                refunded.filter(kept).sum() - total.filter(pl.col("status") == "returned").sum()
            ).alias("returns"),
            pl.col("net_revenue").filter(kept).sum().alias("net"),
        )
        .sort(["net", "currency"], descending=[True, False])
    )
    out: dict[str, dict[str, float]] = {"gross_revenue": {}, "returns": {}, "net_revenue": {}}
    for row in table.iter_rows(named=True):
        out["gross_revenue"][row["currency"]] = round(row["gross"], 2)
        out["returns"][row["currency"]] = round(row["returns"], 2)
        out["net_revenue"][row["currency"]] = round(row["net"], 2)
    return out


def cancelled_orders(orders: pl.DataFrame) -> dict[str, Any]:
    """`cancelled_orders` and `cancelled_value` ({currency: their order totals}), and the same
    for orders not paid for yet (`unpaid_orders`, `unpaid_value`): what gross and net revenue
    leave out, so a hand sum of an export's totals can be matched (a Shopify order cancelled
    without a refund still shows its `Total`; an unpaid Tmall order its 总金额)."""
    cancelled, value = _left_out(orders, pl.col("status") == "cancelled")
    unpaid, owed = _left_out(orders, unpaid_expr())
    return {
        "cancelled_orders": cancelled,
        "cancelled_value": value,
        "unpaid_orders": unpaid,
        "unpaid_value": owed,
    }


def _left_out(orders: pl.DataFrame, rule: pl.Expr) -> tuple[int, dict[str, float]]:
    """How many orders `rule` picks, and their order totals per currency (non-zero ones)."""
    picked = orders.filter(rule)
    value = (
        picked.group_by("currency")
        .agg(pl.col("order_total").fill_null(0.0).sum().round(2).alias("value"))
        .filter(pl.col("value") != 0)
        .sort("currency")
    )
    return picked.height, dict(value.iter_rows())


def stores(orders: pl.DataFrame) -> list[dict[str, Any]]:
    """One entry per store: source, store ("" when no store was named) and its orders."""
    if orders.height == 0:
        return []
    store = pl.col("store").fill_null("") if "store" in orders.columns else pl.lit("")
    return (
        orders.group_by("source", store.alias("store"))
        .agg(pl.len().alias("orders"))
        .sort("source", "store")
        .to_dicts()
    )


_FLAG_INPUTS = ["source", "store", "order_id", "customer_id", "email", "currency", "status",
                "net_revenue"]  # fmt: skip
"""The order columns `flag_exclusions` reads."""


def flagged_orders(ws: Workspace, lines: pl.LazyFrame, tz: str | None = None) -> pl.DataFrame:
    """Every order of these lines with `excluded` / `excluded_reason` (settings' rules, the
    customers export's tags and the merchant's own exclusions and tag overrides); `order_day`
    on the shop's clock (`tz`, default the settings' `[shop] timezone`).

    The rules see only the columns they read, and their two columns are set beside the
    orders: each of their joins copied every column of every order (~1 GB at 5M lines)."""
    config = ws.config()
    orders = order_rows(lines, shop_tz(config) if tz is None else tz)
    attrs = ws.customer_attrs().collect()
    tags = customer_tags(attrs, _overrides(ws))
    flags = flag_exclusions(orders.select(_FLAG_INPUTS), config, load_manual(ws), tags)
    columns = [*orders.get_columns(), *flags.select("excluded", "excluded_reason").get_columns()]
    del orders, flags
    return one_chunk(columns)  # each later filter or group-by would copy them all else


def _overrides(ws: Workspace) -> pl.DataFrame | None:
    """The merchant's tag overrides, if any were made (read without creating anything)."""
    if not ws.state_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{ws.state_path}?mode=ro", uri=True, timeout=10)
        try:
            rows = conn.execute("SELECT customer_id, tag, action FROM tag_overrides").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    schema = {"customer_id": pl.Utf8, "tag": pl.Utf8, "action": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row")
