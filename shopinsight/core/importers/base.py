"""What every importer is: a column map plus fix-ups, turning a text frame into order lines.

A `Format` names the columns that identify it (`signature`) and those it needs (`required`), and a
`build` function that returns canonical columns plus two private ones: `__buyer` (the
marketplace's buyer key, used when there is no email) and `__reason` (why a row is rejected, null
if it is fine). `finish()` then does what all formats share: the customer key, the order-line
numbering, the schema, and the split into accepted and rejected rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from shopinsight.core.importers.sniff import BAD_FIELDS, ROW, Sniffed
from shopinsight.core.importers.values import clean, reasons
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA, LINE_SCHEMA, conform

NULL_TEXT = pl.repeat(None, pl.len(), dtype=pl.Utf8)
"""A column of nulls as long as the frame (a bare literal would not broadcast through parsers)."""

BUYER = "__buyer"
REASON = "__reason"
CUSTOMER = "__customer"
"""The final customer key, when a build computed it itself (see `finish`)."""
UNDATED = "__undated"
"""True on lines that get their date from a companion order export at merge time (Taobao's
宝贝报表 has no dates; its 订单报表 does): they are not rejected for having no date."""


@dataclass
class BuildContext:
    """What a format's build function may need besides the rows."""

    file_name: str
    mapping: dict[str, str] = field(default_factory=dict)
    timezone: str = "UTC"
    currency: str | None = None
    """The shop's currency (settings), for exports that do not say."""
    path: Path | None = None
    """The file itself (Olist's build reads its companion files from beside it)."""
    delimiter: str = ","
    """The file's field separator: `;` is written by European spreadsheets, whose dates are
    day-first (`01/12/2010` is 1 December), which decides dates that read either way."""
    date_order: str = "auto"
    """[shop] date_order: "auto" (month first unless the file is European, as `delimiter`
    says), "day-first" or "month-first": how dates that read either way are taken."""
    warnings: list[str] = field(default_factory=list)
    read_beside: list[Path] = field(default_factory=list)
    """Companion files the build read from beside the file (Olist's customers and products)."""


@dataclass(frozen=True)
class Format:
    """One export layout."""

    name: str
    title: str
    description: str
    signature: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[[pl.DataFrame, BuildContext], pl.DataFrame]
    kind: Literal["lines", "customers"] = "lines"
    customer_note: str | None = None
    """Said after import when the export cannot identify buyers (Amazon All Orders)."""
    source: str = ""
    """The `source` value of its lines (defaults to `name`)."""
    columns: tuple[str, ...] | None = None
    """The (normalised) columns `build` reads; only these are parsed from the file. None: all."""
    reader: Callable[[Path, Sniffed], pl.DataFrame] | None = None
    """Reads the file itself instead of `sniff.read_raw` (a file without a header row: the
    basket list); the frame still has `__row` and text columns."""
    waits_for: tuple[str, str] | None = None
    """(format, note): the format whose file gives this one's lines their dates and buyers
    (an items file's orders file), and the note `build` says until it is imported; the note
    is dropped when the same command imports a file of that format."""

    @property
    def source_name(self) -> str:
        return self.source or self.name


def col(frame: pl.DataFrame, *names: str) -> pl.Expr:
    """The first of `names` (normalised column names) that the frame has, cleaned; else null."""
    for name in names:
        if name in frame.columns:
            return clean(pl.col(name))
    return NULL_TEXT


def has(frame: pl.DataFrame, *names: str) -> bool:
    """Whether the frame has any of these columns."""
    return any(n in frame.columns for n in names)


def run_starts(values: pl.Series) -> pl.Series:
    """True where a value differs from the one before it (and on the first row)."""
    return values.ne_missing(values.shift(1)).scatter(0, True) if values.len() else values.is_null()


def line_numbers(order_id: pl.Series) -> pl.Series:
    """1, 2, … for the lines of each order, in file order.

    Exports list an order's lines together; then the number is the distance from the start
    of the order's run (linear, no hashing). If some order's lines are scattered, a window
    over the order id numbers them instead.
    """
    starts = run_starts(order_id)
    heads = order_id.filter(starts)
    frame = pl.DataFrame({"order_id": order_id, "start": starts})
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    if heads.n_unique() == heads.len():
        number = row - pl.when("start").then(row).forward_fill() + 1
    else:
        number = row.over("order_id") + 1
    return frame.select(number.cast(pl.Int32).alias("line_no")).to_series()


def customer_key(source: str, frame: pl.DataFrame) -> pl.Series:
    """The buyer's key: the normalised email, else the export's customer id, else
    `source:` + the marketplace's buyer key (`__buyer`). Each fallback is only looked at
    for the rows still without a key (in most exports, none)."""
    if "email" in frame.columns:
        key = _emails(frame["email"])
    else:
        key = pl.repeat(None, frame.height, dtype=pl.Utf8, eager=True)
    buyer = pl.concat_str(pl.lit(f"{source}:"), pl.col(BUYER).str.strip_chars().str.to_lowercase())
    for column, fallback in (("customer_id", pl.col("customer_id")), (BUYER, buyer)):
        rows = key.is_null().arg_true()
        if column in frame.columns and rows.len():
            found = frame.select(column)[rows].select(fallback.cast(pl.Utf8)).to_series()
            key = key.scatter(rows, found)
    return key.alias("customer_id")


def _emails(values: pl.Series) -> pl.Series:
    """`schema.normalise_email` on a Series, without its when/then over every value (nearly
    every email has its '@'): 40% less work on a column of a million emails."""
    email = values.cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    bad = ~email.str.contains("@", literal=True).fill_null(True)
    return email.set(bad, None) if bad.any() else email


def finish(
    built: pl.DataFrame, raw: pl.DataFrame, source: str, kind: str = "lines", store: str = ""
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical accepted rows and the rejected raw rows (row, reason, values as in the file).

    `store` (from `import --store NAME`) names the lines' store where the export itself does
    not (a `store` column from the build wins); "" when neither says.

    `built` has one row per raw row (same `__row`), possibly fewer if the format dropped
    non-rows such as eBay footers (those are not counted as rows at all). A build may give the
    final customer key as `__customer` (computed once per order instead of once per line).
    Checks that flag no row cost nothing further: no reason column, no filtering.
    """
    checks = [REASON] if REASON in built.columns else []
    if BAD_FIELDS in raw.columns:
        # in file order: line numbers are counted down each order's run of rows
        built = built.join(raw.select(ROW, BAD_FIELDS), on=ROW, how="left", maintain_order="left")
        checks.append(BAD_FIELDS)
    if kind == "lines":
        undated = pl.col(UNDATED).fill_null(False) if UNDATED in built.columns else pl.lit(False)
        rules = [
            pl.when(pl.col("order_id").is_null()).then(pl.lit("no order id")),
            pl.when(pl.col("ordered_at").is_null() & ~undated).then(pl.lit("no order date")),
        ]
    else:
        rules = [pl.when(pl.col("customer_id").is_null()).then(pl.lit("no email or customer id"))]
    key = built[CUSTOMER] if CUSTOMER in built.columns else customer_key(source, built)
    built = built.with_columns(pl.lit(source).alias("source"), key.alias("customer_id"))
    if kind == "lines":
        given = pl.col("store").str.strip_chars() if "store" in built.columns else pl.lit(None)
        built = built.with_columns(
            pl.coalesce(pl.when(given != "").then(given), pl.lit(store))
            .cast(pl.Utf8)
            .alias("store")
        )
    built = built.with_columns(rule.alias(f"__check{i}") for i, rule in enumerate(rules))
    checks += [f"__check{i}" for i in range(len(rules))]
    live = [c for c in checks if built[c].null_count() < built.height]
    if live:
        built = built.with_columns(reasons(*(pl.col(c) for c in live)).alias(REASON))
        bad = built.filter(pl.col(REASON).is_not_null()).select(ROW, pl.col(REASON).alias("reason"))
        good = built.filter(pl.col(REASON).is_null())
    else:
        bad = pl.DataFrame(schema={ROW: pl.Int64, "reason": pl.Utf8})
        good = built
    if kind == "lines":
        if "line_no" not in good.columns:
            good = good.with_columns(line_numbers(good["order_id"]))
        good = good.with_columns(pl.col("line_kind").fill_null("product")).with_columns(
            pl.when(pl.col("line_kind") == "order")
            .then(pl.lit(0, pl.Int32))
            .otherwise(pl.col("line_no"))
            .alias("line_no")
        )
        accepted = conform(good, LINE_SCHEMA).collect()
    else:
        accepted = conform(good, CUSTOMER_ATTR_SCHEMA).collect()
    values = raw.select(c for c in raw.columns if c != BAD_FIELDS)
    values = values.filter(pl.col(ROW).is_in(bad[ROW].implode())) if bad.height else values.clear()
    if values.height:
        bad = _plain_reasons(bad, values)
    rejects = bad.join(values, on=ROW, how="left").rename({ROW: "row"})
    return accepted, rejects.sort("row")


def _plain_reasons(bad: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows that are not orders at all, said so: a row with no value ("empty row",
    as spreadsheets leave above a total or at the end) and the header again, where two
    exports were pasted into one file ("repeated header row"), instead of the missing-field
    reasons they would otherwise get. Only the rejected rows are looked at."""
    names = [c for c in values.columns if c != ROW]
    if not names:
        return bad
    text = [pl.col(c).str.strip_chars().replace("", None) for c in names]
    empty = pl.all_horizontal(t.is_null() for t in text)
    header = pl.all_horizontal(
        t.is_null() | (t.str.strip_chars('"').str.replace_all(r"\s+", " ").str.to_lowercase() == c)
        for t, c in zip(text, names, strict=True)
    )
    plain = values.select(
        ROW,
        pl.when(empty)
        .then(pl.lit("empty row"))
        .when(header)
        .then(pl.lit("repeated header row"))
        .alias("__plain"),
    )
    return (
        bad.join(plain, on=ROW, how="left", maintain_order="left")
        .with_columns(pl.coalesce("__plain", "reason").alias("reason"))
        .drop("__plain")
    )
