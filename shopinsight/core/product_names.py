"""A product's name as a person says it: what notes, tag reasons and churn actions print.

Marketplace listing titles carry search keywords after " | " (Etsy: "Match Cylinder | candles,
gift for her"); a letter, a tag's reason or an alert names the product, not the keywords.
"""

from __future__ import annotations

import polars as pl

__all__ = ["spoken_name"]


def spoken_name(expr: pl.Expr) -> pl.Expr:
    """A product name without a listing title's search keywords after " | "; a title that is
    only keywords is kept whole."""
    head = expr.str.split(" | ").list.first().str.strip_chars()
    return pl.when(head.str.len_chars() > 0).then(head).otherwise(expr)
