"""Importing export files into a workspace: detect the layout, parse, merge, never lose a row.

Each marketplace module in this package exposes `FORMATS`, a list of `Format`s; they are found
automatically. For every file: rows read = accepted + rejected, rejected rows are saved with row
number and reason, and the merge into the workspace is atomic and idempotent (re-importing a
file, or an overlapping later export, adds only what is new and updates what changed).
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shopinsight.core.errors import InputError
from shopinsight.core.importers import olist
from shopinsight.core.importers.base import BuildContext, Format, finish
from shopinsight.core.importers.baskets import looks_like_baskets
from shopinsight.core.importers.generic import (
    ALIASES,
    AMOUNTS,
    BOUGHT,
    buyer_date_log,
    missing_for,
    resolve_columns,
)
from shopinsight.core.importers.reconcile import (
    customer_counts,
    merge_customers,
    merge_import,
    merge_into,
)
from shopinsight.core.importers.sniff import (
    ROW,
    Sniffed,
    normalise_name,
    read_raw,
    read_rows,
    sniff,
)
from shopinsight.core.importers.stream import (
    NotStreamable,
    Spill,
    astuple3,
    load_streamed,
    streamable,
)
from shopinsight.core.importers.values import date_order
from shopinsight.core.orders import shop_tz
from shopinsight.core.schema import LINE_SCHEMA
from shopinsight.core.words import plural
from shopinsight.core.workspace import Workspace

Progress = Callable[[int, int, str], None]

STREAM_BYTES = 32 << 20
"""Files at least this big are parsed in batches of whole orders where the layout allows
(`stream`): the same lines, a fraction of the memory."""


def _discover() -> dict[str, Format]:
    found: dict[str, Format] = {}
    skip = {"base", "sniff", "values", "reconcile", "stream"}
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if mod in skip:
            continue
        for fmt in getattr(importlib.import_module(f"{__name__}.{mod}"), "FORMATS", []):
            found[fmt.name] = fmt
    generic = found.pop("generic")
    found["generic"] = generic  # last: the fallback
    return found


FORMATS: dict[str, Format] = _discover()
"""Every supported layout by name; `generic` last."""

KNOWN_COLUMNS = {c for f in FORMATS.values() for c in f.signature} | {
    a for names in ALIASES.values() for a in names
}


def detect(columns: list[str], file_name: str = "file") -> Format:
    """The format whose signature columns are all present (the most specific wins)."""
    have = {normalise_name(c) for c in columns}
    matches = [f for f in FORMATS.values() if f.signature and set(f.signature) <= have]
    if matches:
        return max(matches, key=lambda f: len(f.signature))
    _undated_public_files(have, file_name)
    found = resolve_columns(sorted(have), {})
    if not missing_for(found, log=buyer_date_log(sorted(have), found)):
        return FORMATS["generic"]
    hint = olist.companion_hint(file_name)
    if hint:
        raise InputError(f"{file_name} is not an order export", hint)
    if any(set(names) <= have for names in SUMMARY_COLUMNS):
        raise InputError(
            f"Cannot import {file_name}: it is a summary of customers, not an order list",
            f"Its columns ({', '.join(columns[:12])}) already count each customer's purchases "
            "(how many repeat purchases, when the last one was, over how long), as the "
            "summary tables of lifetimes and BTYD are (frequency, recency, T). ShopInsight "
            "makes those itself from the orders: import the transactions they were counted "
            "from instead, one row per purchase with its customer and date (and amount).",
        )
    _event_log_or_no_buyer(columns, have, found, file_name)
    raise InputError(
        f"Cannot import {file_name}: unknown layout",
        "Its header does not match any supported export "
        f"({', '.join(f.title for f in FORMATS.values())}). If it is an order list, import it "
        'with --format generic and name its columns with --map, e.g. --map ordered_at="Date". '
        f"The file's columns are: {', '.join(columns[:30])}.",
    )


SUMMARY_COLUMNS = (
    ("frequency", "recency"),
    ("x", "t_x"),
    ("frequency", "monetary_value"),
    ("recency", "t"),
)
"""Column sets of per-customer summary tables (lifetimes' `cdnow_customers_summary.csv`
`ID,frequency,recency,T`, `…_with_transactions.csv` `ID,x,t_x,T,zbar`, `donations.csv`
`frequency,recency,periods,weights`, pymc-marketing's `sbg_cohorts.csv`
`customer_id,recency,T,cohort`): not order lists, and refused as such."""


def _event_log_or_no_buyer(
    columns: list[str], have: set[str], found: dict[str, str], file_name: str
) -> None:
    """The refusal of a file that is nearly an order list, said plainly: an event log (an
    `event` column beside a user and a time: retentioneering's clickstream), or a file with
    dates and amounts whose buyer column has a name no alias knows (pymc-marketing's
    `cdnow_transactions.csv`: `_id,id,date,cds_bought,spent`). Returns when neither."""
    event = next((c for c in EVENT_COLUMNS if c in have), None)
    buyer = found.get("customer_id") or found.get("email")
    stuff = BOUGHT & found.keys()
    when = found.get("ordered_at") or next((c for c in EVENT_TIMES if c in have), None)
    if event and buyer and when:
        maps = f"--map customer_id={buyer} --map ordered_at={when}"
        what = "who bought what when" if stuff else "who bought when"
        raise InputError(
            f"Cannot import {file_name}: it is an event log, not an order list",
            f"Its rows are events (column {event}: page views, carts, purchases…) of users "
            f"({buyer}) at times ({when}), not purchases. Keep only the purchase "
            f"events, in a file of their own, and import that as a list of {what}: "
            f"`shopinsight import purchases.csv {maps}`.",
        )
    if (
        "ordered_at" in found
        and stuff
        and not ({"order_id", "customer_id", "email"} & found.keys())
    ):
        ids = [c for c in columns if normalise_name(c).endswith("id")]
        example = f" (the file has {', '.join(ids[:5])})" if ids else ""
        raise InputError(
            f"Cannot import {file_name}: no customer or order number column found",
            f"It has dates ({found['ordered_at']}) and "
            f"{'amounts' if stuff & set(AMOUNTS) else 'products'} "
            f"({', '.join(found[k] for k in sorted(stuff))}), but none of its columns is "
            "recognised as the customer or the order number. Name the one that is with --map, "
            f"e.g. --map customer_id={ids[0] if ids else 'Customer'}{example}. The file's "
            f"columns are: {', '.join(columns[:30])}.",
        )


INSTACART_ORDERS = {"order_id", "user_id", "order_dow", "order_hour_of_day"}
INSTACART_ITEMS = {"order_id", "product_id", "add_to_cart_order", "reordered"}
JOURNEY_DAYS = {"household_key", "basket_id", "day", "week_no", "trans_time", "sales_value"}


def _undated_public_files(have: set[str], file_name: str) -> None:
    """Refuse the files of a public data set that gives its orders no dates at all
    (Instacart's `orders.csv`: a weekday, an hour and the days since the customer's previous
    order; its `order_products__*.csv`: products of orders; The Complete Journey's original
    `transaction_data.csv`: DAY 1–711 of the study). No honest date can be made of
    them (a customer's first order is anchored nowhere), and recency, churn and cohorts all
    need one: they are refused with why, never imported on invented dates."""
    if INSTACART_ORDERS <= have:
        raise InputError(
            f"Cannot import {file_name}: its orders have no dates",
            "It is laid out as Instacart's orders.csv: each order has only a weekday "
            "(order_dow), an hour (order_hour_of_day) and the days since the customer's "
            "previous order (days_since_prior_order), never a calendar date. ShopInsight needs "
            "each order's date (recency, churn and cohorts are counted from it) and none can be "
            "made up from these without inventing when each customer began, so the file is not "
            "imported. If you hold the orders' real dates, add them as a column and import with "
            "--map ordered_at=COLUMN.",
        )
    if JOURNEY_DAYS <= have:
        raise InputError(
            f"Cannot import {file_name}: its baskets have no dates",
            "It is laid out as dunnhumby's The Complete Journey transaction_data.csv: its DAY "
            "counts days from the start of the study (1, 2, … 711) and WEEK_NO its weeks, never "
            "a calendar date, and no published date says when day 1 was. ShopInsight needs "
            "each order's date and will not invent one, so the file is not imported. The "
            "completejourney R package's transactions file (household_id, basket_id, "
            "transaction_timestamp) has dates and imports as it is. If DAY holds real dates "
            "in your copy, import with --map ordered_at=DAY.",
        )
    if INSTACART_ITEMS <= have:
        raise InputError(
            f"Cannot import {file_name}: its orders have no dates or customers",
            "It is laid out as Instacart's order_products file: the products of each order "
            "(order_id, product_id, add_to_cart_order), with no date and no customer, and its "
            "orders.csv has no dates either. ShopInsight cannot import it as orders. For "
            "bundles alone, a basket list (one line per order, its product names separated by "
            "commas, no header) imports with --format baskets.",
        )


EVENT_TIMES = ("event_time", "event time", "event_timestamp")
"""Time column names of event logs (REES46's `event_time`, `2019-10-01 00:00:00 UTC`)."""

EVENT_COLUMNS = ("event", "event_name", "event_type", "event name", "event type")
"""Column names of an event log's event kind (views, carts, purchases)."""


def get_format(name: str) -> Format:
    """A format by name, with a clear error for an unknown one."""
    if name not in FORMATS:
        raise InputError(
            f"Unknown format '{name}'",
            f"Use one of: auto, {', '.join(FORMATS)}. `shopinsight formats` explains each.",
        )
    return FORMATS[name]


@dataclass
class Loaded:
    """A file parsed, not yet merged."""

    path: Path
    format: Format
    lines: pl.DataFrame  # canonical lines, or customer attributes for a customers export
    rejects: pl.DataFrame
    rows_read: int
    warnings: list[str]
    sha256: str
    spilled: Spill | None = None
    """A big first import's lines, already written as parts (then `lines` is empty)."""
    read_beside: list[Path] = field(default_factory=list)
    """Companion files read from beside it (Olist's customers and products files)."""


def load_file(
    path: Path | str,
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    digest: bool = True,
    store: str = "",
    sink: Spill | None = None,
) -> Loaded:
    """Read and parse one export file (no workspace involved); `digest`: also its SHA-256.
    `store` names the lines' store where the export does not (`import --store NAME`)."""
    path = Path(path)
    sn = sniff(path, KNOWN_COLUMNS)
    if sn.headerless and not mapping and fmt in ("auto", "generic"):
        raise _headerless_hint(path, sn)
    if fmt == "auto" and mapping:
        format_ = FORMATS["generic"]
    elif fmt == "auto":
        try:
            format_ = detect(sn.columns, path.name)
        except InputError:
            if looks_like_baskets(path, sn):
                raise _baskets_hint(path.name, sn.columns) from None
            raise
    else:
        format_ = get_format(fmt)
        _check_signature(format_, sn, path.name)
    if not digest:
        return _load(path, sn, format_, mapping, settings, store, sink)
    with ThreadPoolExecutor(1) as pool:  # hashing the file overlaps parsing it
        sha256 = pool.submit(file_sha256, path)
        loaded = _load(path, sn, format_, mapping, settings, store, sink)
        loaded.sha256 = sha256.result()
    return loaded


def _baskets_hint(file_name: str, first: list[str]) -> InputError:
    """The unknown-layout error of a header-less file of product names (`looks_like_baskets`):
    no `--map` can help it, `--format baskets` can."""
    names = ", ".join(c.strip() for c in first[:4] if c.strip())
    return InputError(
        f"Cannot import {file_name}: it looks like a list of baskets, not an order export",
        f"Its lines are product names bought together ({names}, …) with no header, order "
        "number, date or customer, so no --map can name its columns. Import it with "
        f"--format baskets (`shopinsight import {file_name} --format baskets`): each line becomes "
        "one basket for `shopinsight bundles`.",
    )


def _headerless_hint(path: Path, sn: Sniffed) -> InputError:
    """The error of a file whose first line is already data (`Sniffed.headerless`): its
    columns have no names to recognise, so it is mapped by position with --map; the example
    command guesses the positions from the values (a date, a count, an amount, an id)."""
    try:
        sample = read_raw(path, sn).head(2000)
    except (OSError, pl.exceptions.PolarsError):
        sample = pl.DataFrame()
    names = [c for c in sample.columns if c.startswith("column_")]
    roles = _guess_positions(sample.select(names)) if names else {}
    shown = "; ".join(
        f"{i}: {', '.join(sample[n].drop_nulls().head(3).to_list())}"
        for i, n in enumerate(names[:12], start=1)
    )
    if "customer_id" in roles and "ordered_at" in roles:
        maps = " ".join(f"--map {k}={v}" for k, v in roles.items())
        example = f"for this file probably `shopinsight import {path.name} {maps}`"
        left = [str(i) for i in range(1, len(names) + 1) if i not in roles.values()]
        if left:
            example += f" (column {', '.join(left)} left out)"
        example += "; check each position against the values below"
    else:
        example = (
            f"e.g. `shopinsight import {path.name} --map customer_id=1 --map ordered_at=2 "
            "--map line_total=3`"
        )
    return InputError(
        f"Cannot import {path.name}: it has no header row",
        "Its first line is already data, so its columns have no names to recognise. Name them "
        "by position with --map (1 is the first column; `column_1` works too): customer_id and "
        "ordered_at at least, quantity and line_total (the amount) if it has them; "
        f"{example}. Its columns begin with: {shown}.",
    )


def _guess_positions(sample: pl.DataFrame) -> dict[str, int]:
    """canonical → 1-based column of a header-less sample, by its values: the first column
    of dates (8-digit YYYYMMDD or with - or /), the first of decimal amounts, the first of
    small whole numbers after the date (a count), and the first column left as the buyer.
    Only an example for the error message: a file is never imported on this guess."""
    out: dict[str, int] = {}
    for i, name in enumerate(sample.columns, start=1):
        values = sample[name].drop_nulls().str.strip_chars()
        if values.len() == 0:
            continue
        date = values.str.contains(r"^(19|20)\d{6}$|^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}").all()
        number = values.str.contains(r"^-?\d+(\.\d+)?$").all()
        if date and "ordered_at" not in out:
            out["ordered_at"] = i
        elif number and values.str.contains(".", literal=True).any():
            out.setdefault("line_total", i)
        elif number and "ordered_at" in out and "quantity" not in out:
            small = values.cast(pl.Int64, strict=False).abs().max()
            if isinstance(small, int) and small < 1000:
                out["quantity"] = i
        elif "customer_id" not in out:
            out["customer_id"] = i
    order = ("customer_id", "ordered_at", "quantity", "line_total")
    return {k: out[k] for k in order if k in out}


def _check_signature(format_: Format, sn: Sniffed, file_name: str) -> None:
    """A format named with --format whose identifying columns the file's header lacks: say
    which, and what the file looks like instead (rather than reading nothing of it)."""
    have = {normalise_name(c) for c in sn.columns}
    missing = [c for c in format_.signature if c not in have]
    if not missing:
        return
    try:
        other = detect(sn.columns, file_name)
        instead = f" It looks like {other.title} (--format {other.name})."
    except InputError:
        instead = ""
    shown = ", ".join(c for c in sn.columns[:30])
    raise InputError(
        f"Cannot import {file_name} as {format_.title}",
        f"Columns missing: {', '.join(missing)}, so it is not that export (the file's columns "
        f"are: {shown}).{instead} Leave out --format to detect it.",
    )


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (the import ledger's identity of a file)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"Cannot import {path.name}", f"It cannot be read ({exc}).") from None


def _load(
    path: Path,
    sn: Sniffed,
    format_: Format,
    mapping: dict[str, str] | None,
    settings: dict[str, Any] | None,
    store: str = "",
    sink: Spill | None = None,
) -> Loaded:
    shop = (settings or {}).get("shop", {})
    ctx = BuildContext(
        file_name=path.name,
        mapping=dict(mapping or {}),
        timezone=shop_tz(settings),  # stripped and checked: an unknown zone is named
        currency=shop.get("currency") or None,
        delimiter=sn.delimiter,
        path=path,
        date_order=date_order(shop),
    )
    parsed = None
    if streamable(format_, sn, path, STREAM_BYTES):
        try:
            parsed = _parse_streamed(path, sn, format_, ctx, store, sink)
        except NotStreamable:
            ctx.warnings.clear()
            if sink is not None:
                sink.writer.discard()
    if parsed is None:
        sink = None
        parsed = _parse_whole(path, sn, format_, ctx, store)
    accepted, rejects, rows_read = parsed
    if rejects.height and format_.columns is not None:  # show rejected rows with every column
        if sink is not None:
            sink.writer.flush()  # the lines held for the last part are written first
        few = read_rows(path, sn, rejects["row"]) if path.stat().st_size >= STREAM_BYTES else None
        full = (read_raw(path, sn, None) if few is None else few).rename({ROW: "row"})
        rejects = rejects.select("row", "reason").join(full, on="row", how="left")
    if format_.customer_note:
        ctx.warnings.append(format_.customer_note)
    no_buyers = format_.reader is not None  # a basket list: its note says it has none
    if (
        format_.kind == "lines"
        and not no_buyers
        and (sink is not None or accepted["customer_id"].null_count())
    ):
        # Accepted undated lines are those dated by a companion export at merge time (Taobao
        # 宝贝报表); they take their buyer from it too, so they are not short of one.
        anonymous = pl.col("customer_id").is_null() & pl.col("ordered_at").is_not_null()
        n = accepted.filter(anonymous)["order_id"].n_unique() if sink is None else sink.anonymous
        # a file without any amount (the Bread Basket's tills) has no revenue to count in
        moneyless = sink is None and all(
            accepted[c].null_count() == accepted.height for c in ("line_total", "order_total")
        )
        where = "in the shop's orders and bundles" if moneyless else "in revenue"
        if n:
            ctx.warnings.append(
                f"{plural(n, 'order')} {'has' if n == 1 else 'have'} no buyer identity; "
                f"{'it counts' if n == 1 else 'they count'} {where} only."
            )
    return Loaded(
        path, format_, accepted, rejects, rows_read, ctx.warnings, "", sink, ctx.read_beside
    )


def _parse_streamed(
    path: Path, sn: Sniffed, format_: Format, ctx: BuildContext, store: str, sink: Spill | None
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    try:
        done = load_streamed(path, sn, format_, ctx, store, sink)
    except OSError as exc:
        raise InputError(f"Cannot import {path.name}", f"It cannot be read ({exc}).") from None
    except pl.exceptions.PolarsError:
        raise NotStreamable from None  # the whole-file reader explains it
    ctx.warnings[:] = done.warnings
    lines = done.accepted if done.accepted is not None else pl.DataFrame(schema=LINE_SCHEMA)
    return lines, done.rejects, done.rows_read


def _parse_whole(
    path: Path, sn: Sniffed, format_: Format, ctx: BuildContext, store: str
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Read the file's text at once, parse and check it: accepted, rejected, rows read."""
    try:
        raw = format_.reader(path, sn) if format_.reader else read_raw(path, sn, format_.columns)
    except OSError as exc:
        raise InputError(f"Cannot import {path.name}", f"It cannot be read ({exc}).") from None
    if raw.height == 0:
        raise InputError(
            f"Cannot import {path.name}: no rows",
            "The file has a header but no order rows. Export a date range that has orders.",
        )
    missing = [c for c in format_.signature if c not in raw.columns]
    if missing:
        raise InputError(
            f"Cannot import {path.name} as {format_.title}",
            f"Columns missing: {', '.join(missing)}. Re-download the export, or use "
            "--format generic with --map.",
        )
    try:
        built = format_.build(raw, ctx)
    except pl.exceptions.PolarsError as exc:  # a layout we could not make sense of
        raise InputError(
            f"Cannot import {path.name} as {format_.title}",
            f"The values could not be read ({str(exc).splitlines()[0]}). Check that this is an "
            "unmodified export, or use --format generic with --map.",
        ) from None
    rows_read = built[ROW].n_unique()
    accepted, rejects = finish(built, raw, format_.source_name, format_.kind, store)
    return accepted, rejects, rows_read


@dataclass
class ImportReport:
    """What importing one file did. Always rows_read = accepted + rejected and accepted =
    new_lines + updated + duplicates + merged (duplicates: already held unchanged, repeated
    within the import, or an order-level row absorbed into item rows held before or of the
    file itself; merged: order-level rows merged into the items another file of the same
    import brought, such as Olist's orders.csv with order_items.csv; see
    `reconcile.MergeResult`). A file that is not an export of its own (an Olist companion
    file, in a command with other files) gets a report with `format` "not imported", no rows,
    and its reason as the warning."""

    file: str
    format: str
    format_title: str
    rows_read: int
    accepted: int
    rejected: int
    duplicates: int = 0
    new_lines: int = 0
    updated: int = 0
    merged: int = 0
    rejects_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False
    """Imported before and nothing changed: no line new or updated."""
    seen_before: bool = False
    """The same file (same SHA-256) was imported before; with other settings (currency, time
    zone, column map) its lines may still be updated."""
    sha256: str = ""
    store: str = ""
    """The `--store` it was imported with ("" for none)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_files(
    ws: Workspace,
    paths: list[Path | str],
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    store: str = "",
) -> list[ImportReport]:
    """Import export files into the workspace in one atomic step; return one report per file.
    `store` (`--store NAME`) names the store of exports that do not say it themselves."""
    if not paths:
        raise InputError("No files given", "Pass one or more export files: shopinsight import FILE")
    settings = ws.config()
    loaded: list[Loaded] = []
    try:
        return _import(ws, paths, fmt, mapping, dry_run, progress, store, settings, loaded)
    finally:  # parts written early and not adopted (an error, Ctrl-C) are removed
        for item in loaded:
            if item.spilled is not None:
                item.spilled.writer.discard()


def _import(
    ws: Workspace,
    paths: list[Path | str],
    fmt: str,
    mapping: dict[str, str] | None,
    dry_run: bool,
    progress: Progress | None,
    store: str,
    settings: dict[str, Any],
    loaded: list[Loaded],
) -> list[ImportReport]:
    done_hashes = {r.get("sha256"): r for r in ws.ledger()}
    total = len(paths) + 1
    reports: list[ImportReport] = []
    # one big file into an empty workspace: its lines go to parts as they are parsed
    early = not dry_run and len(paths) == 1 and not ws.has_lines()
    failed: list[tuple[int, Path, InputError]] = []
    for i, p in enumerate(paths):
        if progress:
            progress(i, total, f"reading {Path(p).name}")
        sink = Spill(ws) if early else None
        try:
            item = load_file(p, fmt, mapping, settings, store=store, sink=sink)
        except InputError as exc:
            if sink is not None:
                sink.writer.discard()
            if len(paths) == 1:
                raise
            failed.append((i, Path(p), exc))  # a companion file? decided once all are read
            continue
        except BaseException:
            if sink is not None:
                sink.writer.discard()
            raise
        loaded.append(item)
        reports.append(
            ImportReport(
                file=str(p),
                format=item.format.name,
                format_title=item.format.title,
                rows_read=item.rows_read,
                accepted=item.rows_read - item.rejects["row"].n_unique(),
                rejected=item.rejects["row"].n_unique(),
                warnings=item.warnings,
                sha256=item.sha256,
                seen_before=item.sha256 in done_hashes,
                store=store,
            )
        )
        _same_store_as_before(item, done_hashes.get(item.sha256), store)
    not_imported = _companions(failed, loaded)
    _drop_waiting_notes(loaded)
    if progress:
        progress(len(paths), total, "merging")
    with ws.lock():
        snap = ws.snapshot()
        change, adopt = None, []
        for x, rep in zip(loaded, reports, strict=True):
            if x.spilled is not None and snap.has_lines():  # lines came meanwhile: merge
                x.lines = x.spilled.read()
                x.spilled.writer.discard()
                x.spilled = None
            elif x.spilled is not None:
                rep.new_lines, rep.duplicates, rep.updated = astuple3(x.spilled.counts)
                adopt += x.spilled.parts()
        line_files = [
            (x, r)
            for x, r in zip(loaded, reports, strict=True)
            if x.format.kind == "lines" and x.spilled is None
        ]
        if line_files:
            change, results = merge_import(
                snap,
                [x.lines for x, _ in line_files],
                [x.path.name for x, _ in line_files],
                merge=merge_into,  # looked up here: tests and benchmarks wrap it
                reread=[r.seen_before for _, r in line_files],
            )
            for (x, rep), result in zip(line_files, results, strict=True):
                rep.new_lines = result.new_lines
                rep.duplicates = result.duplicates
                rep.updated = result.updated
                rep.merged = result.merged
                if result.merged:
                    others = [y.path.name for y, _ in line_files if y is not x]
                    rep.warnings.append(
                        f"{plural(result.merged, 'order row')} of it "
                        f"{'was' if result.merged == 1 else 'were'} merged into the items of "
                        f"{', '.join(others)}, imported with it (not held before: neither new "
                        "lines nor unchanged ones)."
                    )
        merged_customers = None
        for item, rep in zip(loaded, reports, strict=True):
            if item.format.kind == "customers":
                if merged_customers is None:
                    merged_customers = snap.read_customers()
                result = customer_counts(merged_customers, item.lines)
                rep.new_lines, rep.duplicates = result.new_lines, result.duplicates
                rep.updated = result.updated
                merged_customers = merge_customers(merged_customers, [item.lines])
            if rep.rejected and not dry_run:
                rep.rejects_path = str(ws.write_rejects(item.path.name, item.rejects))
        for rep in reports:  # a file seen before that updated lines was not skipped
            rep.skipped = rep.seen_before and not (rep.new_lines or rep.updated)
        if not dry_run:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            records = [{**r.to_dict(), "imported_at": stamp} for r in reports]
            ws.write_version(
                records,
                append=change.append if change else None,
                drop=change.drop if change else None,
                adopt=adopt,
                customers=merged_customers,
            )
    if progress:
        progress(total, total, "done")
    for i, rep in not_imported:  # in the command's file order
        reports.insert(i, rep)
    return reports


def _companions(
    failed: list[tuple[int, Path, InputError]], loaded: list[Loaded]
) -> list[tuple[int, ImportReport]]:
    """Files of a several-file command that are not exports of their own: a companion file
    another file of the command read from beside it (Olist's customers.csv beside orders.csv),
    or one of Olist's companion files by name (reviews, payments…). Each gets a report saying
    why it was not imported; any other file that could not be read fails the command as
    before (an export is never left out silently)."""
    if not failed:
        return []
    beside: dict[Path, str] = {}
    for x in loaded:
        for path in x.read_beside:
            beside.setdefault(path.resolve(), x.path.name)
    out = []
    for i, path, exc in failed:
        what = olist.companion_name(path.name)
        if path.resolve() in beside:
            why = (
                f"Read beside {beside[path.resolve()]}, whose lines take their buyers or "
                "categories from it; it is not an export of its own, so it is not imported itself."
            )
        elif what is not None and loaded:
            why = f"Skipped: it is Olist's {what} file, which is not imported itself."
        else:
            raise exc
        report = ImportReport(str(path), "not imported", "not an export", 0, 0, 0, warnings=[why])
        out.append((i, report))
    return out


def _drop_waiting_notes(loaded: list[Loaded]) -> None:
    """An items file's "import its orders file too, now or later" note (`Format.waits_for`)
    is not said when the same command imports that orders file."""
    names = {x.format.name for x in loaded}
    for x in loaded:
        if x.format.waits_for and x.format.waits_for[0] in names:
            note = x.format.waits_for[1]
            x.warnings[:] = [w for w in x.warnings if w != note]


def _same_store_as_before(item: Loaded, before: dict[str, Any] | None, store: str) -> None:
    """A file imported again under another --store would hold its orders twice: refuse."""
    if before is None or item.format.kind != "lines":
        return
    was = str(before.get("store") or "")
    if was == store:
        return
    said = f"as store '{was}' (--store {was})" if was else "without --store"
    raise InputError(
        f"{item.path.name} was already imported {said}",
        f"Importing it again as {f'store {store!r}' if store else 'no store'} would hold its "
        "orders twice. Import it with the same --store as before; nothing was imported.",
    )


@dataclass
class Preview:
    """What a file looks like to the importer, before importing."""

    format: str
    title: str
    columns: list[str]
    frame: pl.DataFrame
    missing: list[str]
    warnings: list[str]
    rows_read: int = 0
    rejected: int = 0


def preview_file(
    path: Path | str, fmt: str = "auto", mapping: dict[str, str] | None = None, n: int = 20
) -> Preview:
    """Detected format, source columns and the first canonical lines (for the import screen)."""
    path = Path(path)
    sn = sniff(path, KNOWN_COLUMNS)
    try:
        item = load_file(path, fmt, mapping, digest=False)
    except InputError as exc:
        return Preview("unknown", exc.title, sn.columns, pl.DataFrame(), [exc.detail], [])
    columns = [normalise_name(c) for c in sn.columns]
    found = resolve_columns(columns, mapping or {})
    log = bool(mapping) or buyer_date_log(columns, found)
    missing = missing_for(found, log=log) if item.format.name == "generic" else []
    return Preview(
        item.format.name,
        item.format.title,
        sn.columns,
        item.lines.head(n),
        missing,
        item.warnings,
        item.rows_read,
        item.rejects.height,
    )
