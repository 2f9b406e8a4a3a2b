"""Value parsing shared by every importer: text clean-up, money, dates, booleans.

Everything is read as text first (ids, ZIP codes and `'`-prefixed values break type inference),
then cleaned and cast here with vectorised expressions. A value that cannot be parsed becomes
null; `problem()` turns "raw present but parsed null" into a reject reason for that row.
"""

from __future__ import annotations

import polars as pl

DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%b-%d-%y",
    "%b-%d-%Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%b %d, %Y",
    "%b %d, %Y %H:%M:%S",
    "%a, %d %b %Y %H:%M:%S %z",
]
"""Tried in order; US month-first before day-first where both could match."""


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim, unwrap `="…"` (Taobao/Excel) and one leading `'` (Shopify, WooCommerce); empty,
    `--` (eBay) and `""` become null."""
    return expr.map_batches(_clean, return_dtype=pl.Utf8)


def _clean(values: pl.Series) -> pl.Series:
    s = values.cast(pl.Utf8)
    if s.null_count() == s.len():
        return s
    s = s.str.strip_chars()
    # The rare wrappers cost a regex pass only in files that have them.
    if s.str.starts_with('="').any():
        s = s.str.replace(r'^="(.*)"$', "$1")
    if s.str.starts_with("'").any():
        s = s.str.strip_prefix("'").str.strip_chars()
    empty = s.is_in(["", "--", '""', "N/A", "n/a"])
    return s.set(empty, None) if empty.any() else s


def _series_op(func, dtype: pl.DataType):  # noqa: ANN001, ANN202
    """Run a column expression once per batch: keeps query plans small however often reused."""

    def run(values: pl.Series) -> pl.Series:
        frame = pl.DataFrame({"v": _clean(values)})
        return frame.select(func(pl.col("v")).cast(dtype)).to_series()

    return run


def money(expr: pl.Expr) -> pl.Expr:
    """Parse an amount: currency symbols/codes, thousands separators, decimal commas,
    `(12.00)` negatives. `EUR 90,00` → 90.0; `AU $3,000.00` → 3000.0; `1 234,50 €` → 1234.5."""
    return expr.map_batches(_series_op(_money, pl.Float64), return_dtype=pl.Float64)


def _money(s: pl.Expr) -> pl.Expr:
    plain = s.cast(pl.Float64, strict=False)
    return pl.when(plain.is_not_null() | s.is_null()).then(plain).otherwise(_money_text(s))


def _money_text(s: pl.Expr) -> pl.Expr:
    negative = s.str.contains(r"^\(.*\)$") | s.str.contains(r"^-|-$|^[^\d]*-")
    digits = s.str.replace_all(r"[^\d.,]", "")
    has_dot = digits.str.contains(r"\.", literal=False)
    has_comma = digits.str.contains(",", literal=True)
    last_dot = digits.str.find(r"\.[^.]*$")
    last_comma = digits.str.find(r",[^,]*$")
    comma_decimal = (has_comma & has_dot & (last_comma > last_dot)) | (
        has_comma & ~has_dot & digits.str.contains(r"^\d+,\d{1,2}$")
    )
    normal = (
        pl.when(comma_decimal)
        .then(digits.str.replace_all(r"\.", "").str.replace(",", ".", literal=True))
        .otherwise(digits.str.replace_all(",", "", literal=True))
    )
    value = normal.cast(pl.Float64, strict=False)
    return pl.when(negative).then(-value.abs()).otherwise(value)


def integer(expr: pl.Expr) -> pl.Expr:
    """Parse a count (`3`, `3.0`, `1,200`)."""
    return money(expr).round(0).cast(pl.Int32, strict=False)


def boolean(expr: pl.Expr) -> pl.Expr:
    """yes/no, true/false, 1/0, y/n (any case) → Boolean; anything else null."""
    return expr.map_batches(_series_op(_boolean, pl.Boolean), return_dtype=pl.Boolean)


def _boolean(s: pl.Expr) -> pl.Expr:
    s = s.str.to_lowercase()
    return (
        pl.when(s.is_in(["yes", "true", "1", "y", "subscribed", "是"]))
        .then(True)
        .when(s.is_in(["no", "false", "0", "n", "unsubscribed", "否", "never subscribed"]))
        .then(False)
        .otherwise(None)
    )


def sniff_date_formats(values: pl.Series, formats: list[str] | None = None) -> list[str]:
    """The formats needed to parse a sample of a date column, most useful first.

    Trying every format on a million rows is slow; a sample tells which few are in use
    (a file can mix them, e.g. Etsy's `07/16/22` and `07/16/2022`).
    """
    formats = formats or DATE_FORMATS
    sample = values.drop_nulls().unique().head(2000).cast(pl.Utf8).str.strip_chars()
    remaining = pl.DataFrame({"v": sample})
    chosen: list[str] = []
    while remaining.height and len(chosen) < 6:
        candidates = [f for f in formats if f not in chosen]
        hits = remaining.select(
            _plausible(pl.col("v").str.strptime(pl.Datetime("us", "UTC"), f, strict=False))
            .is_not_null()
            .alias(f)
            for f in candidates
        )
        counts = hits.sum().row(0)
        best_hits = max(counts) if counts else 0
        if best_hits == 0:
            break
        best = candidates[counts.index(best_hits)]
        chosen.append(best)
        remaining = remaining.filter(~hits[best])
    return chosen or formats[:1]


def datetime_utc(expr: pl.Expr, formats: list[str], assume_tz: str = "UTC") -> pl.Expr:
    """Parse with the given formats (first match wins) into Datetime(us, UTC).

    Values with an offset are converted to UTC; naive values are taken in `assume_tz`.
    """
    utc = pl.Datetime("us", "UTC")

    def parse(s: pl.Expr) -> pl.Expr:
        parts = []
        for fmt in formats:
            if "%z" in fmt or fmt.endswith("Z"):
                parts.append(s.str.strptime(utc, fmt, strict=False))
            else:
                naive = s.str.strptime(pl.Datetime("us"), fmt, strict=False)
                parts.append(
                    naive.dt.replace_time_zone(
                        assume_tz, ambiguous="earliest", non_existent="null"
                    ).dt.convert_time_zone("UTC")
                )
        return pl.coalesce([_plausible(p) for p in parts])

    return expr.map_batches(_series_op(parse, utc), return_dtype=utc)


def _plausible(parsed: pl.Expr) -> pl.Expr:
    """A two-digit year read by a four-digit format gives year 22: not an order date."""
    year = parsed.dt.year()
    return pl.when((year >= 1990) & (year <= 2100)).then(parsed).otherwise(None)


def problem(bad: pl.Expr, reason: pl.Expr | str) -> pl.Expr:
    """A reject reason where `bad` is true, else null (combine several with `reasons`)."""
    r = pl.lit(reason) if isinstance(reason, str) else reason
    return pl.when(bad).then(r).otherwise(None)


def unparsed(raw: pl.Expr, parsed: pl.Expr, what: str, column: str) -> pl.Expr:
    """Reason for a value that is present but could not be parsed."""
    return problem(
        clean(raw).is_not_null() & parsed.is_null(),
        pl.format("bad {} '{}' in column '{}'", pl.lit(what), clean(raw), pl.lit(column)),
    )


def unparsed_clean(cleaned: pl.Expr, parsed: pl.Expr, what: str, column: str) -> pl.Expr:
    """`unparsed` for a column that was already cleaned (cheaper on big files)."""
    return problem(
        cleaned.is_not_null() & parsed.is_null(),
        pl.format("bad {} '{}' in column '{}'", pl.lit(what), cleaned, pl.lit(column)),
    )


def reasons(*parts: pl.Expr) -> pl.Expr:
    """Join the non-null reasons of a row with '; ' (null when the row is fine)."""
    joined = pl.concat_str(list(parts), separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)
