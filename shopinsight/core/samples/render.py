"""Rendering helpers for the sample writers: money and dates as each export writes them, and
CSV text with each platform's quoting, built column-wise with Polars expressions.

Polars' own CSV writer quotes only where needed; real exports differ (eBay quotes everything,
Etsy and WooCommerce quote like PHP's fputcsv — any field with a space —, Amazon never quotes,
Shopify writes some empty fields as `""`), so rows are rendered as text here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.core.samples import data as D

if TYPE_CHECKING:
    from shopinsight.core.samples.shop import SampleShop


def money2(expr: pl.Expr) -> pl.Expr:
    """12.5 → "12.50" (two decimals, no symbol, as Shopify and most exports write money)."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    c = cents.abs()
    return pl.concat_str(
        sign, (c // 100).cast(pl.Utf8), pl.lit("."), (c % 100).cast(pl.Utf8).str.zfill(2)
    )


def money_loose(expr: pl.Expr) -> pl.Expr:
    """12.5 → "12.5", 3.0 → "3" (Etsy's item money is not fixed-precision)."""
    return money2(expr).str.replace(r"\.?0+$", "")


def dollars(expr: pl.Expr) -> pl.Expr:
    """1234.5 → "$1,234.50" (eBay; amounts below a million)."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    whole = cents // 100
    grouped = (
        pl.when(whole >= 1000)
        .then(
            pl.concat_str(
                (whole // 1000).cast(pl.Utf8),
                pl.lit(","),
                (whole % 1000).cast(pl.Utf8).str.zfill(3),
            )
        )
        .otherwise(whole.cast(pl.Utf8))
    )
    return pl.concat_str(
        pl.lit("$"), grouped, pl.lit("."), (cents % 100).cast(pl.Utf8).str.zfill(2)
    )


def local_time(expr: pl.Expr, tz: str = D.STORE_TZ) -> pl.Expr:
    """A naive wall time in `tz` → the same instant with its zone (DST gaps move one hour on)."""

    def at(x: pl.Expr) -> pl.Expr:
        return x.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")

    return pl.coalesce(at(expr), at(expr + pl.duration(hours=1)))


def shop_time(expr: pl.Expr) -> pl.Expr:
    """Shopify's `2026-11-18 14:03:22 -0500`: store time with its UTC offset (DST-aware)."""
    return local_time(expr).dt.strftime("%Y-%m-%d %H:%M:%S %z")


def join_text(*parts: pl.Expr | str, sep: str = " ") -> pl.Expr:
    """The non-empty parts joined by `sep` (no dangling separator where a part is null)."""
    exprs = [pl.col(p) if isinstance(p, str) else p for p in parts]
    return pl.concat_str(exprs, separator=sep, ignore_nulls=True)


def text(expr: pl.Expr | str) -> pl.Expr:
    e = pl.col(expr) if isinstance(expr, str) else expr
    return e.cast(pl.Utf8).fill_null("")


def _field(expr: pl.Expr, mode: str, sep: str) -> pl.Expr:
    s = text(expr)
    quoted = pl.concat_str(pl.lit('"'), s.str.replace_all('"', '""', literal=True), pl.lit('"'))
    if mode == "all":
        return quoted
    if mode == "none":
        return s
    special = {"minimal": "", "php": " \t"}[mode]
    return pl.when(s.str.contains(f'[{re.escape(sep + special)}"\r\n]')).then(quoted).otherwise(s)


def render_csv(
    frame: pl.DataFrame,
    sep: str = ",",
    quote: str = "minimal",
    newline: str = "\n",
    empty_quoted: dict[str, pl.Expr] | None = None,
    header: bool = True,
    raw: tuple[str, ...] = (),
) -> str:
    """The frame as CSV text; `quote` is minimal, php (fputcsv), all or none.

    `empty_quoted` maps a column to a condition under which its empty value is written `""`
    (Shopify writes some empty order fields that way on an order's first row). `raw` columns
    are written as they are, never quoted (Taobao's `="…"` ids).
    """
    empty_quoted = empty_quoted or {}
    fields = []
    for name in frame.columns:
        f = _field(pl.col(name), "none" if name in raw else quote, sep)
        if name in empty_quoted:
            blank = text(name) == ""
            f = pl.when(blank & empty_quoted[name]).then(pl.lit('""')).otherwise(f)
        fields.append(f)
    rows = frame.select(pl.concat_str(fields, separator=sep).alias("row"))["row"]
    head = sep.join(_quote_name(n, quote, sep) for n in frame.columns)
    body = newline.join(rows.to_list())
    return (head + newline if header else "") + body + (newline if body else "")


def _quote_name(name: str, mode: str, sep: str) -> str:
    special = {"all": "", "none": "", "minimal": "", "php": " \t"}[mode]
    needs = re.search(f'[{re.escape(sep + special)}"\r\n]', name) is not None
    if mode == "all" or (mode != "none" and needs):
        return '"' + name.replace('"', '""') + '"'
    return name


def write_text(path: Path, content: str, encoding: str = "utf-8") -> Path:
    """Write the rendered file in the export's own encoding."""
    path.write_bytes(content.encode(encoding))
    return path


def joined(shop: SampleShop, market: str) -> pl.DataFrame:
    """Lines of one marketplace's orders with their order and customer fields, file order."""
    orders = shop.orders.filter(pl.col("marketplace") == market)
    people = shop.customers.drop("marketplace", "persona")
    return (
        shop.lines.join(orders, on="order_key", how="inner")
        .join(people, on="customer_key", how="left")
        .sort("order_key", "line_no")
        .with_columns((pl.col("line_no") == 1).alias("first"))
    )
