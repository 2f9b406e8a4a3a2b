"""Retention insights: cohorts, time between orders, what makes a repeat buyer, product journey.

Pure functions over the frames `Shop` hands out (`shop.orders()`, `shop.lines()`); the purchase
rule is the shop's one `counted` flag, money is `net_revenue` (returns netted out).
"""
