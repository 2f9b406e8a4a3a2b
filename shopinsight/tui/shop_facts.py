"""What kind of shop the exports make, read from `status` (the Overview's figures), so that every
screen can say why a panel is empty instead of showing zeros as if they were figures: exports
without any amount (member visits, baskets) and orders without any buyer identity."""

from __future__ import annotations

from typing import Any

NO_CURRENCY = "unknown"
"""The code `status` and the analyses file amounts of no named currency under."""

NO_AMOUNTS = "no amounts"
NO_AMOUNTS_WHY = "the imported exports carry no prices or totals."
NO_AMOUNTS_TEXT = (
    "The imported exports carry no prices or totals: orders count as purchases, without revenue."
)


def no_amounts(status: dict[str, Any]) -> bool:
    """Orders, but not one with money: no revenue, no refunds, no cancelled order's total."""
    if not status.get("orders"):
        return False
    money = [
        *(status.get("gross_revenue") or {}).values(),
        *(status.get("net_revenue") or {}).values(),
        *(status.get("returns") or {}).values(),
        *(status.get("cancelled_value") or {}).values(),
    ]
    return not any(money)


def no_buyers(status: dict[str, Any]) -> bool:
    """Orders, none of them with a buyer identity (e.g. a till's baskets)."""
    orders = int(status.get("orders") or 0)
    return bool(orders) and int(status.get("orders_without_buyer") or 0) >= orders


def no_buyers_text(status: dict[str, Any]) -> str:
    """Why there are no customers, for a panel that would list them."""
    n = int(status.get("orders") or 0)
    which = "the only order has no" if n == 1 else f"none of the {n:,} orders has a"
    return (
        f"No customers: {which} buyer identity (no customer id or email in the exports), "
        "so there is no one to follow. Bundles (5) work from the baskets alone."
    )


def currency_label(currency: str | None) -> str:
    """A currency as a title names it: its code, or 'no currency'."""
    if not currency or currency == NO_CURRENCY:
        return "no currency"
    return currency


NO_MATCH = "No customers match."


def no_customers_text(status: dict[str, Any] | None) -> str:
    """Why a shop has no customer at all (not a filter's doing), from `status` if known."""
    if status is not None and not status.get("lines") and not status.get("orders"):
        return "No orders yet: press i to import an export."
    if status is not None and no_buyers(status):
        return no_buyers_text(status)
    return (
        "No customers yet: a customer is a buyer with a purchase (paid, not cancelled or "
        "returned, money kept), and no order is one."
    )
