"""What a churn alert puts at stake, and how the list is ranked: money, or orders.

Alerts are ranked by value at risk (risk × what the customer would spend over the horizon). A
shop whose exports carry no prices or totals (a file of member visits, a log of buyer and date)
has no spend: every value would be 0 and the ranking meaningless. Its alerts carry
`orders_at_risk` instead (risk × `expected_orders`, the orders the customer would place over
the horizon at their usual pace) and are ranked by it; `value_at_risk` is then null (no money
is known, not none at stake).

The alerts table says which by itself: `orders_at_risk` is one of its columns only when the
ranking is by orders. Every view (the CLI, the TUI, the list's cut) asks `by_orders` and says
`ranking_note`, so they cannot disagree. Light on purpose (Polars alone): the CLI and the TUI
import it without the churn model.
"""

from __future__ import annotations

from typing import Any

import polars as pl

ORDERS_AT_RISK = "orders_at_risk"
"""Risk × expected orders over the horizon: the ranking of a shop without amounts."""

EXPECTED_ORDERS = "expected_orders"
"""Orders a customer would place over the horizon at their usual pace (one for a one-time
buyer, never more than they ever placed): what `orders_at_risk` multiplies the risk by."""

VALUE_AT_RISK = "value_at_risk"

ORDER_COLUMNS = [ORDERS_AT_RISK, EXPECTED_ORDERS]
"""The alerts' extra columns when ranked by orders."""


def by_orders(alerts: pl.DataFrame) -> bool:
    """Whether these alerts are ranked by orders at risk (the exports carry no amounts)."""
    return ORDERS_AT_RISK in alerts.columns


def stake_column(alerts: pl.DataFrame) -> str:
    """The column the alerts are ranked by: orders_at_risk or value_at_risk."""
    return ORDERS_AT_RISK if by_orders(alerts) else VALUE_AT_RISK


def stake_noun(alerts: pl.DataFrame) -> str:
    """What the backtest's top-10% capture is a share of: "lost orders" or "lost spend"."""
    return "lost orders" if by_orders(alerts) else "lost spend"


def ranking_note(alerts: pl.DataFrame, horizon_days: int) -> str | None:
    """The sentence every view shows above a list ranked by orders (None when by money)."""
    if not by_orders(alerts):
        return None
    return (
        "The exports carry no prices or totals: alerts are ranked by orders at risk (risk × "
        f"orders expected in {horizon_days} days at their usual pace), not by money."
    )


def with_stakes(rows: list[dict[str, Any]], alerts: pl.DataFrame) -> list[dict[str, Any]]:
    """`rows` (one JSON object per alert, in the order of `alerts`) with what is at stake as
    `churn --json` gives it: unchanged when ranked by money; when ranked by orders,
    orders_at_risk and expected_orders added and value_at_risk null (no money is known, not 0
    at stake). `cli.warm.alerts_json` applies it: every `churn --json` row passes there once."""
    if not by_orders(alerts):
        return rows
    stakes = alerts.select(ORDERS_AT_RISK, EXPECTED_ORDERS).iter_rows()
    for row, (at_risk, expected) in zip(rows, stakes, strict=True):
        row[VALUE_AT_RISK] = None
        row[ORDERS_AT_RISK] = None if at_risk is None else round(at_risk, 4)
        row[EXPECTED_ORDERS] = None if expected is None else round(expected, 4)
    return rows


def orders_text(value: float | None) -> str:
    """Orders at risk as every view writes them (two decimals: 0.64 of one expected order)."""
    return "—" if value is None else f"{value:,.2f}"
