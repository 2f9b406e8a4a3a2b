"""Product bundles: what sells together, as offers and as a next product per customer.

The public face the CLI, the TUI, gifts and churn import from. Shared settings, thresholds and
the product catalogue are in `bundles_basket`; the exact mining (equal to mlxtend's fpgrowth +
association_rules) in `bundles_mining`; offers and next products in `bundles_offers`.
"""

from shopinsight.core.bundles.basket import (
    DEFAULTS,
    bundle_settings,
    cap_thresholds,
    other_currency_orders,
    product_baskets,
    product_catalogue,
    product_lines,
    resolve_thresholds,
    roll_up_variants,
)
from shopinsight.core.bundles.mining import Itemsets, mine_itemsets
from shopinsight.core.bundles.offers import bundle_offers, next_products
from shopinsight.core.orders import main_currency

__all__ = [
    "DEFAULTS",
    "Itemsets",
    "bundle_offers",
    "bundle_settings",
    "cap_thresholds",
    "main_currency",
    "mine_itemsets",
    "next_products",
    "other_currency_orders",
    "product_baskets",
    "product_catalogue",
    "product_lines",
    "resolve_thresholds",
    "roll_up_variants",
]
