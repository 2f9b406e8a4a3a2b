"""What the merchant did with an alert (contacted, snoozed, dismissed), kept in state.sqlite.

States are keyed by customer id, so they survive re-imports. Each mark remembers the
customer's last order at the time; an order after that resets the state, so a customer who
comes back leaves the "dismissed" pile and starts fresh if they ever drift away again.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.orders import UTC, local_day, local_value, orders_frame, shop_tz
from shopinsight.core.schema import PolarsType
from shopinsight.core.workspace import Workspace

ALERT_STATES = ["new", "contacted", "snoozed", "dismissed"]

CONTACT_WAIT_DAYS = 30
"""A contacted customer leaves the to-act list for this long (unless a date is given)."""

STATE_SCHEMA: dict[str, PolarsType] = {
    "customer_id": pl.Utf8,
    "state": pl.Utf8,
    "until": pl.Date,
    "marked_at": pl.Datetime("us", "UTC"),
    "last_order_at": pl.Datetime("us", "UTC"),
}

_TABLE = """CREATE TABLE IF NOT EXISTS churn_alert_state (
    customer_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    until TEXT,
    marked_at TEXT NOT NULL,
    last_order_at TEXT
)"""


def load_alert_states(ws: Workspace) -> pl.DataFrame:
    """Every marked customer: customer_id, state, until, marked_at, last_order_at."""
    from shopinsight.core.state import read_rows

    rows = read_rows(
        ws, "SELECT customer_id, state, until, marked_at, last_order_at FROM churn_alert_state"
    )
    frame = pl.DataFrame(
        rows,
        schema={c: pl.Utf8 for c in STATE_SCHEMA},
        orient="row",
    )
    return frame.with_columns(
        pl.col("until").str.to_date(strict=False),
        pl.col("marked_at")
        .str.to_datetime(time_zone="UTC", strict=False)
        .cast(STATE_SCHEMA["marked_at"]),
        pl.col("last_order_at")
        .str.to_datetime(time_zone="UTC", strict=False)
        .cast(STATE_SCHEMA["last_order_at"]),
    )


def find_customer_id(lines: pl.LazyFrame, customer: str) -> tuple[str, dt.datetime | None]:
    """The stored customer id for what the merchant typed (core.customer_lookup: the id, an
    email, the id in their export, a name), and the time of their last counted order (null
    when none counts)."""
    from shopinsight.core.customer_lookup import find_customer_key

    found = find_customer_key(
        lines,
        customer,
        "Use a customer id as shown by `shopinsight churn` (for example an email).",
    )
    last = (
        orders_frame(lines.filter(pl.col("customer_id") == found))
        .select(pl.col("ordered_at").filter("counted").max())
        .collect()
        .item()
    )
    return found, last


def mark_alert(
    ws: Workspace,
    customer_id: str,
    state: str,
    until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, object]:
    """Record what the merchant did with a customer's alert; returns the stored row.

    `state` is contacted (off the list until `until`, default CONTACT_WAIT_DAYS from now),
    snoozed (needs `until`), dismissed, or new (clears the mark).
    """
    if state not in ALERT_STATES:
        raise InputError(
            f"Unknown alert state '{state}'", f"Use one of: {', '.join(ALERT_STATES[1:])}."
        )
    if state == "snoozed" and until is None:
        raise InputError("Snooze until when?", "Give a date: --until YYYY-MM-DD.")
    now = now or dt.datetime.now(dt.UTC)
    if state == "contacted" and until is None:  # the shop's today, not UTC's
        # 21:00 on 3 March in New York is 3 March there, though 4 March in UTC
        today = local_value(now, shop_tz(ws.config())).date()
        until = today + dt.timedelta(days=CONTACT_WAIT_DAYS)
    if state not in ("snoozed", "contacted"):
        until = None
    found, last = find_customer_id(ws.lines(), customer_id)
    row: dict[str, object] = {
        "customer_id": found,
        "state": state,
        "until": until.isoformat() if until else None,
        "marked_at": now.isoformat(),
        "last_order_at": last.isoformat() if last else None,
    }
    with ws.db() as conn:
        conn.execute(_TABLE)
        if state == "new":
            conn.execute("DELETE FROM churn_alert_state WHERE customer_id = ?", (found,))
        else:
            conn.execute(
                "INSERT OR REPLACE INTO churn_alert_state VALUES "
                "(:customer_id, :state, :until, :marked_at, :last_order_at)",
                row,
            )
    return row


def apply_states(
    alerts: pl.DataFrame,
    states: pl.DataFrame | None,
    last_order: pl.DataFrame,
    as_of: dt.date,
    tz: str = UTC,
) -> pl.DataFrame:
    """Add `state`, `hidden` (dismissed, or snoozed or contacted until on/after as_of) and
    `marked_at` (when the state in force was set).

    `last_order` holds customer_id, last_order_at (the latest order as of the analysis day):
    an order after the mark resets the state to new; so does a snooze that has run out. A
    contact mark without a day ends CONTACT_WAIT_DAYS after the shop's day it was made (`tz`).
    """
    if states is None or states.height == 0:
        return alerts.with_columns(
            pl.lit("new").alias("state"),
            pl.lit(False).alias("hidden"),
            pl.lit(None, STATE_SCHEMA["marked_at"]).alias("marked_at"),
        )
    st = states.select(
        "customer_id",
        pl.col("state").alias("_state"),
        pl.col("until").cast(pl.Date).alias("_until"),
        pl.col("last_order_at").cast(STATE_SCHEMA["last_order_at"]).alias("_marked_last"),
        pl.col("marked_at").cast(STATE_SCHEMA["marked_at"]).alias("_marked_at"),
        (
            local_day(pl.col("marked_at").cast(STATE_SCHEMA["marked_at"]), tz)
            + pl.duration(days=CONTACT_WAIT_DAYS)
        ).alias("_wait"),
    )
    out = alerts.join(last_order, on="customer_id", how="left").join(
        st, on="customer_id", how="left"
    )
    ordered_since = pl.col("last_order_at") > pl.col("_marked_last")
    snooze_over = (pl.col("_state") == "snoozed") & (pl.col("_until") < pl.lit(as_of))
    waiting = pl.coalesce("_until", "_wait").fill_null(as_of) >= pl.lit(as_of)
    state = (
        pl.when(pl.col("_state").is_null() | ordered_since.fill_null(False) | snooze_over)
        .then(pl.lit("new"))
        .otherwise(pl.col("_state"))
    )
    return (
        out.with_columns(state.alias("state"))
        .with_columns(
            (
                (pl.col("state") == "dismissed")
                | (pl.col("state").is_in(["snoozed", "contacted"]) & waiting)
            ).alias("hidden"),
            pl.when(pl.col("state") != "new").then(pl.col("_marked_at")).alias("marked_at"),
        )
        .drop("_state", "_until", "_marked_last", "_marked_at", "_wait", "last_order_at")
    )
