"""Reading a big export in batches of whole orders: bounded memory for the raw text.

Reading a whole 1M-line export as text holds the file (mapped) and every text column at once,
and the parse then doubles that. Instead, Polars' streaming CSV reader hands over batches of
rows; each batch, cut at an order boundary (an order's rows are together in exports that
allow this), is parsed and checked on its own, and only the canonical lines are kept. Where
the layout or the file does not allow it (another encoding, a preamble, rows Polars refuses,
an order split over batches), the caller reads the file whole instead: same result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shopinsight.core.importers.base import BuildContext, Format, finish, run_starts
from shopinsight.core.importers.reconcile import MergeResult, _sorted, merge_new
from shopinsight.core.importers.sniff import ROW, Sniffed, normalise_name, scan_text
from shopinsight.core.store import PartWriter
from shopinsight.core.workspace import Workspace

ORDER_COLUMN = {"shopify": "name"}
"""Formats read in batches, and the raw column whose runs are one order each."""

BATCH_ROWS = 131_072
"""Rows per batch: big enough for Polars' per-call overhead to vanish, small enough that the
text of one batch is a few tens of MB."""


class NotStreamable(Exception):
    """This file must be read whole (the caller falls back)."""


@dataclass
class Streamed:
    """A file parsed batch by batch."""

    accepted: pl.DataFrame | None
    """None when a sink took the lines."""
    rejects: pl.DataFrame
    rows_read: int
    warnings: list[str] = field(default_factory=list)


def streamable(format_: Format, sn: Sniffed, path: Path, min_bytes: int) -> bool:
    """Whether to read this file in batches: a big UTF-8 file of a batch-safe layout."""
    return (
        format_.name in ORDER_COLUMN
        and format_.columns is not None
        and sn.encoding in ("utf-8", "utf-8-sig")
        and not sn.header_line
        and path.stat().st_size >= min_bytes
    )


def _batches(path: Path, sn: Sniffed, keep: tuple[str, ...]) -> Iterator[pl.DataFrame]:
    """The wanted columns as text, normalised names, `__row` from 1, in batches."""
    names = [normalise_name(c) for c in sn.columns]
    if len(set(names)) != len(names):
        raise NotStreamable  # duplicate names: read_raw knows how to tell them apart
    wanted = [n for n in names if n in set(keep)]
    lf = scan_text(path, sn, names).select(ROW, *wanted)
    try:
        yield from lf.collect_batches(chunk_size=BATCH_ROWS)
    except pl.exceptions.PolarsError:
        raise NotStreamable from None


def _whole_orders(batches: Iterator[pl.DataFrame], column: str) -> Iterator[pl.DataFrame]:
    """Batches re-cut so that no order's run of rows is split: each batch's last run moves on
    to the next one."""
    carry: pl.DataFrame | None = None
    for batch in batches:
        if carry is not None:
            batch = pl.concat([carry, batch])
        starts = run_starts(batch[column]).arg_true()
        cut = int(starts[-1]) if starts.len() else 0
        if cut == 0:
            carry = batch
            continue
        yield batch.slice(0, cut)
        carry = batch.slice(cut)
    if carry is not None and carry.height:
        yield carry


def load_streamed(
    path: Path,
    sn: Sniffed,
    format_: Format,
    ctx: BuildContext,
    store: str,
    sink: Callable[[pl.DataFrame], None] | None = None,
) -> Streamed:
    """Parse the file batch by batch; raise NotStreamable when it must be read whole.
    `sink` takes each batch's accepted lines instead of the result (then left empty)."""
    keep = format_.columns or ()
    column = ORDER_COLUMN[format_.name]
    accepted: list[pl.DataFrame] = []
    rejects: list[pl.DataFrame] = []
    orders: list[pl.Series] = []
    rows = 0
    for raw in _whole_orders(_batches(path, sn, keep), column):
        if any(c not in raw.columns for c in format_.signature):
            raise NotStreamable
        built = format_.build(raw, ctx)
        rows += built[ROW].n_unique()
        good, bad = finish(built, raw, format_.source_name, format_.kind, store)
        del built, raw
        orders.append(_order_hashes(good))
        if sink is None:
            accepted.append(good)
        else:
            sink(good)
        if bad.height or not rejects:  # the first, even empty: the shape of "no rejects"
            rejects.append(bad)
    if not orders:
        raise NotStreamable
    if pl.concat(orders).is_duplicated().any():
        raise NotStreamable  # an order's rows are apart in the file (or, rarely, two orders'
        # keys hash alike): parse it whole
    # batches of a newest-first export: oldest batch first keeps the lines in time order
    first = [a["ordered_at"].min() for a in accepted]
    order = sorted(range(len(accepted)), key=lambda i: (first[i] is None, first[i] or 0))
    lines = pl.concat([accepted[i] for i in order], rechunk=False) if accepted else None
    bad = pl.concat(rejects, how="diagonal_relaxed").sort("row")
    return Streamed(lines, bad, rows, list(dict.fromkeys(ctx.warnings)))


def _order_hashes(lines: pl.DataFrame) -> pl.Series:
    """A hash of each run of one order's lines (lines are in workspace order: an order's
    lines are together): hashing 0.6 keys per line, as integers, instead of the key text.
    Only the order id is hashed: source and store are one value per import, and a key part
    left out can only make two orders look alike (then the file is parsed whole), never an
    order split over batches look like two."""
    order_id = lines["order_id"]
    return order_id.filter(run_starts(order_id)).hash()


class Spill:
    """Where the batches of a big first import go: merged (every line is new) and written as
    parts at once, so the file's lines never all sit in memory; the commit adopts them."""

    def __init__(self, ws: Workspace) -> None:
        self.writer = PartWriter(ws.root, _sorted)
        self.counts = MergeResult(0, 0, 0)
        self.anonymous = 0

    def __call__(self, lines: pl.DataFrame) -> None:
        anonymous = pl.col("customer_id").is_null() & pl.col("ordered_at").is_not_null()
        self.anonymous += lines.filter(anonymous)["order_id"].n_unique()
        merged, result = merge_new(lines)
        new, duplicates, updated = (
            a + b for a, b in zip(astuple3(self.counts), astuple3(result), strict=True)
        )
        self.counts = MergeResult(new, duplicates, updated)
        self.writer.add(merged)

    def parts(self) -> list[dict[str, Any]]:
        return self.writer.close()

    def read(self) -> pl.DataFrame:
        """The lines back in memory (when the workspace got lines meanwhile: merge them)."""
        files = [self.writer.folder.parent.parent / p["file"] for p in self.parts()]
        return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


def astuple3(r: MergeResult) -> tuple[int, int, int]:
    return r.new_lines, r.duplicates, r.updated
