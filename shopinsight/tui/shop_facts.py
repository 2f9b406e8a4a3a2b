"""What the screens say about the kind of shop the exports make, in the app's words.

The facts themselves (exports without any amount, orders without any buyer identity) and the
sentences that explain them are decided once, in the core (`shopinsight.core.shop_facts`, filed
under `facts` in `status`); the CLI's `status` says the same. Here they are only read, and
given the app's keys where a sentence points somewhere."""

from __future__ import annotations

from typing import Any

from shopinsight.core.shop_facts import NO_AMOUNTS_WHY as _WHY
from shopinsight.core.shop_facts import NO_CURRENCY, no_amounts

__all__ = ["NO_CURRENCY", "no_amounts"]

NO_AMOUNTS = "no amounts"
"""What the revenue figure of a shop without amounts reads."""

NO_AMOUNTS_WHY = _WHY + "."
"""The end of a sentence saying why a panel of money is empty."""


def _facts(status: dict[str, Any] | None) -> dict[str, Any]:
    """The core's facts of `status` (none for a workspace without orders)."""
    return (status or {}).get("facts") or {}


def no_buyers(status: dict[str, Any] | None) -> bool:
    """Orders, none of them with a buyer identity (e.g. a till's baskets)."""
    return bool(_facts(status).get("no_buyers"))


def no_amounts_text(status: dict[str, Any] | None) -> str:
    """Why there is no revenue: the core's sentence ("" when the shop has amounts)."""
    return str(_facts(status).get("texts", {}).get("no_amounts") or "")


def no_buyers_text(status: dict[str, Any] | None) -> str:
    """Why there are no customers, for a panel that would list them: the core's sentence,
    and where the app can still help."""
    said = _facts(status).get("texts", {}).get("no_buyers")
    return f"{said} Bundles (5) work from the baskets alone." if said else ""


def currency_label(currency: str | None) -> str:
    """A currency as a title names it: its code, or 'no currency'."""
    if not currency or currency == NO_CURRENCY:
        return "no currency"
    return currency


NO_MATCH = "No customers match."

UNPRICED_PURCHASE = f"{_WHY}, so an order counts without an amount"
"""Why an order of a shop without amounts is a purchase though it keeps no money (as the core's
`results.customers_definition` says it)."""


def purchase_rule(status: dict[str, Any] | None) -> str:
    """What makes an order a purchase, in brackets after "a purchase": "money kept" only where
    the exports carry money (a shop without amounts keeps none: its orders count all the same)."""
    if no_amounts(status):
        return f"paid, not cancelled or returned; {UNPRICED_PURCHASE}"
    return "paid, not cancelled or returned, money kept"


def no_customers_text(status: dict[str, Any] | None) -> str:
    """Why a shop has no customer at all (not a filter's doing), from `status` if known."""
    if status is not None and not status.get("lines") and not status.get("orders"):
        return "No orders yet: press i to import an export."
    if no_buyers(status):
        return no_buyers_text(status)
    return (
        f"No customers yet: a customer is a buyer with a purchase ({purchase_rule(status)}), "
        "and no order is one."
    )
