"""A list of baskets: one basket per line, its products separated by commas, nothing else.

Market-basket data sets are published this way (arules' Groceries: `citrus fruit,semi-finished
bread,margarine,ready soups`): no header, no order number, no date, no buyer, no money. Such a
file is read only when named (`--format baskets`); auto-detection never takes a file for one, it
only says so when a header-less file of product names matches no export (`looks_like_baskets`).

Each non-empty line is one order, `basket:<line number>`; each field one product line (the name
trimmed: `cream cheese ` is `cream cheese`), quantity 1, no money, no customer. The canonical
line needs a date and the file has none, so every basket is dated at midnight (shop clock) of the
day the file was last modified, and the import says so: the baskets feed `shopinsight bundles`;
days, months, customers and revenue mean nothing for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from shopinsight.core.importers.base import BuildContext, Format
from shopinsight.core.importers.sniff import ROW, SNIFF_BYTES, Sniffed
from shopinsight.core.words import plural

BASKET = "basket"
"""The raw frame's one column: the line as written (shown in the rejects file)."""

NOTE = (
    "A basket list names no buyer and no money: its baskets are for `shopinsight bundles` "
    "(what is bought together); customers, churn and revenue need an order export."
)


def read_baskets(path: Path, sn: Sniffed) -> pl.DataFrame:
    """Every non-empty line of the file (there is no header) with its line number as `__row`
    (1 is the file's first line). A line of nothing but separators and blanks is empty."""
    text = path.read_bytes().decode(sn.encoding, errors="replace")
    lines = pl.Series(BASKET, text.splitlines(), dtype=pl.Utf8)
    frame = pl.DataFrame([pl.int_range(1, len(lines) + 1, eager=True).alias(ROW), lines])
    blank = (
        pl.col(BASKET)
        .str.replace_all(sn.delimiter, "", literal=True)
        .str.replace_all('"', "", literal=True)
    )
    return frame.filter(blank.str.strip_chars() != "")


def _field(delimiter: str) -> str:
    """A field of a basket line: quoted parts (`"cheese, cream"`, `""` a quote inside) and any
    other character but the delimiter; a quote never closed is a character like another."""
    d = re.escape(delimiter)
    return rf'(?:"(?:[^"]|"")*"|[^{d}"]|")+'


def _unquoted(field: pl.Expr) -> pl.Expr:
    """A trimmed field without its quotes, a doubled quote inside one quote (as in CSV)."""
    quoted = field.str.starts_with('"') & field.str.ends_with('"') & (field.str.len_chars() > 1)
    inner = field.str.slice(1, field.str.len_chars() - 2).str.replace_all('""', '"', literal=True)
    return pl.when(quoted).then(inner).otherwise(field.str.strip_chars('"')).str.strip_chars()


def _modified_day(ctx: BuildContext) -> tuple[dt.date, dt.datetime]:
    """The day the file was last modified on the shop's clock, and its midnight as a UTC time."""
    assert ctx.path is not None
    zone = ZoneInfo(ctx.timezone)
    day = dt.datetime.fromtimestamp(ctx.path.stat().st_mtime, zone).date()
    return day, dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)


def build(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """Basket lines → one product line per field, one order per line."""
    day, at = _modified_day(ctx)
    lines = (
        frame.select(
            ROW,
            pl.col(BASKET).str.extract_all(_field(ctx.delimiter)).alias("product_name"),
        )
        .explode("product_name")
        .with_columns(_unquoted(pl.col("product_name").str.strip_chars()))
        .filter(pl.col("product_name") != "")
    )
    n = frame.height
    ctx.warnings.append(
        f"The file has no dates: its {plural(n, 'basket')} {'is' if n == 1 else 'are'} dated "
        f"on the day the file was last modified, {day:%Y-%m-%d} (midnight, shop clock). Bundles "
        "do not depend on it; days, months and cohorts mean nothing for these baskets."
    )
    return lines.with_columns(
        pl.format("basket:{}", pl.col(ROW)).alias("order_id"),
        pl.lit(at, dtype=pl.Datetime("us", "UTC")).alias("ordered_at"),
        pl.col("product_name").str.to_lowercase().alias("sku"),
        pl.lit(1, dtype=pl.Int32).alias("quantity"),
        pl.lit("paid").alias("status"),
        pl.lit("product").alias("line_kind"),
        pl.lit(0.0).alias("refunded"),
        pl.lit(True).alias("fulfilled"),
        pl.lit(False).alias("is_gift"),
    )


_DIGIT = re.compile(r"\d")


def looks_like_baskets(path: Path, sn: Sniffed) -> bool:
    """Whether a file no export matched is a header-less list of baskets: its first line and
    the next ones are product names (no field a number, an id or a date), ragged (baskets
    differ in size), and names of the first lines come back in later ones. Only said in the
    unknown-layout error; never used to import a file as baskets."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return False
    text = head.decode(sn.encoding, errors="replace").splitlines()[sn.header_line : 200]
    if len(head) == SNIFF_BYTES:
        text = text[:-1]  # the last line may be cut
    rows = [[f.strip() for f in r] for r in csv.reader(text, delimiter=sn.delimiter)]
    rows = [r for r in rows if any(r)]
    fields = [f for r in rows for f in r if f]
    if len(rows) < 5 or not fields:
        return False
    numeric = sum(1 for f in fields if _DIGIT.search(f))
    sizes = {len(r) for r in rows}
    counts: dict[str, int] = {}
    for f in fields:
        counts[f.casefold()] = counts.get(f.casefold(), 0) + 1
    repeated = sum(1 for f in fields if counts[f.casefold()] > 1)
    return numeric <= len(fields) // 20 and len(sizes) > 1 and repeated >= len(fields) // 4


FORMATS = [
    Format(
        name="baskets",
        title="Basket list (one basket per line, no header)",
        description="A market-basket file such as arules' Groceries: each line one basket, its "
        "products comma-separated; no header, dates, buyers or money. Only read when named "
        "(--format baskets); dated on the file's modification day; for bundles.",
        signature=(),
        required=(),
        build=build,
        customer_note=NOTE,
        reader=read_baskets,
    )
]
