"""Value parsing shared by every importer: text clean-up, money, dates, booleans.

Everything is read as text first (ids, ZIP codes and `'`-prefixed values break type inference),
then cleaned and cast here with vectorised expressions. A value that cannot be parsed becomes
null; `problem()` turns "raw present but parsed null" into a reject reason for that row.

Speed on big files: amounts, flags and dates are first parsed straight from the raw text (a
plain cast, one `strptime`); only the rows that fail are cleaned and go through the general
rules (`values_fallback`), so a clean million-line export never runs a regex per value. The
`*_series` functions work on Series (no Python callbacks from Polars' thread pool, safe to run
in threads); the expression forms wrap them for `select`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from shopinsight.core.errors import ConfigError
from shopinsight.core.schema import PolarsType

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
    # Later additions, after every format above so that a file those read is read as before:
    "%Y-%m-%d %H:%M:%S%#z",  # PostgreSQL: 2024-03-01 12:34:56+01
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %I:%M:%S %p",  # US systems and spreadsheets: 3/1/2024 12:34:56 PM
    "%m/%d/%Y %I:%M %p",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %Y %H:%M",
    "%a, %d %b %Y %H:%M:%S GMT",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d-%m-%y",
    "%m-%d-%y",  # Kaggle's Amazon Sale Report: 04-30-22
    "%m-%d-%Y",
]
"""Tried in order; US month-first before day-first where both could match."""


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim, unwrap `="…"` (Taobao/Excel) and one leading `'` (Shopify, WooCommerce); empty,
    `--` (eBay) and `""` become null."""
    return expr.map_batches(_clean, return_dtype=pl.Utf8)


def clean_series(values: pl.Series) -> pl.Series:
    """`clean` on a Series."""
    return _clean(values)


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


def first_clean(*columns: pl.Series) -> pl.Series:
    """The first non-empty cleaned value across columns (`coalesce` of `clean`s); a later
    column is only cleaned on the rows the earlier ones left empty."""
    out = _clean(columns[0])
    for other in columns[1:]:
        rows = (out.is_null() & other.is_not_null()).arg_true()
        if rows.len():
            out = out.scatter(rows, _clean(other.gather(rows)))
    return out


def words(values: pl.Series, known: list[str]) -> pl.Series:
    """A status-like column cleaned and lower-cased; values already one of the `known`
    lower-case words are taken as they are (in an export, nearly all of them)."""
    text = values.cast(pl.Utf8)
    return kept_where(text, text.is_in(known), lambda cleaned: cleaned.str.to_lowercase())


def kept_where(text: pl.Series, ok: pl.Series, fix: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`text` where `ok`; elsewhere `fix` of the cleaned text (for columns nearly always ok)."""
    if (ok | text.is_null()).all():
        return text
    return values_fallback(text, text.zip_with(ok, text.clear(text.len())), fix)


def values_fallback(
    text: pl.Series, parsed: pl.Series, slow: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    """`parsed`, with the rows the fast parse of the raw text left null redone by `slow` on
    the cleaned text (same dtype). Clean exports, nearly every row of them, never pay for
    cleaning or for the regexes of the slow path."""
    redo = parsed.is_null() & text.is_not_null()
    if not redo.any():
        return parsed
    rows = redo.arg_true()
    return parsed.scatter(rows, slow(_clean(text.gather(rows))))


def _on_series(
    func: Callable[[pl.Expr], pl.Expr], dtype: PolarsType
) -> Callable[[pl.Series], pl.Series]:
    """Evaluate a column expression on a Series (the slow paths are written as expressions)."""

    def run(values: pl.Series) -> pl.Series:
        return pl.DataFrame({"v": values}).select(func(pl.col("v")).cast(dtype)).to_series()

    return run


def money(expr: pl.Expr) -> pl.Expr:
    """Parse an amount: currency symbols/codes, thousands separators, decimal commas,
    `(12.00)` negatives. `EUR 90,00` → 90.0; `AU $3,000.00` → 3000.0; `1 234,50 €` → 1234.5."""
    return expr.map_batches(money_series, return_dtype=pl.Float64)


def money_series(values: pl.Series) -> pl.Series:
    """`money` on a Series: a plain number cast first; only other rows go through the text
    rules (a regex chain that costs more than the rest of an import if run on every row).
    `inf` and `NaN`, which read as numbers, are not amounts: null, so the row is reported as a
    bad amount instead of making every sum over it NaN."""
    text = values.cast(pl.Utf8)
    plain = text.cast(pl.Float64, strict=False)
    parsed = values_fallback(text, plain, _on_series(_money, pl.Float64))
    odd = ~parsed.is_finite()
    return parsed.set(odd, None) if odd.any() else parsed


def _money(s: pl.Expr) -> pl.Expr:
    plain = s.cast(pl.Float64, strict=False)
    return pl.when(plain.is_not_null() | s.is_null()).then(plain).otherwise(_money_text(s))


def _money_text(s: pl.Expr) -> pl.Expr:
    # `12.00-` (a trailing minus, as SAP writes) is negative; `12.-` / `12,-` (a whole amount,
    # German and Swiss style) is not
    negative = s.str.contains(r"^\(.*\)$") | s.str.contains(r"^-|\d-$|^[^\d]*-")
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


TRUE_WORDS = ["yes", "true", "1", "y", "subscribed", "是"]
FALSE_WORDS = ["no", "false", "0", "n", "unsubscribed", "否", "never subscribed"]


def boolean(expr: pl.Expr) -> pl.Expr:
    """yes/no, true/false, 1/0, y/n (any case) → Boolean; anything else null."""
    return expr.map_batches(boolean_series, return_dtype=pl.Boolean)


def boolean_series(values: pl.Series) -> pl.Series:
    """`boolean` on a Series: exact lower-case words first, then the rest cleaned and folded."""
    text = values.cast(pl.Utf8)
    meaning = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)
    fast = text.replace_strict(meaning, default=None, return_dtype=pl.Boolean)
    return values_fallback(text, fast, _on_series(_boolean, pl.Boolean))


def _boolean(s: pl.Expr) -> pl.Expr:
    s = s.str.to_lowercase()
    return pl.when(s.is_in(TRUE_WORDS)).then(True).when(s.is_in(FALSE_WORDS)).then(False)


SNIFF_SAMPLE = 20_000
"""Date sniffing looks at this many evenly spaced values (then at most 2000 distinct ones)."""


def sniff_date_formats(
    values: pl.Series, formats: list[str] | None = None, day_first: bool = False
) -> list[str]:
    """The formats needed to parse a sample of a date column, most useful first.

    Trying every format on a million rows is slow; a sample tells which few are in use
    (a file can mix them, e.g. Etsy's `07/16/22` and `07/16/2022`). Dates that read both
    month-first and day-first (no day past the 12th in the sample) are taken month-first,
    or day-first where the file says it comes from a day-first locale (`day_first`).
    """
    formats = formats or DATE_FORMATS
    if day_first:
        formats = [f for f in formats if not f.startswith("%m/")] + [
            f for f in formats if f.startswith("%m/")
        ]
    remaining = pl.DataFrame({"v": _date_sample(values)})
    chosen: list[str] = []
    while remaining.height and len(chosen) < 6:
        candidates = [f for f in formats if f not in chosen]
        if _reads_all(remaining, candidates[0]):  # the usual case: one pass, not 33
            chosen.append(candidates[0])
            break
        hits = _hits_until_full(remaining, candidates)
        counts = hits.sum().row(0)
        best_hits = max(counts) if counts else 0
        candidates = hits.columns
        if best_hits == 0:
            break
        best = candidates[counts.index(best_hits)]
        chosen.append(best)
        remaining = remaining.filter(~hits[best])
    return chosen or formats[:1]


def _date_sample(values: pl.Series) -> pl.Series:
    step = max(1, values.len() // SNIFF_SAMPLE)
    spread = values.gather_every(step).drop_nulls().cast(pl.Utf8)
    return spread.unique(maintain_order=True).head(2000).str.strip_chars()


DATE_ORDERS = ("auto", "day-first", "month-first")
"""[shop] date_order: how dates that read either way (01/02/2024) are taken."""


def date_order(shop: dict[str, Any]) -> str:
    """The [shop] date_order setting, checked: ConfigError names the values it takes."""
    value = str(shop.get("date_order") or "auto").strip().lower()
    if value not in DATE_ORDERS:
        raise ConfigError(
            f'[shop] date_order = "{str(shop.get("date_order"))[:30]}" cannot be used',
            f"Use one of: {', '.join(DATE_ORDERS)}. Fix it in shopinsight.toml, or delete the "
            "line to get the default back.",
        )
    return value


def either_way(values: pl.Series, fmt: str) -> tuple[str, dt.datetime, dt.datetime] | None:
    """(a value, as `fmt` reads it, as the same format with day and month swapped reads it)
    when every sampled value reads both ways and some value to two different days: the file
    alone cannot tell which it means. None when it can, or `fmt` does not start with the day
    or the month (a year first is always followed by the month: 2024.03.01 is 1 March)."""
    if not fmt.startswith(("%d", "%m")) or "%d" not in fmt or "%m" not in fmt:
        return None
    swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    sample = pl.DataFrame({"v": _date_sample(values)})
    both = sample.select("v", _hits(fmt).alias("as_read"), _hits(swapped).alias("swapped")).filter(
        pl.col("as_read").is_not_null()
    )
    if both.height == 0 or both["swapped"].null_count():
        return None
    differ = both.filter(pl.col("as_read") != pl.col("swapped"))
    if differ.height == 0:  # only days like 05/05: either reading is the same day
        return None
    value, as_read, other = differ.row(0)
    return value, as_read, other


def _hits_until_full(sample: pl.DataFrame, formats: list[str], chunk: int = 8) -> pl.DataFrame:
    """Which sample values each format reads (a Boolean column per format), a few formats at
    a time, stopping after the first batch with a format that reads them all: the first
    format with the most hits is then among those tried, and later ones cost nothing."""
    parts = []
    for i in range(0, len(formats), chunk):
        part = sample.select(_hits(f).is_not_null().alias(f) for f in formats[i : i + chunk])
        parts.append(part)
        if any(part.sum().row(0)[j] == sample.height for j in range(part.width)):
            break
    return pl.concat(parts, how="horizontal")


def _hits(fmt: str) -> pl.Expr:
    return _plausible(pl.col("v").str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False))


def _reads_all(sample: pl.DataFrame, fmt: str) -> bool:
    """Whether `fmt` reads every value: then it is the one the full comparison would choose
    (the first format with the most hits)."""
    return bool(sample.select(_hits(fmt).is_not_null().all()).item())


UTC = pl.Datetime("us", "UTC")
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)


def datetime_utc(expr: pl.Expr, formats: list[str], assume_tz: str = "UTC") -> pl.Expr:
    """Parse with the given formats (first match wins) into Datetime(us, UTC).

    Values with an offset are converted to UTC; naive values are taken in `assume_tz`.
    """
    return expr.map_batches(lambda v: datetime_series(v, formats, assume_tz), return_dtype=UTC)


def datetime_series(values: pl.Series, formats: list[str], assume_tz: str = "UTC") -> pl.Series:
    """`datetime_utc` on a Series. Each format only sees the rows the ones before it left
    unparsed, and only rows no format could read from the raw text are cleaned and retried."""
    text = values.cast(pl.Utf8)

    def parse(text: pl.Series) -> pl.Series:
        out = _plausible_series(_strptime(text, formats[0], assume_tz))
        for fmt in formats[1:]:
            todo = out.is_null() & text.is_not_null()
            if not todo.any():
                break
            rows = todo.arg_true()
            out = out.scatter(rows, _plausible_series(_strptime(text.gather(rows), fmt, assume_tz)))
        return out

    return values_fallback(text, parse(text), parse)


OFFSET_FORMAT = "%Y-%m-%d %H:%M:%S %z"
"""Shopify's date layout (`2024-03-01 12:34:56 -0500`), parsed by `_offset_strptime`."""


def _offset_strptime(text: pl.Series) -> pl.Series:
    """`OFFSET_FORMAT` at a third of `strptime`'s cost: the local time (its 19 characters)
    minus the `±hhmm` offset read as a number. Values of any other shape are left null for
    the general parser."""
    v = pl.col("v")
    parts = pl.DataFrame({"v": text}).select(
        v.str.slice(0, 19)
        .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False, cache=False)
        .cast(pl.Int64)
        .alias("local"),
        v.str.slice(20).cast(pl.Int32, strict=False).alias("off"),
        ((v.str.len_bytes() == 25) & v.str.slice(19, 2).is_in([" +", " -"])).alias("shaped"),
    )
    # the offset's arithmetic on Series: one pass each, where an expression evaluated the
    # offset's text three times
    off = parts["off"]
    size = off.abs()
    minutes = (size // 100 * 60 + size % 100) * off.sign()
    utc = (parts["local"] - minutes.cast(pl.Int64) * 60_000_000).cast(UTC)
    ok = (parts["shaped"] & (size < 2400) & (size % 100 < 60)).fill_null(False)
    return utc if ok.all() else utc.set(~ok, None)


def _strptime(text: pl.Series, fmt: str, assume_tz: str) -> pl.Series:
    if fmt == OFFSET_FORMAT:
        fast = _offset_strptime(text)
        redo = fast.is_null() & text.is_not_null()
        if not redo.any():
            return fast
        rows = redo.arg_true()
        return fast.scatter(rows, text.gather(rows).str.strptime(UTC, fmt, strict=False))
    if "%z" in fmt or "%#z" in fmt or fmt.endswith(("Z", " UTC", " GMT")):
        return text.str.strptime(UTC, fmt, strict=False)
    naive = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
    local = naive.dt.replace_time_zone(assume_tz, ambiguous="earliest", non_existent="null")
    return local.dt.convert_time_zone("UTC")


def _plausible_series(parsed: pl.Series) -> pl.Series:
    """`_plausible` for a Series; a min/max look is enough when every date is plausible."""
    # Compared in Polars: a year such as -12024 parses but has no Python datetime.
    bad = (parsed < EARLIEST) | (parsed >= LATEST)
    if not bad.any():  # False, or None when every value is null
        return parsed
    return parsed.set(bad.fill_null(False), None)


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


def bad_values(text: pl.Series, parsed: pl.Series, what: str, column: str) -> pl.Series | None:
    """`unparsed` on Series, formatted only for the failing rows; None when no row fails."""
    redo = text.is_not_null() & parsed.is_null()
    if not redo.any():
        return None
    rows = redo.arg_true()
    found = pl.DataFrame({"v": _clean(text.gather(rows).cast(pl.Utf8))}).select(
        problem(
            pl.col("v").is_not_null(),
            pl.format("bad {} '{}' in column '{}'", pl.lit(what), pl.col("v"), pl.lit(column)),
        )
    )
    return pl.repeat(None, text.len(), dtype=pl.Utf8, eager=True).scatter(rows, found.to_series())


def join_reasons(*parts: pl.Series | None) -> pl.Series | None:
    """`reasons` on Series, skipping the checks that flagged nothing (None)."""
    found = [p for p in parts if p is not None and p.null_count() < p.len()]
    if not found:
        return None
    frame = pl.DataFrame({f"r{i}": p for i, p in enumerate(found)})
    return frame.select(reasons(*(pl.col(c) for c in frame.columns))).to_series()


def reasons(*parts: pl.Expr) -> pl.Expr:
    """Join the non-null reasons of a row with '; ' (null when the row is fine)."""
    joined = pl.concat_str(list(parts), separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)
