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
from typing import Literal

import polars as pl

from shopinsight.core.importers.sniff import BAD_FIELDS, ROW
from shopinsight.core.importers.values import clean, reasons
from shopinsight.core.schema import CUSTOMER_ATTR_SCHEMA, LINE_SCHEMA, conform, normalise_email

NULL_TEXT = pl.repeat(None, pl.len(), dtype=pl.Utf8)
"""A column of nulls as long as the frame (a bare literal would not broadcast through parsers)."""

BUYER = "__buyer"
REASON = "__reason"
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
    warnings: list[str] = field(default_factory=list)


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


def finish(
    built: pl.DataFrame, raw: pl.DataFrame, source: str, kind: str = "lines"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical accepted rows and the rejected raw rows (row, reason, values as in the file).

    `built` has one row per raw row (same `__row`), possibly fewer if the format dropped
    non-rows such as eBay footers (those are not counted as rows at all).
    """
    checks = [pl.col(REASON)] if REASON in built.columns else []
    if BAD_FIELDS in raw.columns:
        built = built.join(raw.select(ROW, BAD_FIELDS), on=ROW, how="left")
        checks.append(pl.col(BAD_FIELDS))
    if kind == "lines":
        checks += [
            pl.when(pl.col("order_id").is_null()).then(pl.lit("no order id")),
            pl.when(
                pl.col("ordered_at").is_null()
                & ~(pl.col(UNDATED).fill_null(False) if UNDATED in built.columns else pl.lit(False))
            ).then(pl.lit("no order date")),
        ]
    else:
        checks.append(
            pl.when(pl.col("customer_id").is_null()).then(pl.lit("no email or customer id"))
        )
    buyer = pl.col(BUYER) if BUYER in built.columns else pl.lit(None, dtype=pl.Utf8)
    email = normalise_email(pl.col("email")) if "email" in built.columns else pl.lit(None)
    cid = pl.col("customer_id") if "customer_id" in built.columns else pl.lit(None, pl.Utf8)
    built = built.with_columns(
        pl.lit(source).alias("source"),
        pl.coalesce(
            email,
            cid,
            pl.concat_str(pl.lit(f"{source}:"), buyer.str.strip_chars().str.to_lowercase()),
        ).alias("customer_id"),
    ).with_columns(reasons(*checks).alias(REASON))
    bad = built.filter(pl.col(REASON).is_not_null()).select(ROW, pl.col(REASON).alias("reason"))
    good = built.filter(pl.col(REASON).is_null())
    if kind == "lines":
        if "line_no" not in good.columns:
            good = good.with_columns(
                (pl.int_range(pl.len()).over("order_id") + 1).cast(pl.Int32).alias("line_no")
            )
        good = good.with_columns(pl.col("line_kind").fill_null("product")).with_columns(
            pl.when(pl.col("line_kind") == "order")
            .then(pl.lit(0, pl.Int32))
            .otherwise(pl.col("line_no"))
            .alias("line_no")
        )
        accepted = conform(good, LINE_SCHEMA).collect()
    else:
        accepted = conform(good, CUSTOMER_ATTR_SCHEMA).collect()
    raw_cols = [c for c in raw.columns if c not in (BAD_FIELDS,)]
    rejects = bad.join(raw.select(raw_cols), on=ROW, how="left").rename({ROW: "row"})
    return accepted, rejects.sort("row")
