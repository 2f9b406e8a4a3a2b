"""What kind of shop the orders make, decided once for every face: exports without any amount
(member visits, baskets) and orders without any buyer identity (a till's baskets).

`shopinsight.core.status.shop_status` counts the orders and files `facts(...)` under `facts`
in its result; the CLI's `status` and the app's screens read it from there, so that none shows
zeros as if they were figures and all say why in the same sentence. No Polars here: the app
reads the words below when it starts. The sentences are kept with `status` in the workspace
cache: changing one means bumping `shop_cache.CACHE_VERSION`."""

from __future__ import annotations

from typing import Any

NO_CURRENCY = "unknown"
"""The code amounts of no named currency are filed under (by `status` and the analyses)."""

NO_AMOUNTS_WHY = "the imported exports carry no prices or totals"
"""Why a shop without amounts shows no revenue, as the end of a sentence."""


def facts(orders: int, with_amounts: int, without_buyer: int) -> dict[str, Any]:
    """The facts of a shop of `orders` orders, `with_amounts` of them carrying a price, a total
    or a refund and `without_buyer` of them naming no buyer.

    `no_amounts`: there are orders, and not one carries an amount: revenue is not 0, it is
    not known. `no_buyers`: there are orders, and not one names its buyer: there is no
    customer to follow. `texts`: the plain sentence of each fact that holds, by the fact's
    name (no_amounts first); empty when none does.
    """
    no_amounts = orders > 0 and with_amounts == 0
    no_buyers = orders > 0 and without_buyer >= orders
    texts: dict[str, str] = {}
    if no_amounts:  # an order of no one is no purchase (the buyers' sentence says why)
        then = "there is no revenue" if no_buyers else "orders count as purchases, without revenue"
        texts["no_amounts"] = f"{NO_AMOUNTS_WHY[0].upper()}{NO_AMOUNTS_WHY[1:]}: {then}."
    if no_buyers:
        which = "the only order has no" if orders == 1 else f"none of the {orders:,} orders has a"
        texts["no_buyers"] = (
            f"No customers: {which} buyer identity (no customer id or email in the exports), "
            "so there is no one to follow."
        )
    return {"no_amounts": no_amounts, "no_buyers": no_buyers, "texts": texts}


def no_amounts(status: dict[str, Any] | None) -> bool:
    """Whether `status["facts"]` (`facts` above, filed by `status.shop_status`) says the
    exports carry no amounts; False when they carry some, for no status or one that predates
    the facts."""
    return bool(((status or {}).get("facts") or {}).get("no_amounts"))


def no_amounts_text(status: dict[str, Any]) -> str | None:
    """The sentence of `status["facts"]` saying the exports carry no amounts; None when they
    carry some (`no_amounts`)."""
    if not no_amounts(status):
        return None
    text = (status["facts"].get("texts") or {}).get("no_amounts")
    return str(text) if text else f"{NO_AMOUNTS_WHY[0].upper()}{NO_AMOUNTS_WHY[1:]}."
